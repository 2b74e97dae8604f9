"""What a Space (or demo mode) does in the background of the app: the clean-up of old runs, now and every
spaces.SWEEP_EVERY_S, and the demo run, trained once through the gate like every run."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from ..config import ConfigError, RunConfig
from ..control.processes import is_alive
from ..data.tables import READ_CAP_ENV
from ..data.token_lengths import LENGTH_CAP_ENV
from ..runs.folder import RunPaths, runs_root
from . import gate, owners, spaces
from .spaces import DEMO_RUN

DEMO_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "negation_reviews.csv"
DEMO_SETTINGS = {"epochs": 2.0}


_BACKGROUND = threading.Event()  # set once the clean-up thread runs in this process


def start_background(root: Path | None = None) -> None:
    """At app start-up: the row cap on every file read, the clean-up (now and every spaces.SWEEP_EVERY_S) and, in
    demo mode, the demo run."""
    if spaces.on_spaces():  # data.tables.read_table reads at most this many rows of any file in this process
        os.environ.setdefault(READ_CAP_ENV, str(spaces.LIMITS.max_read_rows))
        os.environ.setdefault(LENGTH_CAP_ENV, str(spaces.LIMITS.max_length))  # the fitted max length, capped
    if spaces.demo_mode():
        ensure_demo_run(root, os.environ.get("FINETUNE_DEMO_MODEL", ""))
    if spaces.ttl_seconds() and not _BACKGROUND.is_set():
        _BACKGROUND.set()

        def loop():
            while True:
                spaces.sweep_safely(root)
                time.sleep(spaces.SWEEP_EVERY_S)

        threading.Thread(target=loop, name="finetune-sweep", daemon=True).start()


# --- demo mode ------------------------------------------------------------------------------------
def demo_run_dir(root: Path | None = None) -> Path:
    return (root or runs_root()) / DEMO_RUN


def demo_ready(root: Path | None = None) -> bool:
    return RunPaths(demo_run_dir(root)).has_model


def ensure_demo_run(root: Path | None = None, model: str = "", **settings) -> Path:
    """Start training the demo run unless it has a model or is training; a failed one is started afresh.

    model: empty for the embedded MiniLM; tests pass a tiny model (FINETUNE_DEMO_MODEL does the same)."""
    folder = demo_run_dir(root)
    if demo_ready(root) or is_alive(folder):
        if owners.owner_of(folder) is None:  # a demo run kept from before owners were recorded
            owners.record_owner(folder, owners.SHARED)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    config = RunConfig(data_file=str(DEMO_SAMPLE), text_column="text", label_column="label", model=model,
                       **{**DEMO_SETTINGS, **settings})
    folder.mkdir(parents=True, exist_ok=True)
    try:  # through the gate like every run (on a Space: limits and a ticket); everyone may read it, nobody change it
        gate.start_run(config, owners.SHARED, folder)
    except ConfigError:  # every slot busy: the next start-up tries again
        shutil.rmtree(folder, ignore_errors=True)
    return folder
