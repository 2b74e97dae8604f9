import sys

import pytest

from finetune.config import DataError
from finetune.data.documents import paragraphs, pdf_chunks
from tests.conftest import SAMPLES

sys.path.insert(0, str(SAMPLES))
from make_sample_pdf import write_pdf  # noqa: E402


def test_a_pdf_becomes_chunks_per_page_and_paragraph(tmp_path):
    chunks = pdf_chunks(write_pdf(tmp_path / "d.pdf", paragraphs_per_page=3))
    assert [(c["page"], c["chunk"]) for c in chunks] == [(p, i) for p in (1, 2, 3) for i in (1, 2, 3)]
    assert chunks[0]["text"].startswith("Agreement terms The")  # the heading joins its paragraph
    assert "patient" in " ".join(c["text"] for c in chunks if c["page"] == 2).lower() or \
        any(w in chunks[3]["text"] for w in ("nurse", "surgeon", "physician", "child", "woman", "man"))


def test_a_scanned_pdf_says_it_needs_ocr(tmp_path):
    with pytest.raises(DataError, match="no text layer .3 page.s. of images.*OCR"):
        pdf_chunks(write_pdf(tmp_path / "scan.pdf", scanned=True))


def test_a_broken_pdf_is_a_clear_error(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(DataError, match="Could not read bad.pdf as a PDF"):
        pdf_chunks(tmp_path / "bad.pdf")


def test_long_paragraphs_are_cut_at_sentence_ends_and_fragments_merged():
    text = "Page 3\n\n" + " ".join(["This sentence has some words in it."] * 80)
    parts = paragraphs(text)
    assert parts[0].startswith("Page 3 This sentence") and all(len(p) <= 1200 for p in parts)
    assert all(p.endswith(".") for p in parts) and len(parts) == 3
