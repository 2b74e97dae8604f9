"""Label rules shared by the tasks: which rows are usable, which label counts can be trained on, stable
label ids, and the label maps a saved model carries (so its folder names its classes)."""
from __future__ import annotations

import pandas as pd

from ..data.columns import text_values
from .advice import FINETUNE

MIN_ROWS = 10
MIN_PER_CLASS = 10    # fewer rows cannot teach a class, nor score it on held-out data
SETFIT_MIN_PER_CLASS = 4  # SetFit (tasks/setfit_method.py) learns from pairs: a handful per class


def min_per_class(config) -> int:
    """Rows a class needs: fewer with SetFit or the probe, which are made for a handful per class."""
    return MIN_PER_CLASS if config.method == FINETUNE else SETFIT_MIN_PER_CLASS


def labelled_rows(frame, text_col, label_col):
    """(rows with "text" and "label" stripped, mask of usable rows): the one rule for what training keeps."""
    rows = pd.DataFrame({"text": text_values(frame, text_col).str.strip(),
                         "label": frame[label_col].astype(str).str.strip()}, index=frame.index)
    return rows, (rows["text"] != "") & (rows["label"] != "")


def blocking_problems(counts: dict[str, int], total: int, min_per_class: int = MIN_PER_CLASS) -> list[tuple[str, str]]:
    """(code, message) for each reason these label counts cannot be trained on: the one rule."""
    problems = []
    if total < MIN_ROWS:
        problems.append(("too_few_rows", f"Only {total} usable row(s); at least {MIN_ROWS} are needed to "
                                         "train (and 100+ per class to learn well)."))
    if len(counts) < 2:
        only = f" ({next(iter(counts))!r})" if counts else ""
        problems.append(("single_class", f"Only one label{only} in this column: a classifier needs at least two "
                                         "classes. Pick another label column or add examples of other classes."))
    tiny = sorted(k for k, v in counts.items() if v < min_per_class)
    if tiny and len(counts) >= 2:
        listed = ", ".join(f"{k} ({counts[k]})" for k in tiny[:5]) + ("…" if len(tiny) > 5 else "")
        few_shot = min_per_class > SETFIT_MIN_PER_CLASS and enough_for_setfit(counts)
        problems.append(("too_few_examples", f"Under {min_per_class} examples for: {listed}. Fine-tuning cannot "
                         "learn or be scored on so few. Add examples, or drop or merge these rare classes"
                         + (f"; or train with SetFit (Model tab, Training method: setfit), which needs "
                            f"{SETFIT_MIN_PER_CLASS} per class." if few_shot else ".")))
    return problems


def enough_for_setfit(counts: dict[str, int]) -> bool:
    """Every class has the rows SetFit needs."""
    return bool(counts) and min(counts.values()) >= SETFIT_MIN_PER_CLASS


def sort_labels(names) -> list[str]:
    """Numbers in numeric order ('2' before '10'), names alphabetically: stable label ids."""
    names = list(names)
    if all(n.lstrip("-").isdigit() for n in names):
        return sorted(names, key=int)
    return sorted(names)


def label_maps(labels: list[str]) -> dict:
    """from_pretrained's head settings: the saved model's config carries the label names (run_glue's way)."""
    return {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
            "label2id": {name: i for i, name in enumerate(labels)}}


def load_with_head(auto_class, model_path, labels: list[str]):
    """A pretrained body with a new head for these labels (a head of another size is replaced, not an error)."""
    return auto_class.from_pretrained(model_path, **label_maps(labels), ignore_mismatched_sizes=True)
