"""Records that cross modules: a run's results (RUN_DIR/results.json), its status, its row in the runs table.

One schema per record, with to_json/from_json. Reading is tolerant, because run folders outlive the code
that wrote them: a key an older version did not write gets its default, and a key this version does not
know is kept (in `report`, beside the task's own fields) and written back, never a crash.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .events import FAILED, RUNNING
from .atomic import write_atomic

# Keys only some runs write (several processes, a method's own): left out of the file when None, so a file
# reads back as it was written.
OPTIONAL_KEYS = ("processes", "train_samples_per_second", "epochs", "estimate_s", "method", "trained_with",
                 "quick_bar")


@dataclass
class Results:
    """What a run reports at its end. The fields are results.json's keys common to every task; a task's own
    (its Task.report()'s: per-class scores, mistakes...) are in `report`, written beside them in the same file,
    so files from before the split load unchanged. The task reads them (Task.results_view)."""
    task: str = ""
    model: str = ""
    train_rows: int = 0
    eval_rows: int = 0
    report_split: str = "validation"  # "test" when the user held out a test split
    report_rows: int | None = None
    baseline: dict | None = None  # TF-IDF scores on the same split (classification), else None
    train_runtime_s: float = 0.0  # trainer.train() alone
    estimate_s: float | None = None  # the whole run's time as estimated when it first started (estimate.py)
    duration_s: float | None = None  # the whole run, summed across resumes
    status: str = ""  # "finished" or "stopped"
    steps: int = 0
    max_steps: int | None = None
    early_stopped: bool = False
    max_length: int = 0
    precision: str = ""
    epochs: float | None = None  # the epochs planned (epochs = 0 in the config: from the data's size)
    device: str = ""
    processes: int | None = None  # training processes (torchrun; None: 1), counted in train_rows, steps, samples/s
    train_samples_per_second: float | None = None  # the Trainer's figure, across every process
    notes: list[str] = field(default_factory=list)
    main_metric: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    method: str | None = None  # the method, written by a method's own runner (setfit, probe); None: fine-tuning
    trained_with: dict | None = None  # the settings training actually used, per method (config.json holds the asked)
    quick_bar: dict | None = None  # the best quick model measured on these files and settings (quick_models.py):
    #                                {"name", "title", "metric", "score", "seconds"}, the bar the model must clear
    report: dict = field(default_factory=dict)  # the task's own keys (and any this version does not know), as written

    @property
    def elapsed_s(self) -> float:
        """The run's duration (files from before duration_s existed: the training time)."""
        return self.duration_s if self.duration_s is not None else self.train_runtime_s

    @property
    def planned_steps(self) -> int:
        return self.max_steps if self.max_steps is not None else self.steps

    @property
    def examples(self) -> list[str]:
        """A few held-out inputs a task's report keeps: the Playground's examples for this run."""
        return self.report.get("examples") or []

    def main_key(self, task_metric: str = "") -> str:
        """The main metric's key in `metrics`: the one training ranked by (main_metric without "eval_"), else
        the task's (`task_metric`), else the first there is; "" without metrics."""
        names = (self.main_metric.removeprefix("eval_"), task_metric)
        return next((n for n in names if n and n in self.metrics), next(iter(self.metrics), ""))

    def to_json(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "report"}
        return {**{k: v for k, v in values.items() if k not in OPTIONAL_KEYS or v is not None}, **self.report}

    @classmethod
    def from_json(cls, values: dict) -> "Results":
        known = {f.name for f in fields(cls)} - {"report"}
        return cls(**{k: v for k, v in values.items() if k in known},
                   report={k: v for k, v in values.items() if k not in known})

    def save(self, path) -> None:
        write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path) -> "Results":
        return cls.from_json(json.loads(Path(path).read_text()))


@dataclass
class RunStatus:
    """How a run stands, from its folder alone (runs.run_status)."""
    status: str  # "running", "finished", "stopped" or "failed"
    error: str = ""  # why it failed
    results: Results | None = None  # once it has ended with a results.json

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def to_json(self) -> dict:
        """The shape run_status() returned before it was a record: {"status", "error"?, "results"?}."""
        return {"status": self.status, **({"error": self.error} if self.status == FAILED else {}),
                **({"results": self.results.to_json()} if self.results else {})}


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs table (runs.run_summary)."""
    name: str
    task: str
    status: str
    metric: str  # the main metric's name, "" before there are results
    value: float | None
    duration_s: int
    model: str
    steps: int | None
    verdict: str = ""  # the verdict's kind (verdict.KINDS), "" before there is one
    trial: str = ""    # a search trial's state (complete, pruned, stopped...), "" for a run of its own
    estimate_s: float | None = None  # the time estimated for the whole run when it started

    @property
    def label(self) -> str:
        """The status in words, a search trial marked as one: "stopped (search trial)"."""
        return f"{self.status} (search trial)" if self.trial else self.status

    def to_json(self) -> dict:
        return asdict(self)
