"""The one gate every visitor-facing handler passes (a Space's many visitors; locally one trusted person).

Four doors, and nothing a visitor reaches goes round them:
- start_run / resume_run: every run that starts (train, resume, train the best settings, the demo)
  records its owner, gets the Space's limits and takes a queue ticket; start_search likewise for a
  settings search (not offered on a Space, see there);
- run_for: every run a handler is sent by name is resolved under the runs root and owner-checked;
- admit_file: every file a visitor sends (data, validation, test, batch, PDF, review) counts in the
  upload quota (per id and per client address) and is refused over its byte caps before anything reads it;
- model_id: every model name a visitor types (on a Space: Hub ids only, never a path on the server);
- work: in-app computations a visitor starts (the quick models, a review, a batch) run one at a time per
  visitor on a Space.
This module never imports gradio; handlers turn its ConfigError into a message (ui/messages.user_error).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError, RunConfig
from ..data import byte_caps
from . import owners, upload_quota

NO_SEARCH = ("The settings search is not offered on this shared Space: it would hold the one training slot for "
             "many runs. Train with a preset, or run the app locally to search.")
_BUSY: dict[str, str] = {}  # owner -> the computation they have running (one app process serves a Space)
_BUSY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Started:
    """What a start asked of the gate became: a run that trains now (position 0) or waits (its ticket)."""
    run_dir: str
    ticket: str | None = None
    position: int = 0


def require_visitor(owner: str | None) -> None:
    """On a Space a page with no valid visitor id starts, sends and names nothing."""
    if owner is None and owners.hosted():
        raise ConfigError("This page has no visitor id yet: reload it, then try again (an address that opened "
                          "many new pages this hour gets its next id when the hour has passed).")


def start_run(config: RunConfig, owner: str | None, run_dir=None) -> Started:
    """Start a new run for `owner` (a fresh folder unless run_dir is given). On a Space: its model id is
    checked, its settings clamped to the limits and it takes a ticket in the queue (position 0: started)."""
    from ..control.processes import check_capacity
    from ..runs.folder import new_run_dir
    from ..control.processes import start_run as launch
    from . import spaces

    require_visitor(owner)
    if owners.hosted():
        config = config.updated(model=model_id(config.model, config.task))
        order = spaces.submit(config, run_dir or new_run_dir(config.task), owner=owner)
        return Started(order["run_dir"], order["ticket"], order["position"])
    check_capacity(owners.one_run_each(owner))  # before a folder exists: a refused start leaves nothing behind
    run_dir = Path(run_dir) if run_dir else new_run_dir(config.task)
    launch(config, run_dir, owners.launch_as(owner, run_dir))
    return Started(str(run_dir))


def resume_run(run_dir, owner: str | None) -> Started:
    """Continue a run the visitor owns, through the queue on a Space like a new run."""
    from ..control.processes import resume_run as relaunch
    from . import spaces

    require_visitor(owner)
    run_dir = run_for(owner, run_dir, change=True)
    if owners.hosted():
        order = spaces.submit_resume(run_dir, owner=owner)
        return Started(order["run_dir"], order["ticket"], order["position"])
    relaunch(run_dir, owners.one_run_each(owner))
    return Started(str(run_dir))


def search_offered() -> bool:
    """A settings search runs its trials one after another in one process of its own: on a Space that
    process would hold the one run slot for trials x the per-run budget, outside the queue's one-run
    turns, so a Space does not offer it (a visitor runs the search locally, or tries presets)."""
    return not owners.hosted()


def start_search(config: RunConfig, owner: str | None, *, trials: int, budget_minutes: float,
                 space: list[str]) -> Path:
    """Start a settings search for `owner`: its folder and every trial folder record the owner, and it
    counts as one of the runs the app trains at once. Refused on a Space (search_offered)."""
    from ..control.processes import check_capacity
    from ..runs.folder import new_run_dir
    from ..sweeps.launch import start_sweep

    require_visitor(owner)
    if not search_offered():
        raise ConfigError(NO_SEARCH)
    check_capacity(owners.one_run_each(owner))
    sweep_dir = new_run_dir(f"search-{config.task}")
    if owner:
        owners.record_owner(sweep_dir, owner)  # the trials copy it (sweeps/search.py)
    start_sweep(config, sweep_dir, trials=int(trials), budget_minutes=float(budget_minutes), space=list(space))
    return sweep_dir


def run_for(owner: str | None, name, change: bool = False) -> Path:
    """The run folder a browser-sent name means, when this visitor may read it (change: also change it)."""
    return owners.run_for(owner, name, change=change)


def admit_file(owner: str | None, path, kind: str = "data") -> str:
    """A file a visitor sent, counted in their quota (kind says which input: data, validation, test, batch,
    pdf, review). ConfigError when it is over a cap; returns the path to read."""
    if not path:
        return path
    require_visitor(owner)
    upload_quota.admit(owner, path)
    upload_quota.check_folder(path)
    byte_caps.check_file(path, kind)  # what it expands to, from its own metadata, before anything reads it
    return str(path)


def model_id(name: str, task: str) -> str:
    """A model name a visitor typed, as the engine may load it. On a Space: an embedded model's name, a
    folder the Space's owner offers (FINETUNE_MODEL_DIRS) or a Hub id (org/name), never another path on the
    server. Whether a folder of that name exists here changes nothing: the loaders take a Hub id from the
    Hub cache only (models._hosted_model), so the answer tells nothing about the server's folders."""
    from ..models.catalog import embedded_choice, hosted_choice
    from ..tasks import get_task

    name = (name or "").strip()
    if not owners.hosted() or not name or embedded_choice(name, get_task(task).embedded_model):
        return name
    hosted_choice(name)  # ConfigError for anything else
    return name


@contextmanager
def work(owner: str | None, what: str):
    """An in-app computation a visitor starts (e.g. "quick models"): on a Space one at a time per visitor,
    so one visitor's clicks cannot fill every worker thread."""
    require_visitor(owner)
    if not owners.hosted():
        yield
        return
    key = owner or ""
    with _BUSY_LOCK:
        if key in _BUSY:
            raise ConfigError(f"Your {_BUSY[key]} is still running; this shared Space runs one at a time per "
                              "visitor. Wait for it to finish, then try again.")
        _BUSY[key] = what
    try:
        yield
    finally:
        with _BUSY_LOCK:
            _BUSY.pop(key, None)
