"""sweep.json: what a settings search tried and how each trial did, rewritten whole after every change.

    {"status": "running|finished|stopped|failed", "metric": "accuracy", "direction": "maximize",
     "budget_s": 600, "trials_asked": 6, "space": {"learning_rate": "learning_rate 2e-05 to 0.0005 (log)"},
     "started": 1764644000.0, "ended": null, "error": "",
     "trials": [{"number": 0, "run": "trial-000", "params": {...}, "value": 0.91, "state": "complete",
                 "started": ..., "seconds": 41.2}],
     "best": {"number": 0, "run": "trial-000", "params": {...}, "value": 0.91} or null}

A trial's state: running, complete, pruned (stopped early: worse than the median trial at the same point),
stopped (ended by the time budget or Stop; its metric still counts) or failed. Each trial's `run` is a
run folder (config.json, events.jsonl, model/, results.json) inside the sweep folder.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..runs.folder import RunPaths
from ..runs.atomic import write_atomic

RUNNING, COMPLETE, PRUNED, STOPPED, FAILED, FINISHED = (
    "running", "complete", "pruned", "stopped", "failed", "finished")
COUNTED = (COMPLETE, STOPPED)  # trials whose metric can be the best


@dataclass
class TrialRecord:
    number: int
    run: str                     # the trial's run folder, relative to the sweep folder
    params: dict
    state: str = RUNNING
    value: float | None = None   # the main metric on the validation split
    started: float = field(default_factory=time.time)
    seconds: float = 0.0
    error: str = ""


@dataclass
class Sweep:
    metric: str
    direction: str               # "maximize" or "minimize"
    budget_s: float
    trials_asked: int
    space: dict                  # setting -> its range, in words
    status: str = RUNNING
    started: float = field(default_factory=time.time)
    ended: float | None = None
    error: str = ""
    backend: str = "optuna"
    trials: list[TrialRecord] = field(default_factory=list)

    @property
    def best(self) -> TrialRecord | None:
        counted = [t for t in self.trials if t.state in COUNTED and t.value is not None]
        if not counted:
            return None
        pick = max if self.direction == "maximize" else min
        return pick(counted, key=lambda t: t.value)

    def to_json(self) -> dict:
        best = self.best
        return {**asdict(self), "best": None if best is None else
                {k: getattr(best, k) for k in ("number", "run", "params", "value")}}

    @classmethod
    def from_json(cls, values: dict) -> Sweep:
        values = {k: v for k, v in values.items() if k != "best"}
        return cls(**{**values, "trials": [TrialRecord(**t) for t in values.get("trials", [])]})


def sweep_file(sweep_dir) -> Path:
    return RunPaths(sweep_dir).sweep


def write_sweep(sweep_dir, sweep: Sweep) -> None:
    write_atomic(sweep_file(sweep_dir), json.dumps(sweep.to_json(), indent=2, default=float) + "\n")


def read_sweep(sweep_dir) -> Sweep | None:
    try:
        return Sweep.from_json(json.loads(sweep_file(sweep_dir).read_text()))
    except (OSError, json.JSONDecodeError):
        return None


def trial_folder(sweep_dir, number: int) -> Path:
    return Path(sweep_dir) / f"trial-{number:03d}"
