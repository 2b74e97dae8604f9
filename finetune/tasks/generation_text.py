"""Plain-text files for text generation: paragraphs at blank lines (long ones cut at line ends), or lines."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..data.tables import decode
from ..errors import DataError

PIECE_CHARS = 1000  # a long paragraph of a .txt is cut at line ends into pieces of about this size


def read_text_file(path: Path, mode: str) -> tuple[pd.DataFrame, list[str]]:
    if not path.is_file():
        raise DataError(f"No file at {path}. Check the path, or upload the file again.")
    text = decode(path.read_bytes(), path.name)[0].replace("\r\n", "\n")
    if mode == "lines":
        texts = [p.strip() for p in text.split("\n") if p.strip()]
        how = "one example per line"
    else:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        texts = [piece for paragraph in paragraphs for piece in line_pieces(paragraph)]
        how = _corpus_note(len(paragraphs), len(texts))
    if not texts:
        raise DataError(f"{path.name} holds no text. Put the text to learn from in the file.")
    return pd.DataFrame({"text": texts}), [f"{path.name} read as plain text, {how}."]


def line_pieces(paragraph: str, size: int = PIECE_CHARS) -> list[str]:
    """A paragraph over twice `size` characters cut at line ends into pieces of about `size`: a file
    without blank lines (one sentence or one verse a line) still trains in packed blocks and holds out
    whole pieces, not one giant example."""
    if len(paragraph) <= 2 * size:
        return [paragraph]
    pieces, current, length = [], [], 0
    for line in paragraph.split("\n"):
        current.append(line)
        length += len(line) + 1
        if length >= size:
            pieces.append("\n".join(current).strip())
            current, length = [], 0
    if current:
        pieces.append("\n".join(current).strip())
    return [p for p in pieces if p]


def _corpus_note(paragraphs: int, pieces: int) -> str:
    if pieces == paragraphs:
        return f"split at blank lines into {paragraphs} paragraphs, packed into blocks (held out by paragraph)"
    if paragraphs == 1:
        return (f"no blank lines, so consecutive lines were grouped into {pieces} pieces of about "
                f"{PIECE_CHARS:,} characters, packed into blocks (held out by piece)")
    return (f"split at blank lines into {paragraphs} paragraphs; those over {2 * PIECE_CHARS:,} characters were "
            f"cut at line ends, {pieces} pieces in all, packed into blocks (held out by piece)")
