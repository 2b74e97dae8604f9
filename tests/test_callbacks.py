"""callbacks: checkpoints spaced by time and by the cost of a save; Stop's checkpoint always written."""
from types import SimpleNamespace

from finetune.callbacks import CheckpointSpacing


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def wants_save():
    return SimpleNamespace(should_save=True)


def test_a_checkpoint_waits_for_the_interval_since_the_start_or_the_last_save():
    clock = Clock()
    spacing = CheckpointSpacing(60.0, clock=clock)
    spacing.on_train_begin(None, None, None)
    clock.now = 30.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is False  # 30 s in: too soon
    clock.now = 61.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is True
    clock.now = 62.0
    spacing.on_save(None, None, control)
    clock.now = 100.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is False  # 38 s after the last save


def test_a_slow_save_spaces_the_next_one_by_ten_times_its_cost():
    clock = Clock()
    spacing = CheckpointSpacing(1.0, clock=clock)
    clock.now = 10.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    clock.now = 15.0  # a 5 s evaluation: not counted as the save's cost
    spacing.on_evaluate(None, None, control)
    clock.now = 17.0  # the save took 2 s
    spacing.on_save(None, None, control)
    assert spacing.save_cost == 2.0
    clock.now = 30.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is False  # 13 s after a 2 s save: under 10x
    clock.now = 38.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is True


def test_steps_without_a_save_are_left_alone():
    spacing = CheckpointSpacing(60.0, clock=Clock())
    control = SimpleNamespace(should_save=False)
    spacing.on_step_end(None, None, control)
    assert control.should_save is False and spacing.save_started is None


def test_interval_zero_saves_at_every_evaluation_however_slow():
    clock = Clock()
    spacing = CheckpointSpacing(0.0, clock=clock)
    spacing.save_cost = 100.0
    control = wants_save()
    spacing.on_step_end(None, None, control)
    assert control.should_save is True
