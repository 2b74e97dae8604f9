"""Reading a user's table (CSV/TSV/delimited text, JSONL, JSON, Excel, Parquet) into strings.

Every failure is a DataError that says what was found and what to do, never a pandas traceback.
What the reader had to guess or skip travels with the frame in `frame.attrs` ("encoding",
"encoding_guessed", "skipped_lines", "truncated_at"), so the data check can tell the user.

Bytes are capped before rows (data/byte_caps.py): an xlsx's parts and a Parquet file's decoded text are
measured before they are expanded, and every cell is cut to MAX_CELL_CHARS (attrs["cells_cut"] counts them).
Rows read are capped by `max_rows`, by default FINETUNE_MAX_READ_ROWS (unset: no cap; a Space sets it,
hosting/spaces.py): reading stops at the cap (CSV nrows, Excel read_only rows, Parquet batches) and
frame.attrs["truncated_at"] says so.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import warnings
from pathlib import Path

import pandas as pd

from ..errors import DataError
from . import byte_caps

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".xlsx", ".parquet")
SNIFF_BYTES = 64 * 1024
READ_CAP_ENV = "FINETUNE_MAX_READ_ROWS"


def read_cap() -> int | None:
    """The default most rows read from one file: FINETUNE_MAX_READ_ROWS, or None (no cap) when unset or 0."""
    try:
        cap = int(os.environ.get(READ_CAP_ENV, "0") or 0)
    except ValueError:
        return None
    return cap if cap > 0 else None


def read_table(path, max_rows: int | None = None) -> pd.DataFrame:
    """The file as a DataFrame of strings (labels stay categories: '1' is a name, not a number).

    At most max_rows rows (default read_cap()); a file with more is cut there and attrs["truncated_at"] set."""
    path = Path(path)
    cap = max_rows if max_rows is not None else read_cap()
    limit = cap + 1 if cap else None  # one row more than the cap tells that the file goes on
    if not path.is_file():
        raise DataError(f"No file at {path}. Check the path, or upload the file again.")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty. Export your data again with a header row and rows below it.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            byte_caps.check_xlsx(path)  # its XML parts' sizes, before openpyxl expands them
            # pandas reads .xlsx with openpyxl in read-only mode and stops after nrows
            frame = _as_strings(pd.read_excel(path, dtype=str, engine="openpyxl", nrows=limit))
        elif suffix == ".parquet":
            frame = _as_strings(byte_caps.read_parquet_capped(path, limit))  # decoded size checked first
        else:
            text, encoding, guessed = decode(path.read_bytes(), path.name)
            frame = _read_json(text, path.name, limit) if suffix in (".jsonl", ".json") \
                else _read_delimited(text, suffix, limit)
            frame.attrs.update(encoding=encoding, encoding_guessed=guessed)
        if cap and len(frame) > cap:
            attrs = dict(frame.attrs)
            frame = frame.iloc[:cap]
            frame.attrs.update(attrs, truncated_at=cap)
        frame.attrs["first_row"] = first_row_number(path)
        frame.attrs["cells_cut"] = _cap_cells(frame)
    except DataError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, ImportError, OSError) as e:
        raise DataError(f"Could not read {path.name} as a table: {_explain(e)}") from None
    frame.columns = [str(c).strip() for c in frame.columns]  # " label " in a header is "label"
    if frame.empty:
        raise DataError(f"{path.name} has a header but no rows. Add examples below the header.")
    return frame


def truncation_note(frame: pd.DataFrame) -> str:
    """What the data check says when reading stopped at the row cap; "" when the whole file was read."""
    cap = frame.attrs.get("truncated_at")
    return (f"Only the first {cap:,} rows were read (this Space's limit); the rest of the file is not checked "
            "or trained on. Upload a smaller file, or run the app locally to use all of it.") if cap else ""


def cells_note(frame: pd.DataFrame) -> str:
    """What the data check says when cells were cut to MAX_CELL_CHARS; "" when none was."""
    cut = frame.attrs.get("cells_cut")
    return (f"{cut:,} cell(s) held more than {byte_caps.MAX_CELL_CHARS:,} characters and were cut there (the models "
            "read far less of a text); split such texts into passages if their ends matter.") if cut else ""


def _cap_cells(frame: pd.DataFrame) -> int:
    """Cuts every cell to MAX_CELL_CHARS in place; how many were cut."""
    cut = 0
    for column in frame.columns:
        lengths = frame[column].str.len()
        over = lengths > byte_caps.MAX_CELL_CHARS
        if over.any():
            cut += int(over.sum())
            frame.loc[over, column] = frame.loc[over, column].str.slice(0, byte_caps.MAX_CELL_CHARS)
    return cut


def first_row_number(path) -> int:
    """The number the user sees on the first data row: a spreadsheet's 2 (header is row 1), a JSON line's 1."""
    return 1 if Path(path).suffix.lower() in (".jsonl", ".json", ".parquet") else 2


# --- text files -----------------------------------------------------------------------------------
def decode(raw: bytes, name: str = "the file") -> tuple[str, str, bool]:
    """(text, encoding, guessed): BOMs first, then UTF-8, then UTF-16 without BOM, then Windows-1252."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding), encoding, False
    try:
        return raw.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    sample = raw[:SNIFF_BYTES]
    if sample.count(b"\x00") > len(sample) // 4:  # every other byte zero: UTF-16 saved without a BOM
        encoding = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        try:
            return raw.decode(encoding), encoding, True
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("cp1252"), "cp1252", True  # Excel's "CSV" on Windows
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1", True  # decodes any byte


