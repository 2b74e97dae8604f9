"""The Train tab's side of a Space's queue: a run waiting its turn shows its position, then starts.

The queue itself (ticket files in the runs root) is finetune/run_queue.py; here the waiting run's state
carries its ticket ("queued"), and each timer tick asks for the current position.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..hosting import run_queue
from .messages import USER_ERRORS, error_box

FOLLOW_OUTPUTS = 11  # follow_run's outputs after run, timer and status


def queue_line(position: int) -> str:
    return (f"⏳ Queued, position {position}: this Space trains one run at a time. Keep this page open; "
            "the run starts by itself when its turn comes (Stop leaves the queue).")


def waiting(order: dict, empty_run: dict):
    """Start's outputs for a run that has to wait: run state, timer, status, report group."""
    run = {**empty_run, "run_dir": order["run_dir"], "queued": order["ticket"]}
    return run, gr.Timer(active=True), queue_line(order["position"]), gr.update(visible=False)


def follow(run: dict):
    """A timer tick while waiting: the position, until the run starts and is followed like any other."""
    if not Path(run["queued"]).is_file():  # left with Stop: stop ticking, keep Stop's message
        return {**run, "run_dir": None, "queued": None}, gr.Timer(active=False), gr.update(), \
            *[gr.update()] * FOLLOW_OUTPUTS
    try:
        position = run_queue.advance(run["queued"])
    except USER_ERRORS as e:
        return {**run, "run_dir": None, "queued": None}, gr.Timer(active=False), error_box(e), \
            *[gr.update()] * FOLLOW_OUTPUTS
    if position:
        return run, gr.Timer(active=True), queue_line(position), *[gr.update()] * FOLLOW_OUTPUTS
    return {**run, "queued": None}, gr.Timer(active=True), "⏳ Starting…", *[gr.update()] * FOLLOW_OUTPUTS


def leave(run: dict) -> str:
    run_queue.leave(run["queued"])
    return "Left the queue; nothing was trained."
