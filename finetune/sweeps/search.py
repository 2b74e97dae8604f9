"""A budgeted settings search: an Optuna study whose every trial is a real run (engine.train into
SWEEP_DIR/trial-NNN), pruned early when it trails the other trials, inside a time budget.

Why the study is driven here rather than through `Trainer.hyperparameter_search`: that method reuses one
Trainer for every trial and its `hp_space` may only set TrainingArguments attributes, while our settings are
RunConfig fields, some of which shape the model or the data (lora_rank, max_length); and it has no hook
after a trial, so the run-folder files `train` writes (results.json, model/, the report, the model card)
would have to be rebuilt in a callback. Here each trial IS `engine.train(config, trial_dir)`, with two
more callbacks: one reports each evaluation to the trial and stops it when Optuna prunes it (the
Trainer's own `_report_to_hp_search` does the same), one ends it when the budget runs out.
"""
from __future__ import annotations

import time
from pathlib import Path

from transformers import TrainerCallback

from ..config import ConfigError, RunConfig
from ..runs.events import END_EVENTS, EVAL, LOG, STAGE, STOPPED as RUN_STOPPED, read_events
from ..runs.folder import RunPaths, owner_of, record_owner
from .search_space import Param, including, is_small, search_space, searches_lora, suggest
from ..tasks import get_task
from ..tasks.training_length import AUTO
from .record import COMPLETE, FAILED, FINISHED, PRUNED, STOPPED, Sweep, TrialRecord, trial_folder, write_sweep


class TrialReporter(TrainerCallback):
    """Each evaluation's main metric goes to the Optuna trial (steps 0, 1, 2...: the evaluations are at the
    same shares of every run, whatever its length); a trial Optuna prunes stops after that evaluation."""

    def __init__(self, trial, metric_key: str):
        self.trial, self.key = trial, metric_key
        self.reports, self.pruned = 0, False

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        value = (metrics or {}).get(self.key)
        if value is None:
            return
        self.trial.report(float(value), self.reports)
        self.reports += 1
        if self.trial.should_prune():
            self.pruned = control.should_training_stop = True


class BudgetStop(TrainerCallback):
    """Ends the running trial when another step would overrun the budget's training time (a step on a busy
    CPU can take many seconds), or when SWEEP_DIR/STOP appears."""

    def __init__(self, deadline: float, stop_file: Path):
        self.deadline, self.stop_file, self.ended = deadline, Path(stop_file), False
        self.step_began, self.longest_step = None, 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self.step_began = time.time()

    def on_step_end(self, args, state, control, **kwargs):
        now = time.time()
        if self.step_began is not None:
            self.longest_step = max(self.longest_step, now - self.step_began)
        if now + self.longest_step >= self.deadline or self.stop_file.exists():
            self.ended = control.should_training_stop = True


def finish_reserve(budget_s: float) -> float:
    """Seconds first kept for a stopped trial's final evaluation and save: 5% of the budget, 10 s to 60 s."""
    return min(60.0, max(10.0, 0.05 * budget_s))


class Budget:
    """The search's clock. It learns from each trial how long a start (data, model, tokenizing) and a
    finish (final evaluation, report, save) take, stops the running trial's training in time for its
    finish, and starts no trial that would get less training time than those two take together."""

    MARGIN = 1.25

    def __init__(self, started: float, budget_s: float):
        self.end = started + budget_s
        self.setup_s, self.finish_s = 0.0, finish_reserve(budget_s)

    def training_deadline(self) -> float:
        return self.end - self.finish_s

    def room_for_another(self) -> bool:
        return self.end - time.time() >= 2 * (self.setup_s + self.finish_s)

    def learn(self, run_dir, trial_started: float) -> None:
        events, _ = read_events(RunPaths(run_dir).events)
        first_log = next((e["time"] for e in events if e["event"] == LOG), None)
        evaluating = next((e["time"] for e in events if e["event"] == STAGE and e.get("message") == "Evaluating"), None)
        if first_log is not None:
            self.setup_s = max(self.setup_s, self.MARGIN * (first_log - trial_started))
        if evaluating is not None and events[-1]["event"] in END_EVENTS:
            self.finish_s = max(self.finish_s, self.MARGIN * (events[-1]["time"] - evaluating))

    def after_trial(self, study, trial) -> None:
        """An Optuna callback: no next trial without the time to train it."""
        if not self.room_for_another():
            study.stop()


def given_settings(base: RunConfig, space: dict) -> dict:
    """The base config's own values of the searched settings (the first trial). Epochs left to the data
    (training_length.AUTO) is a rule, not a value in the range: the search samples epochs instead."""
    return {name: getattr(base, name) for name in space if not (name == "epochs" and base.epochs == AUTO)}