def _read_delimited(text: str, suffix: str, limit: int | None = None) -> pd.DataFrame:
    sep = "\t" if suffix == ".tsv" else _sniff_delimiter(text[:SNIFF_BYTES])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        # index_col=False: a first row with more fields than the header must not turn column 1 into an index
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            on_bad_lines="warn", skipinitialspace=True, index_col=False, nrows=limit)
    if any("does not match length of data" in str(w.message) for w in caught):
        _refuse_wider_rows(text, sep)
    # pandas reports each ragged row as "Skipping line N: expected 2 fields, saw 3"
    skipped = [int(n) for w in caught for n in re.findall(r"Skipping line (\d+)", str(w.message))]
    frame.attrs["skipped_lines"] = skipped
    return frame.fillna("")  # a row with too few fields gets empty cells


def _refuse_wider_rows(text: str, sep: str) -> None:
    """A DataError naming the first row with more fields than the header: its cells would shift columns."""
    rows = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    header = next(rows, [])
    for number, row in enumerate(rows, start=2):
        if len(row) > len(header):
            raise DataError(f"Row {number} has {len(row)} fields but the header names {len(header)}: a text with "
                            f"an unquoted {sep!r} in it? Quote such texts, or name the extra column in the header.")


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def json_records(text: str, name: str, example: str = '{"text": ..., "label": ...}',
                 limit: int | None = None) -> list:
    """A JSON array, or JSON Lines (blank lines skipped; at most `limit` read); a broken line is named."""
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError(f"{name} is not valid JSON (line {e.lineno}: {e.msg}).") from None
        except RecursionError:
            raise DataError(f"{name} is nested too deeply to be a table of examples. Save one object per row, "
                            'like {"text": ..., "label": ...}.') from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if limit is not None and len(records) >= limit:
            break
        if line.strip():
            try:
                records.append(json.loads(line))
            except RecursionError:
                raise DataError(f"Line {number} of {name} is nested too deeply to be one example. Each line must be "
                                f"one object like {example}.") from None
            except json.JSONDecodeError as e:
                raise DataError(f"Line {number} of {name} is not valid JSON ({e.msg}). "
                                f"Each line must be one object like {example}.") from None
    return records


def _read_json(text: str, name: str, limit: int | None = None) -> pd.DataFrame:
    records = json_records(text, name, limit=limit)[:limit]
    if not records or not all(isinstance(r, dict) for r in records):
        raise DataError(f"{name} must hold JSON objects, one per line, like "
                        "{\"text\": \"...\", \"label\": \"...\"}.")
    return _as_strings(pd.DataFrame.from_records(records))


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell a string: missing is "", lists/dicts as JSON, whole floats from Excel as '1' not '1.0'."""
    def cell(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, (list, dict)):
            return json.dumps(v)
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    return frame.astype(object).map(cell)


def _explain(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    quote = re.search(r"EOF inside string starting at row (\d+)", text)
    if quote:
        return (f"a quote (\") opened on line {int(quote.group(1)) + 1} is never closed. Remove the stray "
                "quote or close it, then upload again.")
    if isinstance(error, ImportError):
        return f"{text}. Install the missing package, or save the data as CSV."
    return text + ". Check that it is a table with a header row."


def column_names(path) -> list[str]:
    """A file's column names when it is a table; [] for a CoNLL or plain-text file, or one that cannot be read."""
    if Path(path).suffix.lower() not in (".csv", ".jsonl", ".json", ".xlsx", ".parquet"):
        return []
    try:
        return list(read_table(path).columns)
    except DataError:
        return []
