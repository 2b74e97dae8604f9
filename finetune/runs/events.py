"""The events a run writes to RUN_DIR/events.jsonl, one JSON object per line, and how to read them.

Every event has "event" (one of EVENT_TYPES) and "time" (Unix seconds). Training logs also carry
"step", "max_steps", "epoch", "loss", "learning_rate"; evaluations carry "eval_*" metrics;
"failed" carries "error"; "health" carries "rule", "level" ("warning"/"error") and "message", a
problem spotted while training, in plain words. A resumed run appends a new "started" with "resumed_from". The UI, the CLI and tests read runs only through these files.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

STARTED, STAGE, LOG, EVAL, HEALTH, FINISHED, STOPPED, FAILED = (
    "started", "stage", "log", "eval", "health", "finished", "stopped", "failed")
EVENT_TYPES = (STARTED, STAGE, LOG, EVAL, HEALTH, FINISHED, STOPPED, FAILED)
END_EVENTS = (FINISHED, STOPPED, FAILED)
RUNNING = "running"  # not an event: a run's status while its process lives and no end event came (RunStatus)


class EventWriter:
    """Appends events to one file; each line is flushed at once so a reader sees it live."""

    def __init__(self, path):
        self.path = Path(path)

    def write(self, event: str, **fields) -> dict:
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event!r}")
        record = {"event": event, "time": round(time.time(), 3), **fields}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, default=float) + "\n")
        return record


def read_events(path, offset: int = 0) -> tuple[list[dict], int]:
    """Events after byte `offset`, and the offset to resume from: a live reader never re-reads.

    A line still being written (no newline yet) is left for the next call; a torn or garbled line (a
    disk that filled up mid-write, a kill) is skipped, so one bad line never hides the rest of the run.
    """
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return [], offset
    complete = chunk[: chunk.rfind(b"\n") + 1]
    events = [e for e in map(_event, complete.splitlines()) if e is not None]
    return events, offset + len(complete)


def _event(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError
        return None
    return event if isinstance(event, dict) and event.get("event") in EVENT_TYPES else None


def run_duration(events: list[dict], now: float | None = None) -> float:
    """Seconds spent running: from each "started" to its end event (or to now), summed across resumes."""
    total, began = 0.0, None
    for e in events:
        if e["event"] == STARTED:
            began = e["time"]
        elif e["event"] in END_EVENTS and began is not None:
            total, began = total + e["time"] - began, None
    if began is not None:
        total += (now if now is not None else time.time()) - began
    return total


def pace(first: dict | None, last: dict | None) -> tuple[float, float] | None:
    """(seconds left, steps per second) from two "log" events of one (re)start: the pace between them.
    None until there are two distinct steps to measure."""
    if not first or not last or last["step"] <= first["step"]:
        return None
    rate = (last["step"] - first["step"]) / max(last["time"] - first["time"], 1e-6)
    return (last["max_steps"] - last["step"]) / rate, rate
