"""A first look at a labelled table: label counts and plain-language warnings before training.

The shape matches what `python -m finetune check` will print:
{"rows", "columns", "text_column", "label_column", "labels": {name: count},
 "warnings": [{"code", "message", "rows"}], "errors": [{"code", "message"}]}
"""
from __future__ import annotations

import pandas as pd

from .tasks.classification import MIN_ROWS, labelled_rows, sort_labels

RECOMMENDED_PER_CLASS = 100  # the guide's rule: at least 100 examples per class, prefer 1000+
BLOCKING_PER_CLASS = 2       # fewer cannot be split into train and validation
IMBALANCE_RATIO = 10
ROWS_SHOWN = 5


def check_table(frame: pd.DataFrame, text_column: str, label_column: str) -> dict:
    rows, usable = labelled_rows(frame, text_column, label_column)  # counted exactly as training keeps them
    text, label = rows["text"], rows["label"]
    counts = label[usable].value_counts()
    labels = {name: int(counts[name]) for name in sort_labels(counts.index)}
    report = {"rows": len(frame), "columns": list(frame.columns), "text_column": text_column,
              "label_column": label_column, "labels": labels, "warnings": [], "errors": []}
    warn = lambda code, message, rows=(): report["warnings"].append(  # noqa: E731
        {"code": code, "message": message, "rows": [int(r) + 2 for r in list(rows)[:ROWS_SHOWN]]})
    error = lambda code, message: report["errors"].append({"code": code, "message": message})  # noqa: E731

    if (~usable).any():
        warn("empty_text", f"{(~usable).sum()} row(s) have an empty text or label; they will be skipped.",
             frame.index[~usable])
    duplicated = text[usable].duplicated(keep="first")
    if duplicated.any():
        warn("duplicates", f"{duplicated.sum()} row(s) repeat an earlier text. Duplicates can leak between "
             "training and validation and make scores look better than they are; consider removing them.",
             duplicated.index[duplicated])
    if usable.sum() < MIN_ROWS:
        error("too_few_rows", f"Only {usable.sum()} usable row(s); at least {MIN_ROWS} are needed to train.")
    if len(labels) < 2:
        error("single_class", "Only one label in this column: a classifier needs at least two classes. "
              "Pick another label column or add examples of other classes.")
        return report
    small = {k: v for k, v in labels.items() if v < RECOMMENDED_PER_CLASS}
    tiny = [k for k, v in labels.items() if v < BLOCKING_PER_CLASS]
    if tiny:
        warn("too_few_examples", f"{', '.join(tiny[:5])} ha{'s' if len(tiny) == 1 else 've'} a single example: "
             "the model cannot learn a class from one row, and it cannot be validated. Add examples or drop it.")
    elif small:
        listed = ", ".join(f"{k} ({v})" for k, v in list(small.items())[:5])
        warn("too_few_examples", f"Fewer than {RECOMMENDED_PER_CLASS} examples for: {listed}. Expect weak "
             "results on these classes; 100+ per class is the usual minimum, 1000+ is better.")
    largest, smallest = max(labels.values()), min(labels.values())
    if smallest and largest / smallest >= IMBALANCE_RATIO:
        warn("imbalance", f"Classes are imbalanced: the largest has {largest / smallest:.0f}x the rows of the "
             "smallest. The model may ignore the small classes; add examples of them, or downsample the "
             "large ones.")
    return report
