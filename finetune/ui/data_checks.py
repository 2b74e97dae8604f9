"""The Data tab's pictures and words for a data check's report.

`check(task, frame, config)` runs the task's check and returns (state, values): what the tab keeps about
the data (rows, labels, ready, columns) and the outputs to show by name (report, balance, lengths, samples,
preview, columns, entities); the ones a report does not fill are hidden. Each report type has a view;
a task with a report of its own type and no view here still gets the common one.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.columns import describe_columns, text_columns
from ..data.token_lengths import rounded_length
from ..tasks.check_report import CheckReport
from ..tasks.classification_check import ClassificationCheck
from ..tasks.generation_check import GenerationCheck
from ..tasks.ner_check import NerCheck
from .data_report import generation_report_markdown, ner_report_markdown, problems_markdown, report_markdown
from .figures import label_balance, token_lengths
from .messages import as_text

PREVIEW_ROWS = 8
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
    name = Path(config.data_file).name
    view = VIEWS.get(type(report), common_view)
    values = view(report, name, frame, config, task.maps_columns)
    if report.counts:
        values.setdefault("balance", label_balance(report.counts, title=report.counts_title,
                                                   unit=report.counts_unit, recommended=report.recommended))
    state = {"rows": report.size, "labels": report.counts, "ready": report.ready, "columns": report.columns,
             "few_shot_ready": getattr(report, "few_shot_ready", False),  # SetFit may train what blocks fine-tuning
             "texts": [s["text"] for s in getattr(report, "preview", [])]}  # NER: sentences for the estimate
    return state, values


def classification_view(report: ClassificationCheck, name, frame, config, fixes) -> dict:
    lengths = report.token_lengths
    max_length = config.max_length or rounded_length(lengths["p99"], lengths["limit"])  # as training fits it
    samples = pd.DataFrame([{"label": k, "text": t} for k, texts in report.samples.items() for t in texts])
    shown = [config.label_column] + text_columns(frame, config.text_column)  # the label first: long texts wrap
    return {"report": report_markdown(report, name, fixes),  # the quick panel answers "do you need fine-tuning?"
            "lengths": token_lengths(lengths, max_length), "samples": samples,
            "preview": frame[shown].head(PREVIEW_ROWS), "columns": pd.DataFrame(describe_columns(frame))}


def ner_view(report: NerCheck, name, frame, config, fixes) -> dict:
    values = {"report": ner_report_markdown(report, name, fixes)}
    if report.preview:
        values["entities"] = joined_preview(report.preview)
        values["samples"] = pd.DataFrame([{"sentence": s["sentence"], "text": s["text"],
                                           "entities": "; ".join(f"{s['text'][e['start']:e['end']]} ({e['entity']})"
                                                                 for e in s["entities"]) or "none"}
                                          for s in report.preview])
    if frame is not None:  # a table (CSV, JSONL...): its first rows and columns, as for classification
        values["preview"] = frame.head(PREVIEW_ROWS)
        values["columns"] = pd.DataFrame(describe_columns(frame))
    return values


def generation_view(report: GenerationCheck, name, frame, config, fixes) -> dict:
    values = {"report": generation_report_markdown(report, name, fixes)}
    if report.samples:
        values["samples"] = pd.DataFrame({"example": report.samples})
    return values


def common_view(report: CheckReport, name, frame, config, fixes) -> dict:
    rows = f"{report.size} examples" if report.size else "no usable examples"
    return {"report": problems_markdown(f"**{as_text(name)}**: {rows}.", report, fixes=fixes)}


VIEWS = {ClassificationCheck: classification_view, NerCheck: ner_view, GenerationCheck: generation_view}


def joined_preview(preview: list[dict]) -> dict:
    """Several sentences in one gr.HighlightedText: one per line, each entity's span moved along."""
    text, entities = "", []
    for sentence in preview:
        offset = len(text) + (1 if text else 0)
        text = f"{text}\n{sentence['text']}" if text else sentence["text"]
        entities += [{**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in sentence["entities"]]
    return {"text": text, "entities": entities}
