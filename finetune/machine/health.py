"""Training health: the guide's "Common Issues", checked live on the loss and evaluation history.

Each rule is a small pure function over plain numbers, so it is tested on synthetic sequences.
`HealthMonitor` feeds them from the Trainer's logs and reports each finding once; the callback writes
findings as "health" events, and a NaN loss ends the run with `TrainingDiverged`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError

WARNING, ERROR = "warning", "error"
MIN_POINTS = 8            # loss points before "not falling" is judged
NOT_FALLING_AFTER = 0.3   # share of the run after which a flat loss is suspicious
FLAT_RATIO = 0.97         # recent loss above 97% of the first loss counts as flat
RISES_TO_WARN = 2         # consecutive validation-loss rises that mean overfitting


class TrainingDiverged(ConfigError):
    """The loss became NaN or infinite; the settings (usually the learning rate) must change."""


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    message: str


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def loss_is_broken(loss: float) -> bool:
    return not math.isfinite(loss)


def loss_not_falling(losses: list[float], steps_done: int, max_steps: int) -> bool:
    """A third of the way in, the recent training loss is still about where it started."""
    if len(losses) < MIN_POINTS or steps_done < NOT_FALLING_AFTER * max_steps:
        return False
    return _mean(losses[-3:]) >= FLAT_RATIO * _mean(losses[:3])


def overfitting(train_losses: list[tuple[int, float]], eval_losses: list[tuple[int, float]]) -> bool:
    """Validation loss rose at the last evaluations while the training loss kept falling.

    Both lists hold (step, loss) pairs in step order."""
    if len(eval_losses) < RISES_TO_WARN + 1:
        return False
    recent = [loss for _, loss in eval_losses[-(RISES_TO_WARN + 1):]]
    if not all(later > earlier for earlier, later in zip(recent, recent[1:])):
        return False
    since = eval_losses[-(RISES_TO_WARN + 1)][0]
    before = [loss for step, loss in train_losses if step <= since][-3:]
    after = [loss for step, loss in train_losses if step > since][-3:]
    return bool(before and after) and _mean(after) < _mean(before)


def is_out_of_memory(error: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", ())
    return isinstance(error, oom) or (isinstance(error, RuntimeError) and "out of memory" in str(error).lower())


def out_of_memory_advice(config, device: str) -> str:
    half = max(1, config.batch_size // 2)
    length = f"max length {config.max_length}" if config.max_length else "the max length fitted to the data"
    return (f"Out of memory on {device} with batch size {config.batch_size} and {length}. Try: batch size "
            f"{half} with gradient accumulation {config.gradient_accumulation_steps * 2} (the same effective "
            "batch), a shorter max length, or a smaller model.")


class HealthMonitor:
    """Fed with every logged loss and evaluation; returns the findings not reported before."""

    def __init__(self):
        self.losses: list[tuple[int, float]] = []
        self.eval_losses: list[tuple[int, float]] = []
        self.reported: set[str] = set()

    def seed(self, events: list[dict], up_to_step: int) -> None:
        """A resumed run's history: the losses and evaluations logged up to the checkpoint it resumes from,
        and the findings already reported, so "not falling" compares against the run's real start."""
        losses, evals = {}, {}
        for e in events:
            if e.get("event") == "log" and "loss" in e and e.get("step", 0) <= up_to_step:
                losses[e["step"]] = e["loss"]
            elif e.get("event") == "eval" and e.get("eval_loss") is not None and e.get("step", 0) <= up_to_step:
                evals[e["step"]] = e["eval_loss"]
            elif e.get("event") == "health" and e.get("rule"):
                self.reported.add(e["rule"])
        self.losses, self.eval_losses = sorted(losses.items()), sorted(evals.items())

    def on_loss(self, step: int, loss: float, max_steps: int) -> list[Finding]:
        if loss_is_broken(loss):
            raise TrainingDiverged(
                f"The training loss became {loss} at step {step}: training diverged. Lower the learning rate "
                "(try 10x smaller), use fp32 precision, and check the data for odd or empty texts.")
        self.losses.append((step, loss))
        values = [v for _, v in self.losses]
        if loss_not_falling(values, step, max_steps):
            return self._once(Finding("loss_not_falling", WARNING, (
                f"The training loss has not fallen after {step} of {max_steps} steps "
                f"({_mean(values[:3]):.3f} → {_mean(values[-3:]):.3f}). Check that the labels match the "
                "texts (the label column is right, labels are not shuffled), or raise the learning rate.")))
        return []

    def on_eval(self, step: int, eval_loss: float | None) -> list[Finding]:
        if eval_loss is None or not math.isfinite(eval_loss):
            return []
        self.eval_losses.append((step, eval_loss))
        if overfitting(self.losses, self.eval_losses):
            first, last = self.eval_losses[-(RISES_TO_WARN + 1)][1], eval_loss
            return self._once(Finding("overfitting", WARNING, (
                f"Validation loss has risen for {RISES_TO_WARN} evaluations ({first:.3f} → {last:.3f}) while the "
                "training loss keeps falling: the model is memorising the training data. Use fewer epochs, "
                "or tick early stopping (with load best model at end).")))
        return []

    def _once(self, finding: Finding) -> list[Finding]:
        if finding.rule in self.reported:
            return []
        self.reported.add(finding.rule)
        return [finding]
