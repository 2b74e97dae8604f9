"""The Data tab's check for each task: the engine's report turned into the tab's pictures and words.

Each check returns (state, values): what the tab keeps about the data (rows, labels, ready, columns),
and the outputs to show by name (report, balance, lengths, samples, preview, columns, entities); the
ones a task does not name are hidden.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..tasks.classification_check import check_table
from ..data.columns import describe_columns, text_columns
from ..data.tables import read_table
from .data_report import generation_report_markdown, need_fine_tuning, ner_report_markdown, report_markdown
from .figures import label_balance, token_lengths
from .messages import USER_ERRORS

PREVIEW_ROWS = 8


def classification(frame, config):
    report = check_table(frame, config)
    lengths = report["token_lengths"]
    max_length = config.max_length or min(lengths["limit"], max(16, -(-lengths["p99"] // 8) * 8))
    samples = pd.DataFrame([{"label": k, "text": t} for k, texts in report["samples"].items() for t in texts])
    shown = text_columns(frame, config.text_column) + [config.label_column]
    name = Path(config.data_file).name
    state = {"rows": report["rows"], "labels": report["labels"], "ready": not report["errors"],
             "columns": list(frame.columns)}
    return state, {"report": report_markdown(report, name) + "\n\n" + need_fine_tuning(report["usable_rows"]),
                   "balance": label_balance(report["labels"]), "lengths": token_lengths(lengths, max_length),
                   "samples": samples, "preview": frame[shown].head(PREVIEW_ROWS),
                   "columns": pd.DataFrame(describe_columns(frame))}


def ner(frame, config):
    from ..tasks.ner_check import RECOMMENDED_PER_TYPE, check_file
    from ..data.token_lengths import model_files

    folder = model_files(config.model)[1]  # only a tokenizer already on disk: a check never downloads
    report = check_file(config.data_file, config.text_column, config.label_column,
                        model=str(folder) if folder else None)
    state = {"rows": report["rows"], "labels": report["entities"], "ready": not report["errors"],
             "columns": table_columns(config.data_file)}
    values = {"report": ner_report_markdown(report, Path(config.data_file).name)}
    if report["entities"]:
        values["balance"] = label_balance(report["entities"], title="Entities per type", unit="mentions",
                                          recommended=RECOMMENDED_PER_TYPE)
    if report["preview"]:
        values["entities"] = joined_preview(report["preview"])
    return state, values


def generation(frame, config):
    from ..tasks.generation_check import check_file

    report = check_file(config)
    state = {"rows": report["examples"], "labels": {}, "ready": not report["errors"],
             "columns": report["columns"]}
    values = {"report": generation_report_markdown(report, Path(config.data_file).name)}
    if report["samples"]:
        values["samples"] = pd.DataFrame({"example": report["samples"]})
    return state, values


def joined_preview(preview: list[dict]) -> dict:
    """Several sentences in one gr.HighlightedText: one per line, each entity's span moved along."""
    text, entities = "", []
    for sentence in preview:
        offset = len(text) + (1 if text else 0)
        text = f"{text}\n{sentence['text']}" if text else sentence["text"]
        entities += [{**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in sentence["entities"]]
    return {"text": text, "entities": entities}


def table_columns(path: str) -> list[str]:
    """A table's column names (for NER spans files); [] for CoNLL or unreadable files."""
    if Path(path).suffix.lower() not in (".csv", ".jsonl", ".json", ".xlsx", ".parquet"):
        return []
    try:
        return list(read_table(path).columns)
    except USER_ERRORS:
        return []


CHECKS = {"classification": classification, "ner": ner, "generation": generation}
