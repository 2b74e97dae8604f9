"""The Train tab's side of a Space's queue: a run waiting its turn shows its position, then starts.

The queue itself (ticket files in the runs root) is finetune/hosting/run_queue.py; here the waiting run's
state carries its ticket (FollowedRun.queued), and each timer tick asks for the current position. The
handlers return by name what they change in the Train tab's view; everything else stays as it is.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import gradio as gr

from ..hosting import run_queue
from ..hosting.gate import Started
from .followed_run import FollowedRun
from .messages import USER_ERRORS, error_box


def queue_line(position: int) -> str:
    return (f"Queued, position {position}: this Space trains one run at a time. Keep this page open; "
            "the run starts by itself when its turn comes (Stop leaves the queue).")


def waiting(view, started: Started) -> dict:
    """Start's outputs for a run that has to wait (gate.start_run's answer): its state, the timer, its place
    in line, no report."""
    return {view.run: FollowedRun(run_dir=started.run_dir, queued=started.ticket),
            view.timer: gr.Timer(active=True), view.status: queue_line(started.position),
            view.report.group: gr.update(visible=False)}


def follow(view, run: FollowedRun) -> dict:
    """A timer tick while waiting: the position, until the run starts and is followed like any other."""
    if not Path(run.queued).is_file():  # left with Stop: stop ticking, keep Stop's message
        return {view.run: replace(run, run_dir=None, queued=None), view.timer: gr.Timer(active=False)}
    try:
        position = run_queue.advance(run.queued)
    except USER_ERRORS as e:
        return {view.run: replace(run, run_dir=None, queued=None), view.timer: gr.Timer(active=False),
                view.status: error_box(e)}
    if position:
        return {view.timer: gr.Timer(active=True), view.status: queue_line(position)}
    return {view.run: replace(run, queued=None), view.timer: gr.Timer(active=True), view.status: "Starting…"}


def leave(run: FollowedRun) -> str:
    run_queue.leave(run.queued)
    return "Left the queue; nothing was trained."
