"""Label edits: what the user decided in a label review (relabel or drop rows), kept as data.

Recorded in the run config and applied after the remedies when rows are loaded, so training uses the
corrections and the run folder says what was changed; the file itself is never touched. Rows are
numbered as the user sees them in the file (tables.first_row_number), like the data check's.
Here in data/ (pandas and errors only) so that tasks/ can apply them without importing the review.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from ..errors import ConfigError, DataError


@dataclass
class LabelEdits:
    """What the user decided in a review, by row number as shown: relabel some rows, drop others.

    `given` keeps the label each edited row had in the review, so edits applied to a file that changed
    since (or to the corrected file itself) fail loudly instead of changing the wrong rows."""
    relabel: dict[int, str] = field(default_factory=dict)  # row -> new label
    drop: list[int] = field(default_factory=list)
    given: dict[int, str] = field(default_factory=dict)    # row -> label at review time

    def __post_init__(self):
        both = sorted(set(self.relabel) & set(self.drop))
        if both:
            raise ConfigError(f"Row {both[0]} is both relabelled and dropped in the label edits; keep one.")
        empty = sorted(row for row, label in self.relabel.items() if not str(label).strip())
        if empty:
            raise ConfigError(f"Row {empty[0]} is relabelled to an empty label; give a label or drop the row.")

    def __bool__(self) -> bool:
        return bool(self.relabel or self.drop)

    def to_json(self) -> dict:
        return {"relabel": {str(r): v for r, v in sorted(self.relabel.items())}, "drop": sorted(self.drop),
                "given": {str(r): v for r, v in sorted(self.given.items())}}

    @classmethod
    def from_json(cls, value) -> "LabelEdits":
        """From to_json()'s dict, or that dict as a JSON string (how a config field holds it); "" is none."""
        if isinstance(value, str):
            if not value.strip():
                return cls()
            try:
                value = json.loads(value)
            except json.JSONDecodeError as e:
                raise ConfigError(f"The label edits are not valid JSON ({e.msg}); expected "
                                  '{"relabel": {"12": "sports"}, "drop": [15]}.') from None
        try:
            return cls(relabel={int(r): str(v) for r, v in value.get("relabel", {}).items()},
                       drop=[int(r) for r in value.get("drop", [])],
                       given={int(r): str(v) for r, v in value.get("given", {}).items()})
        except (AttributeError, TypeError, ValueError):
            raise ConfigError('The label edits must look like {"relabel": {"12": "sports"}, "drop": [15]} '
                              f"(row numbers as keys); got {str(value)[:80]!r}.") from None


def apply_label_edits(rows: pd.DataFrame, edits: LabelEdits, first_row: int = 2) -> tuple[pd.DataFrame, list[str]]:
    """Rows ("text", "label", indexed by position in the file) with the edits applied, and notes.

    Meant to run after the remedies, on the rows the review showed. first_row: the number shown on the
    file's first data row (tables.first_row_number). Edits of rows not in `rows` (empty, removed by a
    remedy) are skipped and counted in a note."""
    if not edits:
        return rows, []
    present = {row for row in (*edits.relabel, *edits.drop) if row - first_row in rows.index}
    for row, was in sorted(edits.given.items()):
        found = rows.at[row - first_row, "label"] if row in present else was
        if found != was:
            raise DataError(f"The label edits do not match the data any more: row {row} is labelled '{found}' "
                            f"but was '{was}' in the review. The file changed since (or it is already the "
                            "corrected file); review the labels again.")
    relabel = {row - first_row: label for row, label in edits.relabel.items() if row in present}
    labels = rows["label"].copy()
    labels.loc[list(relabel)] = list(relabel.values())
    dropped = [row - first_row for row in edits.drop if row in present]
    rows = rows.assign(label=labels).drop(index=dropped)
    notes = [f"Label review: relabelled {len(relabel)} row(s), dropped {len(dropped)}."]
    skipped = len(edits.relabel) + len(edits.drop) - len(present)
    if skipped:
        notes.append(f"{skipped} label edit(s) name rows that are not in the data as loaded (empty, removed "
                     "by a remedy, or past the end of the file); they were skipped.")
    return rows, notes