def plan_space(base: RunConfig, names: list[str] | None) -> dict[str, Param]:
    """The ranges to search for this task and model (LoRA rank only where the task trains LoRA and it is on),
    widened to hold the base config's own values: they are the first trial."""
    from ..models.catalog import resolve_model

    task = get_task(base.task)
    small = is_small(resolve_model(base.model, task.embedded_model))
    space = search_space(names, small_model=small, lora=searches_lora(task, base))
    return including(space, given_settings(base, space))


def run_sweep(base: RunConfig, sweep_dir, *, trials: int = 6, budget_minutes: float = 10.0,
              space: dict[str, Param], first: list[dict] | None = None, pruner=None,
              started: float | None = None) -> Sweep:
    """Run up to `trials` trials within the budget; returns the sweep record (also in sweep.json).

    started: when the budget began (the CLI passes its own start, so imports count against it too).
    first: settings to try before the sampler's own (default: the base config's values, so the search
    starts from "your settings" and its best is never worse than them on validation; plan_space widens
    the ranges to hold them)."""
    import optuna

    task, root, budget_s = get_task(base.task), Path(sweep_dir), budget_minutes * 60
    root.mkdir(parents=True, exist_ok=True)
    sweep = Sweep(metric=task.main_metric, direction="maximize" if task.greater_is_better else "minimize",
                  budget_s=budget_s, trials_asked=trials, space={n: p.describe() for n, p in space.items()},
                  started=started or time.time())
    write_sweep(root, sweep)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=sweep.direction, sampler=optuna.samplers.TPESampler(seed=base.seed),
                                pruner=pruner or optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1))
    for values in (first if first is not None else [given_settings(base, space)]):
        study.enqueue_trial(values, skip_if_exists=True)
    budget = Budget(sweep.started, budget_s)
    objective = _Objective(base, root, space, sweep, budget)
    try:
        study.optimize(objective, n_trials=trials, timeout=max(1.0, budget.end - time.time()), catch=(Exception,),
                       callbacks=[budget.after_trial])
    except BaseException as e:  # KeyboardInterrupt included: sweep.json says how it ended
        sweep.status, sweep.error = FAILED, f"{type(e).__name__}: {e}"
        raise
    finally:
        _close(root, sweep, objective)
    return sweep


def _close(root: Path, sweep: Sweep, objective) -> None:
    if sweep.status != FAILED:
        ran = [t for t in sweep.trials if t.state != FAILED]
        sweep.status = STOPPED if objective.stopped else FINISHED if ran or not sweep.trials else FAILED
        if not ran and sweep.trials:
            sweep.error = f"Every trial failed; the first: {sweep.trials[0].error}"
    sweep.ended = time.time()
    write_sweep(root, sweep)


class _Objective:
    """One trial: a run folder trained with the trial's settings; returns its validation metric."""

    def __init__(self, base: RunConfig, root: Path, space: dict, sweep: Sweep, budget: Budget):
        self.base, self.root, self.space, self.sweep, self.budget = base, root, space, sweep, budget
        self.stopped = False  # Stop asked for (the STOP file or a signal): no more trials

    def __call__(self, trial):
        import optuna

        from ..training.engine import train

        params = suggest(trial, self.space)
        folder = trial_folder(self.root, trial.number)
        owner = owner_of(self.root)
        if owner:  # a trial is the search owner's run (gate.start_search recorded it on the search folder)
            folder.mkdir(parents=True, exist_ok=True)
            record_owner(folder, owner)
        record = TrialRecord(trial.number, folder.name, params)
        self.sweep.trials.append(record)
        write_sweep(self.root, self.sweep)
        reporter = TrialReporter(trial, "eval_" + self.sweep.metric)
        budget = BudgetStop(self.budget.training_deadline(), RunPaths(self.root).stop)
        try:
            results = train(self.base.updated(**params), folder, callbacks=[reporter, budget])
        except Exception as e:
            record.state, record.error = FAILED, str(e) if isinstance(e, ConfigError) else f"{type(e).__name__}: {e}"
            raise
        finally:
            record.seconds = round(time.time() - record.started, 1)
            self.budget.learn(folder, record.started)
            write_sweep(self.root, self.sweep)
        record.value = validation_metric(folder, self.sweep.metric)
        user_stop = results.status == RUN_STOPPED or RunPaths(self.root).stop.exists()
        record.state = PRUNED if reporter.pruned else STOPPED if budget.ended or user_stop else COMPLETE
        write_sweep(self.root, self.sweep)
        if user_stop or budget.ended:
            self.stopped = self.stopped or user_stop
            trial.study.stop()  # no trial after this one
        if reporter.pruned:
            raise optuna.TrialPruned()
        return record.value


def validation_metric(run_dir, metric: str) -> float | None:
    """The run's last evaluation of its main metric on the validation split (never the test split: the
    search must not choose on the data that reports on it)."""
    events, _ = read_events(RunPaths(run_dir).events)
    values = [e["eval_" + metric] for e in events if e["event"] == EVAL and "eval_" + metric in e]
    return float(values[-1]) if values else None
