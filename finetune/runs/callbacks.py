"""The Trainer callback that turns training into events, checks its health and honours Stop (stop file
or SIGTERM)."""
from __future__ import annotations

import signal
import time
import threading
from pathlib import Path

from transformers import TrainerCallback

from .events import EVAL, HEALTH, LOG, EventWriter
from ..machine.health import HealthMonitor

LOG_FIELDS = ("loss", "learning_rate", "grad_norm")


class StopRequest:
    """True once the run was asked to end: a STOP file in the run folder, SIGTERM/SIGINT, or its time
    budget (max_seconds from now, a Space's limit) spent; `out_of_time` tells the last apart.

    stop_file None: a rank other than 0, which only hears signals; rank 0 reads the file for all of them."""

    def __init__(self, stop_file=None, max_seconds: float | None = None):
        self.stop_file = Path(stop_file) if stop_file else None
        self.signalled = False
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds if max_seconds else None
        if threading.current_thread() is threading.main_thread():  # a Ray Tune trial trains in a thread
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.signalled = True

    @property
    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def __bool__(self) -> bool:
        return self.signalled or self.asked_by_file or self.out_of_time

    @property
    def asked_by_file(self) -> bool:
        return self.stop_file is not None and self.stop_file.exists()


def agreed(asked: bool) -> bool:
    """Whether any rank was asked to stop, the same answer on every rank (one all_reduce a step); a rank
    that stopped alone would leave the others waiting in the next collective for ever. One process: asked."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return asked
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    flag = torch.tensor([int(asked)], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


class EventCallback(TrainerCallback):
    def __init__(self, writer: EventWriter, stop: StopRequest):
        self.writer, self.stop = writer, stop
        self.stopped_early = False
        self.health = HealthMonitor()

    def _progress(self, state) -> dict:
        return {"step": state.global_step, "max_steps": state.max_steps, "epoch": round(state.epoch or 0, 4)}

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" in logs:  # the final summary log has train_runtime but no loss: not a point
            self.writer.write(LOG, **self._progress(state), **{k: logs[k] for k in LOG_FIELDS if k in logs})
            self._report(self.health.on_loss(state.global_step, logs["loss"], state.max_steps))
        elif any(k.startswith("eval_") for k in logs):
            self.record_eval(state, logs)

    def record_eval(self, state, metrics: dict):
        kept = {k: v for k, v in metrics.items() if k.startswith("eval_") and "per_second" not in k}
        self.writer.write(EVAL, **self._progress(state), **kept)
        self._report(self.health.on_eval(state.global_step, kept.get("eval_loss")))

    def _report(self, findings):
        for finding in findings:
            self.writer.write(HEALTH, rule=finding.rule, level=finding.level, message=finding.message)

    def on_step_end(self, args, state, control, **kwargs):
        if agreed(bool(self.stop)):
            if not self.stopped_early and self.stop.out_of_time and not self.stop.asked_by_file:
                self.writer.write(HEALTH, rule="time_limit", level="warning",
                                  message=f"stopped after {self.stop.max_seconds / 60:g} minutes of training, this "
                                          "Space's limit per run; the model reached so far is saved and usable")
            self.stopped_early = True
            control.should_training_stop = True
            control.should_evaluate = False
            control.should_save = True  # a checkpoint to resume from; the engine also saves the model
        elif state.global_step >= state.max_steps:
            # The engine's final prediction is this evaluation and model/ its save: don't do either twice.
            control.should_evaluate = control.should_save = False


class CheckpointSpacing(TrainerCallback):
    """Lets a checkpoint the Trainer would write at an evaluation through only when `min_interval_s` have
    passed since the last one (or the start of training) and at least SAVE_COST_FACTOR times the last
    save's own duration: saves then take at most ~1/SAVE_COST_FACTOR of the run. `min_interval_s` 0 lets
    every one through. A Stop's checkpoint (EventCallback, after this one) is never held back."""

    SAVE_COST_FACTOR = 10

    def __init__(self, min_interval_s: float, clock=time.monotonic):
        self.min_interval_s, self.clock = min_interval_s, clock
        self.last_save = self.clock()
        self.save_cost = 0.0
        self.save_started = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.last_save = self.clock()

    def on_step_end(self, args, state, control, **kwargs):
        if not control.should_save or self.min_interval_s <= 0:  # 0: every evaluation, as asked
            return
        if self.clock() - self.last_save < max(self.min_interval_s, self.SAVE_COST_FACTOR * self.save_cost):
            control.should_save = False
        else:
            self.save_started = self.clock()

    def on_evaluate(self, args, state, control, **kwargs):
        if self.save_started is not None:  # the evaluation runs between step end and save: not the save's cost
            self.save_started = self.clock()

    def on_save(self, args, state, control, **kwargs):
        now = self.clock()
        if self.save_started is not None:
            self.save_cost = now - self.save_started
        self.last_save, self.save_started = now, None
