"""The Trainer callback that turns training into events, checks its health and honours Stop (stop file
or SIGTERM)."""
from __future__ import annotations

import signal
import threading
from pathlib import Path

from transformers import TrainerCallback

from .events import EVAL, HEALTH, LOG, EventWriter
from .health import HealthMonitor

LOG_FIELDS = ("loss", "learning_rate", "grad_norm")


class StopRequest:
    """True once the run was asked to end: a STOP file in the run folder, or SIGTERM/SIGINT."""

    def __init__(self, stop_file):
        self.stop_file = Path(stop_file)
        self.signalled = False
        if threading.current_thread() is threading.main_thread():  # a Ray Tune trial trains in a thread
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.signalled = True

    def __bool__(self) -> bool:
        return self.signalled or self.stop_file.exists()


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
        if self.stop:
            self.stopped_early = True
            control.should_training_stop = True
            control.should_evaluate = False
            control.should_save = True  # a checkpoint to resume from; the engine also saves the model
        elif state.global_step >= state.max_steps:
            # The engine's final prediction is this evaluation and model/ its save: don't do either twice.
            control.should_evaluate = control.should_save = False
