"""Train / validation / test splits: shuffled, seeded, stratified by label where the data allows.

Works on a DataFrame so that the Data tab's baseline and training use exactly the same rows.
"""
from __future__ import annotations

import pandas as pd

MIN_ROWS_TO_STRATIFY = 3  # a class with 1-2 rows cannot be on both sides of a split


def split_rows(rows: pd.DataFrame, val_size: float, test_size: float, seed: int,
               stratify: str | None = "label") -> tuple[dict[str, pd.DataFrame], list[str]]:
    """{"train", "validation", "test"?} and notes explaining any fallback. Sizes are shares of all rows."""
    parts, notes, rest = {}, [], rows
    for name, share in (("test", test_size), ("validation", val_size)):
        if share <= 0:
            continue
        relative = share / (len(rest) / len(rows))  # share of what is left, so sizes are of the whole
        rest, parts[name] = _split_off(rest, min(relative, 0.9), seed, stratify, name, notes)
    parts["train"] = rest
    return {k: parts[k] for k in ("train", "validation", "test") if k in parts}, notes


def _split_off(rows, share, seed, stratify, name, notes):
    from sklearn.model_selection import train_test_split

    if not stratify:
        return tuple(train_test_split(rows, test_size=share, random_state=seed, shuffle=True))
    counts = rows[stratify].value_counts()
    rare = counts[counts < MIN_ROWS_TO_STRATIFY].index
    kept, common = rows[rows[stratify].isin(rare)], rows[~rows[stratify].isin(rare)]
    if len(rare):
        notes.append(f"{len(rare)} class(es) with only 1-2 rows ({', '.join(sorted(rare)[:5])}) stay in "
                     f"training only, so the {name} set cannot score them. Add examples of them.")
    if len(common) * share < 1:
        notes.append(f"Too few rows for a {name} set.")
        return rows, rows.iloc[:0]
    try:
        train, held = train_test_split(common, test_size=share, random_state=seed, stratify=common[stratify])
    except ValueError:  # e.g. fewer held-out rows than classes: a plain shuffled split still works
        train, held = train_test_split(common, test_size=share, random_state=seed, shuffle=True)
        notes.append(f"The {name} set is too small to hold every class, so it is shuffled but not "
                     "stratified. A larger share or more data fixes this.")
    return pd.concat([train, kept]), held


def held_out_parts(rows: pd.DataFrame, config, read_file, stratify: str | None = None):
    """({"train", "validation", "test"?}, notes): separate files where the config names them (read with
    `read_file(path)`), the rest split off the data. A separate validation file means all of the data
    trains (no test share is split off it either), as the eval_file setting says."""
    parts = {"train": rows}
    for name, path in (("validation", config.eval_file), ("test", config.test_file)):
        if path:
            parts[name] = read_file(path)
    if config.eval_file:
        return parts, []
    split, notes = split_rows(parts.pop("train"), config.val_size, 0.0 if "test" in parts else config.test_size,
                              config.seed, stratify=stratify)
    return {**split, **parts}, notes
