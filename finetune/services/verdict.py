"""Every finished run gets a verdict: one line that says whether the model is any good, and the next step.

The rules, in order (the first that holds is the verdict):
0. stopped: the run (or a search trial) ended before its last step; a run's next step is Resume;
1. learned nothing: the main metric is no better than chance (the Task's rule; classification: always
   answering the most common label; F1 scores: 0), or no better than the base model the Task compares with;
2. worse than the baseline: below the simple model the Task compares with (TF-IDF on the same split);
3. weak: the main metric is below its task's `weak_below` (NER: entity F1 0.5), or a large share
   (ZERO_SHARE) of the classes or entity types scores 0: the verdict names them and what to do;
4. still improving: the validation score rose (or perplexity fell) by more than IMPROVING at the last
   evaluation, and the last evaluation is the best one;
5. good: every part judged, none weak.
Each verdict names the next step, and an `action` the UI can offer as a button (more epochs, a higher
learning rate); the settings it changes are in `changes`. Only the run folder is read (results.json,
events.jsonl), so the CLI, the runs table and the report agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..runs.events import EVAL, STOPPED, read_events
from ..runs.folder import ENDED_EARLY
from ..runs.records import Results
from ..tasks import get_task
from ..tasks.advice import METHOD_NAMES

IMPROVING = 0.01       # relative change at the last evaluation that counts as still improving
MARGIN = 0.02          # a score within this of chance counts as chance
SMALL_CLASS = 30       # validation examples per class under which the task's few-rows method (SetFit) is the better start
MORE_EPOCHS = 2
ZERO_SHARE = 0.25      # this share of classes / entity types (with examples) at F1 0 makes a run weak
FEW_EPOCHS = 3         # a weak run trained for fewer epochs gets "more epochs" as its button
NAMED = 6              # weak parts named in the line; more are counted
KINDS = {"good": "good", "worse_than_baseline": "worse than baseline", "learned_nothing": "learned nothing",
         "still_improving": "still improving", "weak": "weak", "stopped": "stopped"}


@dataclass(frozen=True)
class Verdict:
    kind: str            # one of KINDS
    line: str            # one line, for the report and the runs table
    next_step: str       # what to do next, in words
    action: str = ""     # a button's text, "" when the next step is not a settings change
    changes: dict = field(default_factory=dict)  # the settings the button changes: multipliers, epochs added, or a value (text)

    @property
    def short(self) -> str:
        return KINDS[self.kind]


def main_metric(results: Results) -> str:
    """The main metric's key in results.metrics (its Task's, without the "eval_" prefix)."""
    return get_task(results.task).main_key(results) if results.task else results.main_key()


def chance(results: Results, metric: str) -> float | None:
    """The score of a model that learned nothing (its Task's rule), None where there is no such floor."""
    return get_task(results.task).chance_score(results, metric)


def judge(results: Results, evals: list[dict], *, epochs: float | None = None, trial: str = "") -> Verdict | None:
    """The verdict on a run's results and its eval events; None when there is no main metric to judge.
    `epochs`: what the run was set to train (its config); `trial`: a search trial's state ("stopped",
    "pruned"), which is never resumed on its own."""
    metric = main_metric(results)
    if not metric:
        return None
    value = results.metrics[metric]
    task = get_task(results.task)  # "" (a file from before tasks): the default task
    higher = task.greater_is_better
    against = task.against(results)
    base = against.scores.get(metric) if against and against.base_model else None
    baseline = against.scores.get(metric) if against and not against.base_model else None
    floor = task.chance_score(results, metric)
    name = metric.replace("_", " ")
    if trial in ENDED_EARLY or results.status == STOPPED:
        return _stopped(results, f"{name} {value:.3f}", trial)
    if (base is not None and (value >= base if not higher else value <= base)) or \
            (floor is not None and value <= floor + MARGIN):
        than = f"the base model's {base:.3f}" if base is not None else f"chance ({floor:.3f})"
        return Verdict("learned_nothing", f"Learned nothing: {name} {value:.3f}, no better than {than}.",
                       "Train longer at a higher learning rate; check that the labels match the texts.",
                       "Retry at 3x the learning rate", {"learning_rate": 3.0})
    if baseline is not None and value < baseline:
        line = f"Worse than the {against.title}: {name} {value:.3f} vs {baseline:.3f}."
        few = task.few_rows_method and task.few_rows_method != results.method  # its button trains that method
        if few and _smallest_part(task, results) < SMALL_CLASS:
            title = METHOD_NAMES.get(task.few_rows_method, task.few_rows_method)
            return Verdict("worse_than_baseline", line, f"Few examples per class: train with {title}, or label "
                           "more data (100+ per class).", f"Train with {title} on the same data",
                           {"method": task.few_rows_method})
        return Verdict("worse_than_baseline", line, f"Train {MORE_EPOCHS} more epochs, or keep the baseline: it "
                       "is cheaper and better here.", f"Train {MORE_EPOCHS} more epochs", {"epochs": MORE_EPOCHS})
    weak = _weak(results, task, metric, value, epochs)
    if weak:
        return weak
    if _still_improving(evals, f"eval_{metric}", higher):
        return Verdict("still_improving", f"Still improving when it ended: {name} {value:.3f}.",
                       f"Train {MORE_EPOCHS} more epochs: the score was still rising.",
                       f"Train {MORE_EPOCHS} more epochs", {"epochs": MORE_EPOCHS})
    beaten = f", above the baseline's {baseline:.3f}" if baseline is not None else \
        (f", base model {base:.3f}" if base is not None else "")
    return Verdict("good", f"Good: {name} {value:.3f}{beaten}.",
                   "Try it in the Playground; more data is the surest way to do better.")


def _stopped(results: Results, score: str, trial: str) -> Verdict:
    at = f" at step {results.steps} of {results.max_steps}" if results.max_steps else ""
    if trial:
        why = "pruned by the search (it trailed the other trials)" if trial == "pruned" else "stopped by the search"
        return Verdict("stopped", f"Stopped: a search trial {why}{at}, {score} so far.",
                       "Start a full run with the search's best settings; a trial is not resumed on its own.")
    return Verdict("stopped", f"Stopped early{at}: {score} so far.",
                   "Resume it to train the remaining steps; the model reached so far is saved and usable.")


def zero_parts(results: Results) -> list[str]:
    """Classes (or entity types) with examples whose F1 is 0: the model never gets them right."""
    return [name for name, row in get_task(results.task).part_scores(results).items()
            if row.get("support", 0) > 0 and not row.get("f1", 0)]


def _weak(results: Results, task, metric: str, value: float, epochs: float | None) -> Verdict | None:
    """Weak: the main metric below the task's floor for a usable model, or a large share of parts at 0."""
    zeros, parts = zero_parts(results), [n for n, r in task.part_scores(results).items() if r.get("support", 0) > 0]
    floor = task.weak_below
    low = floor is not None and value < floor
    if not low and not (parts and len(zeros) / len(parts) >= ZERO_SHARE):
        return None
    word = task.part_word
    named = ", ".join(zeros[:NAMED]) + (f" and {len(zeros) - NAMED} more" if len(zeros) > NAMED else "")
    line = f"Weak: {metric.replace('_', ' ')} {value:.3f}" + (
        f", {len(zeros)} of {len(parts)} {word} at 0 ({named})." if zeros else f", below {floor:g}.")
    steps = [f"label more examples of {named}" if zeros else "label more examples"]
    one_pass = results.method is not None and any(m.one_pass for m in task.methods if m.name == results.method)
    few = epochs is not None and epochs < FEW_EPOCHS and not one_pass  # SetFit: one pass of pairs, no epochs
    if few:
        steps.append(f"train more epochs (it trained {epochs:g})")
    steps.append("or try a bigger model from the Model tab's list")
    next_step = ", ".join(steps) + "."
    next_step = next_step[0].upper() + next_step[1:]  # not str.capitalize: it lowercases the type names
    if few:
        return Verdict("weak", line, next_step, f"Train {MORE_EPOCHS} more epochs", {"epochs": MORE_EPOCHS})
    return Verdict("weak", line, next_step)


def _smallest_part(task, results: Results) -> int:
    supports = [row.get("support", 0) for row in task.part_scores(results).values()]
    return min(supports) if supports else SMALL_CLASS


def _still_improving(evals: list[dict], key: str, higher: bool) -> bool:
    scores = [e[key] for e in evals if e.get(key) is not None]
    if len(scores) < 2:
        return False
    last, before = scores[-1], scores[-2]
    gain = (last - before) if higher else (before - last)
    best = max(scores) if higher else min(scores)
    return last == best and gain > IMPROVING * max(abs(before), 1e-9)


def compared_to_what(results: Results) -> str:
    """The bar a trained model must clear, in words: "+0.08 over the quick probe (0.812)"; "" when the quick
    models were not measured for the run's files and settings."""
    bar, metric = results.quick_bar or {}, main_metric(results)
    if bar.get("metric") != metric or metric not in results.metrics or bar.get("score") is None:
        return ""
    gap = results.metrics[metric] - bar["score"]
    return f"{gap:+.3f} {metric.replace('_', ' ')} over the {bar.get('title') or bar.get('name')} ({bar['score']:.3f})."


def run_verdict(run_dir) -> Verdict | None:
    """The verdict on a run folder with results; None before it has any."""
    from ..errors import ConfigError
    from ..runs.folder import RunPaths, trial_state
    from ..config import load_run_config

    paths = RunPaths(run_dir)
    if not paths.results.is_file():
        return None
    events, _ = read_events(paths.events)
    try:
        epochs = load_run_config(run_dir).epochs
    except ConfigError:
        epochs = None
    results = Results.load(paths.results)
    verdict = judge(results, [e for e in events if e["event"] == EVAL], epochs=epochs, trial=trial_state(run_dir))
    bar = compared_to_what(results) if verdict else ""
    return replace(verdict, line=f"{verdict.line} {bar}") if bar else verdict
