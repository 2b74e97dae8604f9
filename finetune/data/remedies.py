"""One-click fixes for labelled rows (columns "text" and "label"), each switched on by a config field.

The same functions serve the Data tab (to show the data as it will be trained on) and training, so
what the user saw is what the model gets. Each returns the new rows and a sentence saying what it did.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")  # keeps \t and \n
SPACES = re.compile(r"\s+")
OTHER = "other"


def apply_remedies(rows: pd.DataFrame, config) -> tuple[pd.DataFrame, list[str]]:
    """The remedies the config asks for, in a fixed order (cleaning first, so duplicates are found after it)."""
    notes = []
    steps = [(config.clean_text, clean_text), (config.merge_label_variants, merge_label_variants),
             (config.drop_duplicates, drop_duplicates),
             (config.rare_classes != "keep", lambda r: handle_rare_classes(r, config.rare_classes,
                                                                           config.rare_min_rows)),
             (config.balance == "downsample", lambda r: downsample(r, config.seed))]
    for wanted, step in steps:
        if wanted:
            rows, note = step(rows)
            if note:
                notes.append(note)
    return rows, notes


def clean_text(rows):
    cleaned = rows["text"].map(lambda t: SPACES.sub(" ", CONTROL.sub("", unicodedata.normalize("NFC", t))).strip())
    changed = int((cleaned != rows["text"]).sum())
    rows = rows.assign(text=cleaned)
    kept = rows[rows["text"] != ""]
    dropped = len(rows) - len(kept)
    note = f"Cleaned whitespace and control characters in {changed} row(s)" + \
        (f"; {dropped} became empty and were dropped." if dropped else ".")
    return kept, note if changed else ""


def label_key(label: str) -> str:
    """What label variants share: case, spaces, '-' and '_' ignored."""
    return re.sub(r"[\s_\-]+", " ", label).strip().casefold()


def label_variant_groups(labels: pd.Series) -> dict[str, list[str]]:
    """{key: spellings, most common first} for labels spelled more than one way."""
    counts = labels.value_counts()
    groups: dict[str, list[str]] = {}
    for name in counts.index:  # most common first
        groups.setdefault(label_key(name), []).append(name)
    return {k: v for k, v in groups.items() if len(v) > 1}


def merge_label_variants(rows):
    groups = label_variant_groups(rows["label"])
    mapping = {variant: spellings[0] for spellings in groups.values() for variant in spellings[1:]}
    if not mapping:
        return rows, ""
    merged = ", ".join(f"'{v}' → '{k}'" for v, k in list(mapping.items())[:5])
    return rows.assign(label=rows["label"].replace(mapping)), f"Merged label variants: {merged}."


def conflicting_texts(rows) -> pd.Series:
    """Mask of rows whose text also appears with another label."""
    labels_per_text = rows.groupby("text")["label"].transform("nunique")
    return labels_per_text > 1


def drop_duplicates(rows):
    conflicts = conflicting_texts(rows)
    unique = rows[~conflicts].drop_duplicates(subset=["text", "label"])
    repeats = int((~conflicts).sum()) - len(unique)
    if not repeats and not conflicts.any():
        return rows, ""
    note = f"Removed {repeats} repeated row(s)"
    if conflicts.any():
        note += f" and {int(conflicts.sum())} row(s) whose text appears with different labels"
    return unique, note + "."


def handle_rare_classes(rows, how: str, min_rows: int):
    counts = rows["label"].value_counts()
    rare = sorted(counts[counts < min_rows].index)
    if not rare:
        return rows, ""
    named = ", ".join(rare[:5]) + ("…" if len(rare) > 5 else "")
    if how == "drop":
        return rows[~rows["label"].isin(rare)], f"Dropped {len(rare)} class(es) with under {min_rows} rows: {named}."
    return (rows.assign(label=rows["label"].where(~rows["label"].isin(rare), OTHER)),
            f"Merged {len(rare)} class(es) with under {min_rows} rows into '{OTHER}': {named}.")


def downsample(rows, seed: int):
    smallest = int(rows["label"].value_counts().min())
    cut = rows.groupby("label").sample(n=smallest, random_state=seed)
    cut = cut.loc[sorted(cut.index)]  # keep the file's order; the split shuffles later
    if len(cut) == len(rows):
        return rows, ""
    return cut, f"Downsampled every class to {smallest} rows ({len(rows) - len(cut)} rows set aside)."
