"""The one advice on method: probe, SetFit or fine-tuning, from the rows per class (where the measured
crossover lies) and, when they were measured, the quick models' scores. `auto` resolves through
`recommend`, so a run started with the default method trains what the Data tab, the Model tab and
`python -m finetune check` (`recommended_method`) advise.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

# The methods' names (the config's `method` values): the lowest module of tasks/, so every method's module
# and the code outside tasks/ read them from here.
FINETUNE = "finetune"
SETFIT = "setfit"
PROBE = "probe"
AUTO = "auto"
NUM_ITERATIONS = 20  # SetFit: pairs drawn per training text and epoch (SetFit's default); the estimate counts them
MAX_STEPS = 600  # SetFit: caps the contrastive phase on many rows x many classes (pairs grow as rows x iterations)
METHODS = (AUTO, FINETUNE, SETFIT, PROBE)
# The crossover, measured by bench/crossover.py on the validation splits (300 rows) of trec (6 coarse classes),
# emotion (6), ag_news (4) and sst2 (2), embedded MiniLM, default settings, 2-core AMD EPYC at load 11-17
# (macro-F1, probe / fine-tune, seconds in brackets; "-": not measured, the CPU's time ran out):
#   rows per class   16                      32                      64
#   trec             0.644 / 0.428 (42/42)   -                       0.659 / 0.785 (85/94)
#   emotion          0.359 / 0.322 (45/78)   0.390 / 0.368 (182/239) 0.468 / 0.592 (44/214)
#   ag_news          0.848 / 0.656 (108/230) 0.857 / 0.843 (117/313) 0.861 / 0.886 (172/595)
#   sst2             -                       0.698 / 0.539 (60/87)   -
# At 256 per class fine-tuning leads by 0.13-0.27 (trec 0.908 vs 0.773, emotion 0.807 vs 0.538). Issue 29's
# banking77 file (77 intents x 20 rows): probe 0.885-0.893, fine-tuning 0.584. So the probe below 50 rows per
# class (it won at 16 and 32 on every set measured), fine-tuning from 50 (it won at 64 on every set measured); 50 lies
# between the two measured sizes, nothing was measured inside (32, 64).
# SetFit, measured on a quiet machine (7 Dec 2026, the same splits, 16 rows per class; macro-F1 SetFit / probe,
# seconds): trec 0.810 / 0.644 (116 / 8), emotion 0.472 / 0.363 (203 / 4), ag_news 0.881 / 0.848 (335 / 9), sst2
# 0.658 / 0.652 (60 / 3); fine-tuning at 16 scored 0.32-0.66 above.
# It wins where its whole schedule runs: one pass over NUM_ITERATIONS x 2 pairs a text, at most MAX_STEPS steps,
# so up to SETFIT_MAX_ROWS training rows. On banking77 x 20 (1,540 rows, the schedule cut to a tenth) issue 29
# measured it at 0.839 in 861 s against the probe's 0.885-0.893 in ~10 s: above that size the probe.
PROBE_BELOW = 50
SETFIT_MAX_ROWS = MAX_STEPS * 16 // (2 * NUM_ITERATIONS)  # 240 rows at the default batch of 16
WORDS_MARGIN = 0.02     # TF-IDF above the probe by more than this: the classes turn on words, said so
ZERO_SHOT_GOOD = 0.9    # a zero-shot share of the probe's score worth saying "zero-shot already reaches"
METHOD_TITLES = {AUTO: "auto (from the data)", FINETUNE: "Fine-tune the model", SETFIT: "SetFit (few-shot)",
                 PROBE: "Quick: embeddings + linear head"}
METHOD_NAMES = {SETFIT: "SetFit", PROBE: "The quick probe"}
METHOD_HELP = (f"probe = frozen sentence embeddings + a logistic-regression head, seconds to train (best below "
               f"{PROBE_BELOW} rows per class); finetune = train the whole model with a classification head; "
               f"setfit = contrastive few-shot training; auto = below {PROBE_BELOW} training rows in the median "
               f"class, setfit up to {SETFIT_MAX_ROWS} training rows and probe above; from {PROBE_BELOW}, finetune "
               f"(measured: bench/crossover.py).")


def rows_per_class(train_labels) -> float:
    """The median count of training rows per class."""
    counts = {}
    for label in train_labels:
        counts[label] = counts.get(label, 0) + 1
    return float(statistics.median(counts.values())) if counts else 0.0


@dataclass(frozen=True)
class Advice:
    method: str   # "probe", "setfit" or "finetune"
    reason: str   # one or two sentences, from the measurements when there are some

    def to_json(self) -> dict:
        return {"recommended_method": self.method, "reason": self.reason}


def method_for(per_class: float, rows: int | None = None) -> str:
    """The method the measured crossover picks at this median of training rows per class and this many training
    rows (None: not known, the probe below PROBE_BELOW)."""
    if per_class >= PROBE_BELOW:
        return FINETUNE
    return SETFIT if rows is not None and rows <= SETFIT_MAX_ROWS else PROBE


def recommend(per_class: float, quick=None) -> Advice:
    """The method and why, in words; `quick` (a QuickReport) adds what the quick models measured, and the
    training rows they saw."""
    rows_in_all = (quick.train_rows or None) if quick else None
    method = method_for(per_class, rows_in_all)
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
        measured = f" (the quick probe: {probe.score:.3f} {probe.metric} in {probe.seconds:.0f} s)" if probe else ""
        said.append(f"SetFit: {rows} and {rows_in_all} training rows, few enough for SetFit's whole schedule (up to "
                    f"{SETFIT_MAX_ROWS}). At 16 rows per class it matched or beat the quick probe on every public set "
                    f"measured (+0.01 to +0.17 macro-F1), in minutes rather than seconds{measured}.")
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
    chosen = method_for(rows_per_class(train_labels), len(train_labels))
    return PROBE if chosen == SETFIT and not can_setfit else chosen
