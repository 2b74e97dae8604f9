"""Experiment trackers a run also logs to (config `report_to`), through the Trainer's own integrations.

Each tracker is optional and offline by default: TensorBoard, trackio and MLflow write into the run
folder, W&B runs in offline mode unless the user chose otherwise (WANDB_MODE). A tracker that is asked
for but not installed (or W&B online without a login) is a ConfigError before training starts.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError


@dataclass(frozen=True)
class Tracker:
    name: str                  # the report_to value
    packages: tuple[str, ...]  # any one of them will do
    install: str               # what to pip install
    folder: str                # where it writes, inside the run folder


TRACKERS = {t.name: t for t in (
    Tracker("tensorboard", ("tensorboard", "tensorboardX"), "tensorboard", "tensorboard"),
    Tracker("trackio", ("trackio",), "trackio", "trackio"),
    Tracker("wandb", ("wandb",), "wandb", "wandb"),
    Tracker("mlflow", ("mlflow",), "mlflow", "mlruns"),
)}


def prepare_tracking(targets: list[str], run_dir) -> dict[str, str]:
    """Check the chosen trackers can run and point each at the run folder; returns the environment it set."""
    root = Path(run_dir).resolve()
    for name in targets:
        tracker = TRACKERS[name]
        if not any(importlib.util.find_spec(p) is not None for p in tracker.packages):
            raise ConfigError(f"Logging to {name} is chosen (report_to) but {tracker.install} is not installed: "
                              f"pip install {tracker.install}, or take {name} out of report_to.")
    settings = {}
    for name in targets:
        settings.update(_environment(name, root / TRACKERS[name].folder))
    os.environ.update(settings)
    _OURS.update(settings)
    return settings


_OURS: dict[str, str] = {}  # what prepare_tracking set: a sweep's next trial must not read the last trial's folder


def _user(key: str, default: str) -> str:
    """The user's own setting of `key`, or `default` when unset (or set by us for an earlier run)."""
    value = os.environ.get(key)
    return default if value is None or _OURS.get(key) == value else value


def _environment(name: str, folder: Path) -> dict[str, str]:
    """Environment variables the Trainer's integration (or the tracker itself) reads for where to log."""
    if name == "tensorboard":  # transformers 5 has no logging_dir: its callback reads this
        return {"TENSORBOARD_LOGGING_DIR": str(folder)}
    if name == "trackio":
        return {"TRACKIO_DIR": str(folder), "TRACKIO_PROJECT": _user("TRACKIO_PROJECT", "fine-tune-studio")}
    if name == "wandb":
        mode = _user("WANDB_MODE", "offline")
        if mode == "online" and not _wandb_logged_in():
            raise ConfigError("W&B is set to log online (WANDB_MODE=online) but there is no login: run "
                              "`wandb login` or set WANDB_API_KEY, or leave WANDB_MODE unset to log offline "
                              "(then `wandb sync` the run folder's wandb/ later).")
        folder.mkdir(parents=True, exist_ok=True)
        return {"WANDB_MODE": mode, "WANDB_DIR": str(folder),
                "WANDB_PROJECT": _user("WANDB_PROJECT", "fine-tune-studio")}
    # mlflow: a local file store unless the user points it at a server
    return {"MLFLOW_TRACKING_URI": _user("MLFLOW_TRACKING_URI", folder.as_uri())}


def _wandb_logged_in() -> bool:
    netrc = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    return bool(os.environ.get("WANDB_API_KEY")) or (netrc.is_file() and "api.wandb.ai" in netrc.read_text())

