"""A queue of runs waiting for a free slot: one ticket file per run in RUNS_ROOT/.queue, oldest first.
A visitor (and every id issued to the same client address, owners.peers) holds one place at a time.

Used on a Space, where one run trains at a time: a waiting page polls advance() every second, which
starts the first run in line once runs.max_runs() allows it. A file lock keeps several app workers (and
the CLI) in order. This module never imports gradio.
"""
from __future__ import annotations

import fcntl
import json
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from ..config import ConfigError, RunConfig
from ..runs.events import HEALTH, EventWriter
from ..runs.folder import RunPaths, runs_root
from ..control.processes import max_runs, resume_run, running_runs, start_run
from . import owners

STALE_S = 30  # a queued visitor's page polls every second; silence this long means the tab is gone


def enqueue(config: RunConfig | None, run_dir: Path, notes: list[str], root: Path | None = None,
            owner: str | None = None) -> Path:
    """A ticket for the run, last in line; `notes` go into its events when it starts. config None: the
    ticket resumes the run in run_dir. A visitor (owner) holds one ticket and no running run at once,
    however many tabs they open."""
    mine = owners.peers(owner)  # the ids one client address holds count as one visitor
    with _queue_lock(root) as folder:
        if owner is not None and (any(_owner(t) in mine for t in _waiting(folder))
                                  or any(owners.owner_of(r) in mine for r in running_runs())):
            raise ConfigError("You already have a run training or waiting in the queue; this shared Space takes "
                              "one run per visitor. Wait for it to end, or stop it.")
        ticket = folder / f"{time.time_ns():020d}-{run_dir.name}.json"
        ticket.write_text(json.dumps({"run_dir": str(run_dir), "config": config.to_dict() if config else None,
                                      "notes": notes, "owner": owner}))
    return ticket


def _owner(ticket: Path) -> str | None:
    try:
        return json.loads(ticket.read_text()).get("owner")
    except (OSError, ValueError, AttributeError):
        return None


def queue_dir(root: Path | None = None) -> Path:
    return (root or runs_root()) / ".queue"


@contextmanager
def _queue_lock(root: Path | None):
    folder = queue_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:  # across processes too (two app workers, the CLI)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _waiting(folder: Path) -> list[Path]:
    """Live tickets, oldest first; tickets nobody polled for STALE_S are dropped."""
    tickets = []
    for ticket in sorted(folder.glob("*.json")):
        try:
            if time.time() - ticket.stat().st_mtime > STALE_S:
                ticket.unlink()
            else:
                tickets.append(ticket)
        except FileNotFoundError:
            pass
    return tickets


def advance(ticket, root: Path | None = None) -> int:
    """Called on each poll of a waiting page: 0 once the run has started, else its place in the queue."""
    ticket = Path(ticket)
    with _queue_lock(root) as folder:
        if not ticket.is_file():
            raise ConfigError("This run left the queue (its page stopped asking for a while). Start it again.")
        ticket.touch()  # still wanted
        waiting = _waiting(folder)
        position = waiting.index(ticket) + 1
        if position > 1 or len(running_runs()) >= max_runs():
            return position
        order = json.loads(ticket.read_text())
        paths = RunPaths(order["run_dir"])
        paths.root.mkdir(parents=True, exist_ok=True)
        for note in order["notes"]:
            EventWriter(paths.events).write(HEALTH, rule="space_limits", level="warning", message=note)
        if order["config"] is None:
            resume_run(paths.root, owners.one_run_each(order.get("owner")))
        else:
            start_run(RunConfig.from_dict(order["config"]), paths.root, owners.launch_as(order.get("owner"), paths.root))
        ticket.unlink()
        return 0


def leave(ticket, root: Path | None = None) -> None:
    """Give up a place in the queue; the run's folder (nothing in it has trained) goes too."""
    with _queue_lock(root):
        try:
            order = json.loads(Path(ticket).read_text())
        except (OSError, json.JSONDecodeError):
            return
        Path(ticket).unlink(missing_ok=True)
        if not RunPaths(order["run_dir"]).config.is_file():
            shutil.rmtree(order["run_dir"], ignore_errors=True)
