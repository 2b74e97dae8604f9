"""The one gate every visitor-facing handler passes (a Space's many visitors; locally one trusted person).

Four doors, and nothing a visitor reaches goes round them:
- start_run / resume_run: every run that starts (train, resume, a settings search and its trials, train
  the best settings, the demo) records its owner, gets the Space's limits and takes a queue ticket;
- run_for: every run a handler is sent by name is resolved under the runs root and owner-checked;
- admit_file: every file a visitor sends (data, validation, test, batch, PDF, review) counts in the
  upload quota and is refused over its byte caps before anything reads it;
- model_id: every model name a visitor types (on a Space: Hub ids only, never a path on the server);
- work: in-app computations a visitor starts (the quick models, a batch) run under a per-visitor slot.
This module never imports gradio; handlers turn its ConfigError into a message (ui/messages.user_error).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError, RunConfig
from ..data import byte_caps
from . import owners, upload_quota


@dataclass(frozen=True)
class Started:
    """What a start asked of the gate became: a run that trains now (position 0) or waits (its ticket)."""
    run_dir: str
    ticket: str | None = None
    position: int = 0


def require_visitor(owner: str | None) -> None:
    """On a Space a page with no valid visitor id starts, sends and names nothing."""
    if owner is None and owners.hosted():
        raise ConfigError("This page has no visitor id yet: reload it, then try again.")


def start_run(config: RunConfig, owner: str | None, run_dir=None) -> Started:
    """Start a new run for `owner` (a fresh folder unless run_dir is given): limits and queue on a Space."""
    from ..runs import check_capacity, new_run_dir
    from ..runs import start_run as launch
    from . import spaces

    require_visitor(owner)
    if spaces.on_spaces():
        order = spaces.submit(config, run_dir or new_run_dir(config.task), owner=owner)
        return Started(order["run_dir"], order["ticket"] if order["position"] else None, order["position"])
    check_capacity(owner)  # before a folder exists: a refused start leaves nothing behind
    run_dir = Path(run_dir) if run_dir else new_run_dir(config.task)
    launch(config, run_dir, owner)
    return Started(str(run_dir))


def resume_run(run_dir, owner: str | None) -> Started:
    """Continue a run the visitor owns, through the queue on a Space like a new run."""
    from ..runs import resume_run as relaunch
    from . import spaces

    require_visitor(owner)
    run_dir = run_for(owner, run_dir, change=True)
    if spaces.on_spaces():
        order = spaces.submit_resume(run_dir, owner=owner)
        return Started(order["run_dir"], order["ticket"] if order["position"] else None, order["position"])
    relaunch(run_dir, owner)
    return Started(str(run_dir))


def run_for(owner: str | None, name, change: bool = False) -> Path:
    """The run folder a browser-sent name means, when this visitor may read it (change: also change it)."""
    return owners.run_for(owner, name, change=change)


def admit_file(owner: str | None, path, kind: str = "data") -> str:
    """A file a visitor sent, counted in their quota (kind says which input: data, validation, test, batch,
    pdf, review). ConfigError when it is over a cap; returns the path to read."""
    upload_quota.admit(owner, path)
    byte_caps.check_file(path, kind)  # what it expands to, from its own metadata, before anything reads it
    return str(path)


def model_id(name: str, task: str) -> str:
    """A model name a visitor typed, as the engine may load it."""
    return name


@contextmanager
def work(owner: str | None, what: str):
    """An in-app computation a visitor starts (e.g. "quick models"): on a Space one at a time per visitor."""
    require_visitor(owner)
    yield
