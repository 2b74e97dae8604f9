"""Writes sample_data/mixed_documents.pdf: three pages of legal, medical and financial paragraphs
(sentences from generate.py, written for this project), for the Playground's PDF tagging.

    python sample_data/make_sample_pdf.py [--out FILE] [--scanned]   # --scanned: a page with no text layer
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from fpdf import FPDF

from generate import domain_rows

TITLES = {"legal": "Agreement terms", "medical": "Clinic notes", "financial": "Quarterly summary"}


def write_pdf(path: Path, paragraphs_per_page: int = 4, seed: int = 3, scanned: bool = False) -> Path:
    rng = random.Random(seed)
    rows = domain_rows(paragraphs_per_page * 3, rng)
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    for label, title in TITLES.items():
        pdf.add_page()
        if scanned:  # a drawn page, no text: what a scanner produces
            pdf.rect(20, 20, 170, 100)
            continue
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        texts = [t for t, lab in rows if lab == label]
        for i in range(paragraphs_per_page):
            paragraph = " ".join(texts[i * 3:(i + 1) * 3])
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
    pdf.output(str(path))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "mixed_documents.pdf")
    parser.add_argument("--scanned", action="store_true")
    args = parser.parse_args()
    write_pdf(args.out, scanned=args.scanned)
