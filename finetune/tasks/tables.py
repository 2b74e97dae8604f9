"""Reading a user's table (CSV, TSV, JSONL, JSON) and guessing which columns hold text and labels.

Every failure is a DataError that says what was found and what to do, never a pandas traceback.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from ..config import DataError

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".json")
TEXT_NAMES = ("text", "sentence", "content", "document", "review", "body", "message", "comment")
LABEL_NAMES = ("label", "labels", "category", "class", "target", "sentiment", "tag", "intent")


def read_table(path) -> pd.DataFrame:
    """The file as a DataFrame of strings (labels stay categories: '1' is a name, not a number)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No file at {path}. Check the path, or upload the file again.")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty. Export your data again with a header row and rows below it.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".json"):
            frame = _read_json(path)
        else:
            frame = pd.read_csv(path, sep=_delimiter(path), dtype=str, keep_default_na=False,
                                encoding="utf-8-sig", on_bad_lines="error")
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise DataError(f"Could not read {path.name} as a table: {_first_line(e)}. "
                        "Check that every row has the same number of columns.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{path.name} has a header but no rows. Add examples below the header.")
    return frame


def _delimiter(path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        sample = f.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _read_json(path: Path) -> pd.DataFrame:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        records = json.loads(text)
    else:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise DataError(f"Line {number} of {path.name} is not valid JSON ({e.msg}). "
                                    "Each line must be one object like {\"text\": ..., \"label\": ...}.") from None
    if not records or not all(isinstance(r, dict) for r in records):
        raise DataError(f"{path.name} must hold JSON objects, one per line, like "
                        "{\"text\": \"...\", \"label\": \"...\"}.")
    frame = pd.DataFrame.from_records(records)
    return frame.map(lambda v: "" if v is None else v if isinstance(v, str) else json.dumps(v)
                     if isinstance(v, (list, dict)) else str(v))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def guess_text_column(frame: pd.DataFrame, exclude=()) -> str | None:
    """A column named like text, else the one with the longest average value."""
    candidates = [c for c in frame.columns if c not in exclude]
    for c in candidates:
        if c.lower() in TEXT_NAMES:
            return c
    if not candidates:
        return None
    return max(candidates, key=lambda c: frame[c].astype(str).str.len().mean())


def guess_label_column(frame: pd.DataFrame, exclude=()) -> str | None:
    """A column named like a label, else the one with the fewest distinct short values."""
    candidates = [c for c in frame.columns if c not in exclude]
    for c in candidates:
        if c.lower() in LABEL_NAMES:
            return c
    short = [c for c in candidates if frame[c].astype(str).str.len().mean() < 40]
    if not short:
        return None
    return min(short, key=lambda c: frame[c].nunique())


def choose_columns(frame: pd.DataFrame, text_column: str = "", label_column: str = "") -> tuple[str, str]:
    """The text and label columns: the ones asked for (checked), else the detected ones."""
    found = ", ".join(frame.columns)
    for name, role in ((text_column, "text"), (label_column, "label")):
        if name and name not in frame.columns:
            raise DataError(f"There is no {role} column '{name}'. The file has: {found}.")
    label = label_column or guess_label_column(frame, exclude=(text_column,))
    text = text_column or guess_text_column(frame, exclude=(label,))
    if not text or not label or text == label:
        raise DataError(f"Need two columns, one with text and one with labels; found only: {found}. "
                        "Add a label column, or name the columns to use.")
    return text, label
