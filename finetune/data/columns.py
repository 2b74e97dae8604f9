"""Which columns hold the text and the label: detected from names and content, always overridable.

Several text columns can be joined ("title,body"): the text column setting is one column name, or
column names separated by commas.
"""
from __future__ import annotations

import pandas as pd

from ..errors import DataError
from .file_kind import describe_tagged, tagged_columns

TEXT_NAMES = ("text", "sentence", "content", "document", "review", "body", "message", "comment")
LABEL_NAMES = ("label", "labels", "category", "class", "target", "sentiment", "tag", "intent")
JOINER = "\n"  # tokenizers read a newline as a space; the preview keeps the parts apart


def text_columns(frame: pd.DataFrame, text_column: str) -> list[str]:
    """The column(s) named by a text-column setting: one name, or names separated by commas."""
    if text_column in frame.columns:
        return [text_column]
    names = [n.strip() for n in text_column.split(",") if n.strip()]
    missing = [n for n in names if n not in frame.columns]
    if not names or missing:
        raise DataError(f"There is no text column '{', '.join(missing) or text_column}'. "
                        f"The file has: {', '.join(frame.columns)}.")
    return names


def text_values(frame: pd.DataFrame, text_column: str) -> pd.Series:
    """The text of each row; several text columns are joined, empty parts left out."""
    names = text_columns(frame, text_column)
    if len(names) == 1:
        return frame[names[0]].astype(str)
    parts = frame[names].astype(str).apply(lambda col: col.str.strip())
    return parts.apply(lambda row: JOINER.join(p for p in row if p), axis=1)


def describe_columns(frame: pd.DataFrame) -> list[dict]:
    """What each column looks like, to help the user map them: distinct values, mean length, numeric."""
    out = []
    for name in frame.columns:
        values = frame[name].astype(str)
        numeric = pd.to_numeric(values.replace("", None), errors="coerce").notna().all()
        out.append({"column": name, "distinct": int(values.nunique()),
                    "mean_length": round(float(values.str.len().mean()), 1),
                    "kind": "numbers" if numeric else "text"})
    return out


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
    if label_column and label_column not in frame.columns:
        raise DataError(f"There is no label column '{label_column}'. The file has: {found}.")
    if text_column:
        text_columns(frame, text_column)  # raises with the columns found
    label = label_column or guess_label_column(frame, exclude=(text_column,))
    text = text_column or guess_text_column(frame, exclude=(label,))
    if not text or not label or label in text_columns(frame, text):
        if tagged_columns(frame.columns):
            raise DataError(describe_tagged(frame.columns))
        raise DataError(f"Need two columns, one with text and one with labels; found only: {found}. "
                        "Add a label column, or name the columns to use.")
    return text, label
