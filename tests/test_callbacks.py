"""callbacks: checkpoints spaced by time and by the cost of a save; Stop's checkpoint always written."""
from types import SimpleNamespace

from finetune.runs.callbacks import CheckpointSpacing


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def wants_save():
    return SimpleNamespace(should_save=True)


def saves_at(spacing, clock, now: float) -> bool:
    """Whether a step ending at `now` that asks for a checkpoint keeps it."""
    clock.now = now
    control = wants_save()
    spacing.on_step_end(None, None, control)
    return control.should_save


def test_a_checkpoint_waits_for_the_interval_since_the_start_or_the_last_save():
    clock = Clock()
    spacing = CheckpointSpacing(60.0, clock=clock)
    spacing.on_train_begin(None, None, None)
    assert not saves_at(spacing, clock, 30.0)  # 30 s in: too soon
    assert saves_at(spacing, clock, 61.0)
    clock.now = 62.0
    spacing.on_save(None, None, wants_save())
    assert not saves_at(spacing, clock, 100.0)  # 38 s after the last save


def test_a_slow_save_spaces_the_next_one_by_ten_times_its_cost():
    clock = Clock()
    spacing = CheckpointSpacing(1.0, clock=clock)
    assert saves_at(spacing, clock, 10.0)
    clock.now = 15.0  # a 5 s evaluation: not counted as the save's cost
    spacing.on_evaluate(None, None, wants_save())
    clock.now = 17.0  # the save took 2 s
    spacing.on_save(None, None, wants_save())
    assert spacing.save_cost == 2.0
    assert not saves_at(spacing, clock, 30.0)  # 13 s after a 2 s save: under 10x
    assert saves_at(spacing, clock, 38.0)


def test_steps_without_a_save_are_left_alone():
    spacing = CheckpointSpacing(60.0, clock=Clock())
    control = SimpleNamespace(should_save=False)
    spacing.on_step_end(None, None, control)
    assert control.should_save is False and spacing.save_started is None


def test_interval_zero_saves_at_every_evaluation_however_slow():
    clock = Clock()
    spacing = CheckpointSpacing(0.0, clock=clock)
    spacing.save_cost = 100.0
    assert saves_at(spacing, clock, 1.0)
