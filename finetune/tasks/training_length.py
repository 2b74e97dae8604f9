"""How long a run trains when its epochs are left to the data (epochs = 0, each task's default): a budget of
training examples seen, so a small file still gets enough passes and a large one does not pay for ten.

The budgets are chosen on validation splits of the shared data sets (bench/training_length.py prints the runs
behind them; the figures are in the README, "Training length"). The run records the result: a "stage" event, a
note in results.json and results.json's `epochs`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

AUTO = 0.0  # RunConfig.epochs: from the data


@dataclass(frozen=True)
class TrainingLength:
    """Passes enough to see `examples` training examples, kept between min_epochs and max_epochs."""
    examples: int
    min_epochs: float = 1.0
    max_epochs: float = 10.0
    unit: str = "examples"  # what a training row is, in words: "sentences" for NER

    def epochs(self, rows: int) -> float:
        """Rounded up to a tenth of an epoch, so the budget is met."""
        wanted = math.ceil(10 * self.examples / max(1, rows)) / 10
        return min(self.max_epochs, max(self.min_epochs, wanted))

    def describe(self) -> str:
        if self.min_epochs == self.max_epochs:
            return f"{self.min_epochs:g} epoch{'' if self.min_epochs == 1 else 's'}, whatever the data's size"
        return (f"enough epochs to see about {self.examples:,} {self.unit}, "
                f"{self.min_epochs:g} to {self.max_epochs:g} epochs")

    def note(self, rows: int) -> str:
        """The run's note: the rule and what it gave for these rows."""
        epochs = self.epochs(rows)
        return (f"Training length from the data: {epochs:g} epochs over {rows:,} training {self.unit} "
                f"(the rule: {self.describe()}; set epochs to fix it).")


ONE_EPOCH = TrainingLength(examples=0, min_epochs=1.0, max_epochs=1.0)  # a task without a rule of its own


def resolve(config, length: TrainingLength, rows: int):
    """(config with real epochs, the note or None): epochs = 0 becomes the task's rule for `rows` rows."""
    if config.epochs != AUTO:
        return config, None
    return config.updated(epochs=length.epochs(rows)), length.note(rows)
