"""The one advice on method: probe, SetFit or fine-tuning, from the rows per class (where the measured
crossover lies) and, when they were measured, the quick models' scores. `auto` resolves through
`recommend`, so a run started with the default method trains what the Data tab, the Model tab and
`python -m finetune check` (`recommended_method`) advise.
"""
from __future__ import annotations

from dataclasses import dataclass

from .setfit_method import FINETUNE, SETFIT, rows_per_class

PROBE = "probe"
AUTO = "auto"
METHODS = (AUTO, FINETUNE, SETFIT, PROBE)
# The crossover, measured by bench/crossover.py on the validation splits of trec (6 classes), emotion (6),
# ag_news (4) and sst2 (2) with the embedded MiniLM on a 2-core AMD EPYC (table in the docstring there):
# below PROBE_BELOW rows per class the probe scores within a few points of fine-tuning or above it, in a
# tenth of the time or less; from there fine-tuning pulls ahead on every set. SetFit never beat both the
# probe and fine-tuning at any size measured and took the longest, so auto does not pick it (it stays a
# method one can choose: SETFIT_BELOW is 0).
PROBE_BELOW = 100
SETFIT_BELOW = 0
WORDS_MARGIN = 0.02     # TF-IDF above the probe by more than this: the classes turn on words, said so
ZERO_SHOT_GOOD = 0.9    # a zero-shot share of the probe's score worth saying "zero-shot already reaches"
METHOD_TITLES = {AUTO: "auto (from the data)", FINETUNE: "Fine-tune the model", SETFIT: "SetFit (few-shot)",
                 PROBE: "Quick: embeddings + linear head"}
METHOD_NAMES = {SETFIT: "SetFit", PROBE: "The quick probe"}
METHOD_HELP = (f"probe = frozen sentence embeddings + a logistic-regression head, seconds to train (best below "
               f"{PROBE_BELOW} rows per class); finetune = train the whole model with a classification head; "
               f"setfit = contrastive few-shot training; auto = probe when the median class has fewer than "
               f"{PROBE_BELOW} training rows, else finetune (measured: bench/crossover.py).")


@dataclass(frozen=True)
class Advice:
    method: str   # "probe", "setfit" or "finetune"
    reason: str   # one or two sentences, from the measurements when there are some

    def to_json(self) -> dict:
        return {"recommended_method": self.method, "reason": self.reason}


def method_for(per_class: float) -> str:
    """The method the measured crossover picks at this median of training rows per class."""
    if per_class < SETFIT_BELOW:
        return SETFIT
    return PROBE if per_class < PROBE_BELOW else FINETUNE


def recommend(per_class: float, quick=None) -> Advice:
    """The method and why, in words; `quick` (a QuickReport) adds what the quick models measured."""
    method = method_for(per_class)
    rows = f"{per_class:g} training rows in the median class"
    probe = quick.get("probe") if quick else None
    zero = quick.get("zero-shot") if quick else None
    said = []
    if zero and probe and zero.score >= ZERO_SHOT_GOOD * probe.score:
        said.append(f"Zero-shot already reaches {zero.score:.3f} {zero.metric} without any training.")
    if method == PROBE:
        measured = (f"The quick probe reaches {probe.score:.3f} {probe.metric} in {probe.seconds:.0f} s; "
                    if probe else "")
        said.append(f"{measured}fine-tuning is not likely to beat it at {rows} (below {PROBE_BELOW}, "
                    "measured on four public sets).")
    elif method == SETFIT:
        said.append(f"SetFit: {rows}.")
    else:
        measured = f" The quick probe reaches {probe.score:.3f} {probe.metric}: the bar to clear." if probe else ""
        said.append(f"Fine-tune: {rows} ({PROBE_BELOW}+), where fine-tuning beats the quick probe.{measured}")
    tfidf = quick.get("tfidf") if quick else None
    if tfidf and probe and tfidf.score > probe.score + WORDS_MARGIN:
        said.append(f"TF-IDF (word counts) beats the probe here ({tfidf.score:.3f} vs {probe.score:.3f}): these "
                    "classes turn on exact words more than on meaning, so fine-tuning may need more rows to win.")
    if quick and quick.rising and quick.curve_reading:
        said.append(quick.curve_reading)
    return Advice(method, " ".join(said))


def advise(task, quick) -> Advice | None:
    """The advice for a task's quick report: the method for classification; for a task with fine-tuning
    only (NER), the floor its quick model sets."""
    if quick is None:
        return None
    if task.few_shot:
        return recommend(quick.rows_per_class, quick)
    floor = quick.best()
    if floor is None:
        return Advice(FINETUNE, "Fine-tune: the only method for this task.")
    return Advice(FINETUNE, f"Fine-tune: the {floor.title} on word shapes reaches {floor.metric} {floor.score:.3f} "
                            f"in {floor.seconds:.0f} s, the floor a fine-tuned model must clear.")


def resolve_method(method: str, train_labels, can_setfit: bool = True) -> str:
    """The method a run uses: the chosen one, or for auto the advice's."""
    if method in (SETFIT, FINETUNE, PROBE):
        return method
    chosen = method_for(rows_per_class(train_labels))
    return FINETUNE if chosen == SETFIT and not can_setfit else chosen
