"""Text out of documents for tagging: a PDF becomes chunks (page, paragraph) a model can label.

The guide's "smart PDF content tagging": pypdf extracts the text layer of each page; paragraphs are
split on blank lines (or on short line breaks where a PDF has none), tiny fragments are merged into
their neighbour and long paragraphs cut at sentence ends, so every chunk is a sensible unit to label.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import DataError
from . import byte_caps

MIN_CHARS = 40        # shorter fragments (headings, page numbers) join the next paragraph
MAX_CHARS = 1200      # about 250 tokens: longer paragraphs are cut at sentence ends
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def pdf_chunks(path) -> list[dict]:
    """[{"page", "chunk", "text"}] in reading order; a DataError says why when there is no text to tag."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    path = Path(path)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DataError(f"{path.name} is password-protected. Save an unprotected copy and upload that.")
        pages = _texts(path.name, byte_caps.pdf_pages(path, reader))  # pages and streams capped before extraction
    except DataError:
        raise
    except (PdfReadError, OSError, ValueError) as e:
        raise DataError(f"Could not read {path.name} as a PDF ({e}). Check that the file is a complete PDF.") from None
    chunks = [{"page": number, "chunk": index, "text": text}
              for number, page in enumerate(pages, start=1)
              for index, text in enumerate(paragraphs(page), start=1)]
    if not chunks:
        raise DataError(f"{path.name} has no text layer ({len(pages)} page(s) of images, probably a scan). "
                        "Run it through OCR first (for example ocrmypdf), then upload the result.")
    return chunks


def _texts(name: str, pages) -> list[str]:
    """Each page's text, extraction stopping once MAX_PDF_CHARS of text are out (the rest is not tagged)."""
    texts, total = [], 0
    for page in pages:
        if total >= byte_caps.MAX_PDF_CHARS:
            break
        texts.append(_page_text(page)[:byte_caps.MAX_PDF_CHARS - total])
        total += len(texts[-1])
    return texts


def _page_text(page) -> str:
    """Layout mode keeps vertical gaps as blank lines, which is where paragraphs end."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode is newer and stricter; plain extraction still gives the words
        return page.extract_text() or ""


def paragraphs(page_text: str) -> list[str]:
    """A page's text as paragraphs: blank-line separated, short bits merged, long ones cut."""
    text = page_text.replace("\r", "")
    blocks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else _by_line_breaks(text)
    merged: list[str] = []
    for block in (" ".join(b.split()) for b in blocks):
        if not block:
            continue
        if merged and len(merged[-1]) < MIN_CHARS:
            merged[-1] = f"{merged[-1]} {block}"
        else:
            merged.append(block)
    return [piece for block in merged for piece in _cut(block)]


def _by_line_breaks(text: str) -> list[str]:
    """PDFs without blank lines: a line ending a sentence and a short line end a paragraph."""
    blocks, current = [], []
    lines = [line.strip() for line in text.split("\n")]
    width = max((len(line) for line in lines), default=0)
    for line in lines:
        current.append(line)
        if line.endswith((".", "!", "?", ":")) and len(line) < 0.8 * width:
            blocks.append(" ".join(current))
            current = []
    return blocks + ([" ".join(current)] if current else [])


def _cut(block: str) -> list[str]:
    if len(block) <= MAX_CHARS:
        return [block]
    pieces, current = [], ""
    for sentence in SENTENCE_END.split(block):
        if current and len(current) + len(sentence) > MAX_CHARS:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    return pieces + ([current] if current else [])
