"""Caps on bytes, checked before anything is read, expanded or tokenized (issue 22: tiny files, huge cost).

A file's size on disk says little about its cost: a 790-byte Parquet file held 5,000 rows of one
dictionary-encoded 20 KB string (100 MB of text, 81 s and 7 GB in the data check), a 206 KB xlsx one
200 MB shared string, a 37 KB PDF 200 pages sharing one content stream. So each kind is checked by what
it expands to, from its own metadata (Parquet footer, zip directory, PDF page streams), and every text is
cut to MAX_CELL_CHARS before it is counted or tokenized. The readers (data/tables.py, data/documents.py,
predictions) call these themselves, so the CLI is covered; hosting/gate.admit_file calls check_file too.
No gradio here.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import DataError

MB = 1024 * 1024
# One text (a cell, a Playground text): ~4,000 words. The models here read 512 tokens (~2,000 characters)
# and the generation prompt 4,000 characters, so nothing is lost that a model would see.
MAX_CELL_CHARS = 20_000
# Token counting reads at most this many characters per limit token: at ~4 characters per token a text
# cut there still counts about twice the model's limit, so "over the limit" stays exact.
CHARS_PER_LIMIT_TOKEN = 8
# The data check tokenizes at most this many characters in its sample (fewer rows when texts are long):
# about 1 s of the tokenizer on one free core; typical data (5,000 rows of a few hundred characters) fits.
MAX_COUNTED_CHARS = 2_000_000
# A table's text once expanded (Parquet's decoded columns, an xlsx's XML): a million 200-character rows.
# What it costs in memory is a few times this (strings, pandas, the check's copies).
MAX_TABLE_BYTES = 200 * MB
# One xlsx part (sharedStrings.xml, a sheet): openpyxl holds the shared strings in memory at ~5x.
MAX_XLSX_PART_BYTES = 100 * MB
# PDFs: a long report is under 500 pages. Each page's content stream (its drawing commands, text included)
# is decoded and measured before any extraction: a page of text is 5-50 KB, and pypdf's layout extraction
# of a 0.7 MB stream took ~5 s on the loaded 2-core box (bench/abuse_files.py). So 1 MB a page, and 10 MB
# in all (500 pages of 20 KB) stops one stream shared by hundreds of pages (37 KB on disk, 42 s before).
# Extraction stops at MAX_PDF_CHARS of text (about 1,700 chunks of 1,200 characters: more than a batch labels).
MAX_PDF_PAGES = 500
MAX_PDF_PAGE_STREAM_BYTES = 1 * MB
MAX_PDF_STREAM_BYTES = 10 * MB  # (pypdf itself stops decoding any one stream at 75 MB)
MAX_PDF_CHARS = 2_000_000


def cap_text(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit]


def counted_chars(token_limit: int) -> int:
    """How many characters of a text token counting reads, for a model that reads token_limit tokens."""
    return min(MAX_CELL_CHARS, max(1, token_limit) * CHARS_PER_LIMIT_TOKEN)


def check_file(path, kind: str = "data") -> None:
    """DataError when a file would expand past its caps (Parquet, xlsx, PDF by their metadata); other kinds
    cost what they weigh and are bounded by the upload size."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        parquet_file(path)
    elif suffix == ".xlsx":
        check_xlsx(path)
    elif suffix == ".pdf":
        pdf_pages(path)


# --- Parquet -------------------------------------------------------------------------------------------
def parquet_file(path):
    """The open pyarrow ParquetFile, after its footer's sizes were checked (DataError over the cap)."""
    import pyarrow.parquet as pq

    name = Path(path).name
    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow's ArrowInvalid on a damaged footer, OSError on a bad file
        raise DataError(f"Could not read {name} as Parquet ({str(e).splitlines()[0][:120]}).") from None
    meta = parquet.metadata
    stored = sum(meta.row_group(i).column(j).total_uncompressed_size
                 for i in range(meta.num_row_groups) for j in range(meta.num_columns))
    if stored > MAX_TABLE_BYTES:
        raise DataError(too_big(name, stored, MAX_TABLE_BYTES))
    return parquet


