"""The run one browser tab follows (kept in gr.State): where it is in the events file and what it has read.

Plain data and pure functions, no gradio: the Train tab's timer reads new events and folds them in here.
Handlers never change a FollowedRun in place; they return a new one (gr.State keeps one per session).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ..errors import ConfigError
from ..runs.events import END_EVENTS, EVAL, HEALTH, LOG, STAGE, STARTED, read_events
from ..runs.folder import RunPaths
from ..config import load_run_config

TAIL_LINES = 8


@dataclass
class FollowedRun:
    run_dir: str | None = None
    offset: int = 0  # bytes of events.jsonl already read
    logs: list[dict] = field(default_factory=list)  # "log" events, across resumes: one curve
    evals: list[dict] = field(default_factory=list)
    health: list[dict] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)  # the latest events as lines
    stage: str = ""
    status: str = ""  # the last end event, "" while running
    error: str = ""
    first_log: dict | None = None  # the first "log" since the last (re)start: the pace is measured from it
    samples_per_step: int = 0  # batch size x accumulation, for the samples/s figure
    queued: str | None = None  # on a Space: the queue ticket while the run waits its turn
    estimate_s: float | None = None  # the whole run's estimate it started with, until the live pace replaces it


def follow(run_dir: str) -> FollowedRun:
    """Follow a run from the start of its events file."""
    try:
        config = load_run_config(run_dir)
        per_step = config.batch_size * config.gradient_accumulation_steps
    except ConfigError:  # the pace line goes without samples/s
        per_step = 0
    return FollowedRun(run_dir=run_dir, samples_per_step=per_step)


def read_new(run: FollowedRun) -> tuple[FollowedRun, list[dict]]:
    """The run with the events written since the last read folded in, and those events."""
    events, offset = read_events(RunPaths(run.run_dir).events, run.offset)
    return apply(replace(run, offset=offset), events), events


def apply(run: FollowedRun, events: list[dict]) -> FollowedRun:
    """Fold events into `run` (a copy the caller owns): lists are replaced, never appended to in place."""
    for e in events:
        kind = e["event"]
        if kind == LOG:
            run.logs = run.logs + [e]
            run.first_log = run.first_log or e
        elif kind == EVAL:
            run.evals = run.evals + [e]
        elif kind == STAGE:
            run.stage = e["message"]
            run.estimate_s = e.get("estimate_s", run.estimate_s)
        elif kind == HEALTH:
            run.health = run.health + [e]
        elif kind == STARTED:  # a resumed run starts again: its pace is measured afresh
            run.status, run.first_log = "", None
        elif kind in END_EVENTS:
            run.status, run.error = kind, e.get("error", "")
        line = tail_line(e)
        if line:
            run.tail = (run.tail + [line])[-TAIL_LINES:]
    return run


def _timing(key: str) -> bool:
    """Trainer's timing figures (runtime, samples per second, model preparation time): not scores."""
    return any(word in key for word in ("runtime", "per_second", "preparation_time"))


def tail_line(e: dict) -> str:
    clock = time.strftime("%H:%M:%S", time.localtime(e["time"]))
    kind = e["event"]
    if kind == LOG:
        return f"{clock} step {e['step']}/{e['max_steps']} loss {e['loss']:.4f} lr {e.get('learning_rate', 0):.2e}"
    if kind == EVAL:
        shown = " ".join(f"{k.removeprefix('eval_')} {v:.4f}" for k, v in e.items()
                         if k.startswith("eval_") and isinstance(v, (int, float)) and not _timing(k))
        return f"{clock} eval at step {e['step']}: {shown}"
    if kind == STARTED:
        return f"{clock} started" + (f", resumed from {e['resumed_from']}" if e.get("resumed_from") else "")
    if kind == STAGE:
        return f"{clock} {e['message']}"
    if kind == HEALTH:
        return f"{clock} warning: {e['message']}"
    return f"{clock} {kind}" + (f": {e['error']}" if e.get("error") else "")
