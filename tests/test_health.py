"""Health rules on synthetic loss sequences: each warns when it should, and only then."""
import math

import pytest

from finetune.machine.health import (HealthMonitor, TrainingDiverged, is_out_of_memory, loss_not_falling, out_of_memory_advice, overfitting)
from finetune.config import RunConfig


def falling(n, start=1.1, end=0.1):
    return [start + (end - start) * i / (n - 1) for i in range(n)]


def test_a_flat_loss_is_flagged_only_after_a_third_of_the_run():
    flat = [1.10, 1.09, 1.11, 1.10, 1.08, 1.10, 1.11, 1.09, 1.10, 1.10]
    assert loss_not_falling(flat, steps_done=40, max_steps=100)
    assert not loss_not_falling(flat, steps_done=20, max_steps=100)  # too early to judge
    assert not loss_not_falling(flat[:5], steps_done=40, max_steps=100)  # too few points
    assert not loss_not_falling(falling(10), steps_done=40, max_steps=100)


def test_overfitting_needs_rising_validation_and_falling_training_loss():
    train = list(zip(range(1, 101), falling(100)))
    rising = [(25, 0.5), (50, 0.55), (75, 0.6), (100, 0.7)]
    assert overfitting(train, rising)
    assert not overfitting(train, [(25, 0.5), (50, 0.45), (75, 0.6), (100, 0.7)][:3])  # fell, then rose once
    assert not overfitting(train, [(25, 0.5), (50, 0.4), (75, 0.3)])
    flat_train = [(s, 0.5) for s in range(1, 101)]
    assert not overfitting(flat_train, rising)  # both bad: not the overfitting pattern


def test_monitor_reports_each_finding_once_in_plain_words():
    monitor = HealthMonitor()
    findings = [f for step in range(1, 41) for f in monitor.on_loss(step, 1.1, max_steps=100)]
    assert [f.rule for f in findings] == ["loss_not_falling"]
    assert "Check that the labels match" in findings[0].message and "raise the learning rate" in findings[0].message


def test_monitor_warns_about_overfitting_with_what_to_do():
    monitor = HealthMonitor()
    for step, loss in zip(range(1, 101), falling(100)):
        monitor.on_loss(step, loss, max_steps=100)
    found = [f for step, loss in [(25, 0.5), (50, 0.55), (75, 0.6)] for f in monitor.on_eval(step, loss)]
    assert [f.rule for f in found] == ["overfitting"] and "early stopping" in found[0].message


@pytest.mark.parametrize("loss", [math.nan, math.inf])
def test_a_broken_loss_ends_the_run_with_advice(loss):
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        HealthMonitor().on_loss(3, loss, max_steps=100)


def test_out_of_memory_is_recognised_and_explained():
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    advice = out_of_memory_advice(RunConfig(batch_size=32, max_length=256), "NVIDIA T4")
    assert "batch size 16 with gradient accumulation 2" in advice and "max length 256" in advice
    assert "smaller model" in advice


def test_the_callback_writes_findings_as_health_events_and_ends_on_nan(tmp_path):
    from types import SimpleNamespace

    from finetune.runs.callbacks import EventCallback
    from finetune.runs.events import EventWriter, read_events

    callback = EventCallback(EventWriter(tmp_path / "events.jsonl"), stop=False)
    state = SimpleNamespace(global_step=0, max_steps=100, epoch=0.0)
    for step in range(1, 41):
        state.global_step = step
        callback.on_log(None, state, None, logs={"loss": 1.1})
    health = [e for e in read_events(tmp_path / "events.jsonl")[0] if e["event"] == "health"]
    assert [(e["rule"], e["level"]) for e in health] == [("loss_not_falling", "warning")]
    with pytest.raises(TrainingDiverged, match="became nan at step 40"):
        callback.on_log(None, state, None, logs={"loss": float("nan")})


def test_after_resume_the_loss_check_reads_the_whole_runs_history():
    """Issue 27: after Resume it warned "loss not falling" on a run whose loss was falling: the monitor
    started empty and compared the resumed part (already low and flat) with itself."""
    history = [{"event": "log", "step": s, "loss": loss} for s, loss in zip(range(1, 41), falling(40, 1.1, 0.3))]
    after = [0.30, 0.29, 0.31, 0.30, 0.30, 0.29, 0.31, 0.30, 0.30]
    fresh = HealthMonitor()
    assert any(f.rule == "loss_not_falling" for s, loss in zip(range(41, 50), after)
               for f in fresh.on_loss(s, loss, 60))  # what the old, empty monitor said
    seeded = HealthMonitor()
    seeded.seed(history + [{"event": "log", "step": 45, "loss": 0.9}], up_to_step=40)  # step 45: after the checkpoint
    assert [loss for _, loss in seeded.losses][-1] == pytest.approx(0.3)
    assert not [f for s, loss in zip(range(41, 50), after) for f in seeded.on_loss(s, loss, 60)]


def test_a_finding_reported_before_the_resume_is_not_reported_again():
    monitor = HealthMonitor()
    monitor.seed([{"event": "health", "rule": "overfitting", "level": "warning", "message": "..."}], up_to_step=0)
    assert "overfitting" in monitor.reported