def read_parquet_capped(path, limit: int | None):
    """The first `limit` rows (or all) as a pandas frame, each string at most MAX_CELL_CHARS + 1 long.

    String columns are read dictionary-encoded, so a string repeated on every row is held once; the text
    they would expand to is measured from the dictionary's lengths (DataError over MAX_TABLE_BYTES) and the
    dictionary cut before pandas expands it. One character over the cap is kept so that the reader's own
    cell cap (tables._cap_cells) counts these cells among the cut ones, on the rows it keeps."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = parquet_file(path).schema_arrow
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    parquet = pq.ParquetFile(path, read_dictionary=strings)
    if limit is None:
        table = parquet.read()
    else:  # iter_batches reads no further than the first batch
        batch = next(parquet.iter_batches(batch_size=limit), None)
        table = pa.Table.from_batches([batch]) if batch is not None else schema.empty_table()
    columns, expanded = {}, 0
    for name in table.column_names:
        column = table[name].combine_chunks()
        if pa.types.is_dictionary(column.type):
            expanded += int(pc.sum(pc.take(pc.binary_length(column.dictionary), column.indices)).as_py() or 0)
            column = pa.DictionaryArray.from_arrays(
                column.indices, pc.utf8_slice_codeunits(column.dictionary, 0, MAX_CELL_CHARS + 1))
        else:
            expanded += column.nbytes
        if expanded > MAX_TABLE_BYTES:
            raise DataError(too_big(Path(path).name, expanded, MAX_TABLE_BYTES))
        columns[name] = column
    return pa.table(columns).to_pandas() if columns else table.to_pandas()


# --- xlsx ----------------------------------------------------------------------------------------------
def check_xlsx(path) -> None:
    """DataError when an xlsx's parts expand past their caps (its zip directory says, before openpyxl reads)."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise DataError(f"Could not read {name} as an Excel workbook: it is not a complete .xlsx file. "
                        "Save it again from Excel, or export the sheet as CSV.") from None
    for part in parts:
        if part.file_size > MAX_XLSX_PART_BYTES:
            raise DataError(too_big(name, part.file_size, MAX_XLSX_PART_BYTES, f" ({part.filename})"))
    total = sum(part.file_size for part in parts)
    if total > MAX_TABLE_BYTES:
        raise DataError(too_big(name, total, MAX_TABLE_BYTES))


# --- PDF -----------------------------------------------------------------------------------------------
def pdf_pages(path, reader=None) -> list:
    """The pages text is extracted from: DataError past MAX_PDF_PAGES, or when a page's content stream (or
    all of them) decodes past its cap, checked before any text is extracted."""
    if reader is None:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
    name = Path(path).name
    pages = list(reader.pages)
    if len(pages) > MAX_PDF_PAGES:
        raise DataError(f"{name} has {len(pages):,} pages; this app tags at most {MAX_PDF_PAGES:,} pages of one PDF. "
                        "Split it (for example with pdfseparate) and upload the parts.")
    total = 0
    for number, page in enumerate(pages, start=1):
        contents = page.get_contents()
        size = len(contents.get_data()) if contents is not None else 0
        total += size
        if size > MAX_PDF_PAGE_STREAM_BYTES or total > MAX_PDF_STREAM_BYTES:
            raise DataError(f"{name}: page {number}'s drawing commands decode to {size / MB:.1f} MB "
                            f"({total / MB:.0f} MB so far); a page of text is well under "
                            f"{MAX_PDF_PAGE_STREAM_BYTES // MB} MB and all pages together at most "
                            f"{MAX_PDF_STREAM_BYTES // MB} MB here. Print it to a new PDF, or export its text.")
    return pages


def too_big(name: str, size: int, cap: int, part: str = "") -> str:
    return (f"{name}{part} expands to {size / MB:,.0f} MB of data when read, more than the {cap // MB} MB this app "
            "reads from one file (its size on disk is no guide: compressed or repeated text). Upload a smaller "
            "file, or save fewer rows or shorter texts.")
