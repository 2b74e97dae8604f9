"""The Data tab's pictures and words for a data check's report.

`check(task, frame, config)` runs the task's check and returns (state, values): what the tab keeps about
the data (rows, labels, ready, columns) and the outputs to show by name (report, balance, lengths, samples,
preview, columns, entities); the ones a report does not fill are hidden. Each task's report describes
itself as plain data (its view(): tasks/views.CheckView); this module only draws it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..tasks import PREVIEW_ROWS  # noqa: F401 (the rows of a table a check shows)
from .figures import label_balance, token_lengths

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".conll")  # read as text: no binary bytes expected
MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
         (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a zip archive (or an Excel file)"))


def not_text(path) -> str | None:
    """Why a file named like text is not text (an image renamed .csv...), or None when it may be text."""
    path = Path(path)
    if path.suffix.lower() not in TEXT_SUFFIXES or not path.is_file():
        return None
    with open(path, "rb") as f:
        head = f.read(2048)
    kind = next((what for magic, what in MAGIC if head.startswith(magic)), None)
    if kind or b"\x00" in head:
        return (f"{path.name} is not a text file: it looks like {kind or 'binary data'}, not {path.suffix} rows. "
                "Upload the data as CSV, TSV, JSONL, TXT, Excel or Parquet.")
    return None


def check(task, frame: pd.DataFrame | None, config) -> tuple[dict, dict]:
    """The task's check of config.data_file (`frame`: the table when the tab has read it already)."""
    report = task.check(config, frame=frame)
    view = report.view(Path(config.data_file).name, frame, config, task.maps_columns)
    values = {"report": view.markdown}
    if view.lengths:
        values["lengths"] = token_lengths(view.lengths, view.max_length)
    values.update({name: table for name, table in (("samples", view.samples), ("preview", view.preview),
                                                   ("columns", view.columns)) if table is not None})
    if view.entities:
        values["entities"] = view.entities.to_value()
    if report.counts:
        values["balance"] = label_balance(report.counts, title=report.counts_title, unit=report.counts_unit,
                                          recommended=report.recommended)
    state = {"rows": report.size, "labels": report.counts, "ready": report.ready, "columns": report.columns,
             "few_shot_ready": report.few_shot_ready,  # SetFit may train what blocks fine-tuning
             "texts": report.texts,  # NER: sentences for the estimate
             "max_length": view.max_length}  # the max length training will use: the estimate shows it too
    return state, values
