"""The run folder: the whole record of a run and the only channel between the training process and whoever
watches it (the UI, the CLI, tests). Its file names, where run folders live, and how they are listed."""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError


OWNER_FILE = "owner.json"
ENDED_EARLY = ("stopped", "pruned")  # the states of a search trial the search ended (sweeps/record.py)


@dataclass(frozen=True)
class RunPaths:
    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    config = property(lambda self: self.root / "config.json")
    events = property(lambda self: self.root / "events.jsonl")
    results = property(lambda self: self.root / "results.json")
    baseline = property(lambda self: self.root / "baseline.safetensors")  # the fitted TF-IDF baseline's arrays
    old_baseline = property(lambda self: self.root / "baseline.joblib")  # older versions' pickle: never loaded
    model = property(lambda self: self.root / "model")
    model_saving = property(lambda self: self.root / "model.saving")  # a model being written; renamed to model/
    checkpoints = property(lambda self: self.root / "checkpoints")
    model_card = property(lambda self: self.root / "model" / "README.md")
    model_zip = property(lambda self: self.root / f"{self.root.name}-model.zip")
    onnx = property(lambda self: self.root / "model" / "onnx")
    onnx_zip = property(lambda self: self.root / f"{self.root.name}-onnx.zip")
    share = property(lambda self: self.root / "share")  # the model as its own demo app (finetune/services/share.py)
    share_zip = property(lambda self: self.root / f"{self.root.name}-demo.zip")
    limits = property(lambda self: self.root / "limits.json")  # a Space's time budget for this run (hosting/spaces)
    sweep = property(lambda self: self.root / "sweep.json")  # a settings search's record (sweeps/record.py)
    tensorboard = property(lambda self: self.root / "tensorboard")
    log = property(lambda self: self.root / "train.log")
    stop = property(lambda self: self.root / "STOP")
    pid = property(lambda self: self.root / "pid")
    owner = property(lambda self: self.root / OWNER_FILE)  # who started it (hosting/owners decides who may see it)

    @property
    def has_model(self) -> bool:
        """A usable saved model: training writes model/config.json last (model.saving is renamed to model/)."""
        return (self.model / "config.json").is_file()


def runs_root() -> Path:
    return Path(os.environ.get("FINETUNE_RUNS_DIR", "runs")).resolve()


def new_run_dir(task: str, root: Path | None = None) -> Path:
    """A fresh, sortable, unique folder name: 20261127-103000-classification-1a2b."""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{task}-{uuid.uuid4().hex[:4]}"
    path = (root or runs_root()) / name
    path.mkdir(parents=True)
    return path


def must_exist(run_dir) -> None:
    """A ConfigError in one plain sentence (no server path) when the run folder is gone (deleted)."""
    if not RunPaths(run_dir).config.is_file():
        raise ConfigError(f"The run {Path(run_dir).name} no longer exists (it was deleted); start a new run.")


def log_tail(run_dir, lines: int = 15) -> str:
    try:
        return "\n".join(RunPaths(run_dir).log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def list_runs(root: Path | None = None) -> list[Path]:
    """Run folders, newest first; a settings search's trials (SEARCH/trial-NNN, next to its sweep.json) too."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    found = []
    for p in root.iterdir():
        if RunPaths(p).config.is_file():
            found.append(p)
        elif RunPaths(p).sweep.is_file():
            found.extend(t for t in p.iterdir() if RunPaths(t).config.is_file())
    return sorted(found, reverse=True)


def run_name(run_dir, root: Path | None = None) -> str:
    """A run's name under the runs folder: its folder's name, or SEARCH/trial-NNN for a search's trial."""
    return Path(run_dir).resolve().relative_to((root or runs_root()).resolve()).as_posix()


def trial_state(run_dir) -> str:
    """A settings search's trial: its state in the search's sweep.json (complete, pruned, stopped, running,
    failed); "" for a run that is not a trial. The trial's own files call a trial the search ended "finished"."""
    sweep = RunPaths(Path(run_dir).parent).sweep
    if not sweep.is_file():
        return ""
    try:
        trials = json.loads(sweep.read_text()).get("trials", [])
    except (OSError, ValueError, AttributeError):
        return ""
    return next((t.get("state", "") for t in trials if isinstance(t, dict) and t.get("run") == Path(run_dir).name), "")


def trained_models(root: Path | None = None) -> list[Path]:
    """Run folders that hold a usable model, newest first (for the Playground)."""
    return [p for p in list_runs(root) if RunPaths(p).has_model]


def record_owner(run_dir, owner: str) -> None:
    RunPaths(run_dir).owner.write_text(json.dumps({"owner": owner}))


def owner_of(run_dir) -> str | None:
    """The recorded owner of a run folder; None when it records none (a run from the CLI, an old run)."""
    try:
        owner = json.loads(RunPaths(run_dir).owner.read_text()).get("owner")
    except (OSError, ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None
