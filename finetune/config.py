"""The run config: every knob of a run, its default, range and help, in one dataclass.

The UI and the CLI both build a RunConfig and hand it to the same entry point
(`python -m finetune train --config RUN_DIR/config.json`). `to_training_arguments()` is the only
place that maps our fields onto transformers' TrainingArguments.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

TASK_NAMES = ("classification", "ner")
PRECISIONS = ("auto", "bf16", "fp32")


class ConfigError(ValueError):
    """A setting the user chose cannot work; the message says which and what to do."""


class DataError(ValueError):
    """The data cannot be trained on as it is; the message says what was found and what to do."""


def knob(default, help, *, min=None, max=None, step=None, choices=None, group="training"):
    """A config field with the metadata that the CLI (--help) and the UI (slider ranges) read."""
    meta = {"help": help, "min": min, "max": max, "step": step, "choices": choices, "group": group}
    return field(default=default, metadata=meta)


@dataclass
class RunConfig:
    # What to train
    task: str = knob("classification", "What the model learns to do.", choices=TASK_NAMES, group="task")
    model: str = knob("", "Base model: a Hub id, a local folder, or empty for the embedded "
                          "all-MiniLM-L6-v2 (works offline).", group="task")
    # Data
    data_file: str = knob("", "Training data: CSV, TSV or JSONL (NER also CoNLL).", group="data")
    eval_file: str = knob("", "Optional separate evaluation file; metrics are computed on it "
                              "and all of data_file is used for training.", group="data")
    text_column: str = knob("", "Column with the text (detected when empty).", group="data")
    label_column: str = knob("", "Column with the label (detected when empty).", group="data")
    val_size: float = knob(0.2, "Share of the data held out for validation (stratified by label).",
                           min=0.05, max=0.5, step=0.05, group="data")
    # Hyperparameters
    epochs: float = knob(3.0, "Passes over the training data.", min=0.1, max=50, step=0.5)
    batch_size: int = knob(16, "Examples per training step.", min=1, max=512, step=1)
    learning_rate: float = knob(1e-4, "Step size of the optimiser. Small encoders like MiniLM "
                                      "like 1e-4; base-size models 2e-5 to 5e-5.",
                                min=1e-6, max=1e-2)
    max_length: int = knob(0, "Longest input in tokens; 0 = chosen from the data (99th percentile, "
                              "capped by the model).", min=0, max=8192, step=8)
    warmup_ratio: float = knob(0.1, "Share of the steps spent ramping the learning rate up.",
                               min=0.0, max=0.5, step=0.01)
    weight_decay: float = knob(0.01, "L2-style regularisation of the weights.",
                               min=0.0, max=0.3, step=0.01)
    gradient_accumulation_steps: int = knob(1, "Steps whose gradients are summed before an update "
                                               "(a larger batch without more memory).",
                                            min=1, max=64, step=1)
    precision: str = knob("auto", "Number format: auto = bf16 where the hardware is fast at it.",
                          choices=PRECISIONS)
    seed: int = knob(42, "Random seed for the split, the head and the data order.",
                     min=0, max=2**31 - 1, step=1)
    logging_steps: int = knob(0, "Log the loss every N steps; 0 = about 50 points per run.",
                              min=0, max=10000, step=1)
    eval_steps: int = knob(0, "Evaluate every N steps; 0 = about 4 times per run.",
                           min=0, max=100000, step=1)

    def __post_init__(self):
        for f in fields(self):
            meta, value = f.metadata, getattr(self, f.name)
            if meta.get("choices") and value not in meta["choices"]:
                raise ConfigError(f"{f.name} must be one of {', '.join(meta['choices'])}; got {value!r}.")
            if meta.get("min") is not None and isinstance(value, (int, float)):
                if not (meta["min"] <= value <= meta["max"]) or math.isnan(value):
                    raise ConfigError(f"{f.name} must be between {meta['min']} and {meta['max']}; "
                                      f"got {value}.")

    # --- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "RunConfig":
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}.")
        values = {**TASK_DEFAULTS.get(values.get("task"), {}), **values}  # settings left out: the task's own
        return cls(**{k: _coerce(known[k], v) for k, v in values.items()})

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path) -> "RunConfig":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise ConfigError(f"Cannot read the config file {path}: {e}") from None

    def updated(self, **changes) -> "RunConfig":
        return RunConfig.from_dict({**self.to_dict(), **changes})

    # --- the one bridge to transformers ---------------------------------------------------------
    def to_training_arguments(self, output_dir, *, steps_per_epoch: int, use_bf16: bool):
        from transformers import TrainingArguments

        total_steps = max(1, math.ceil(steps_per_epoch * self.epochs / self.gradient_accumulation_steps))
        logging_steps = self.logging_steps or max(1, total_steps // 50)
        eval_steps = self.eval_steps or max(1, math.ceil(total_steps / 4))  # the last step is always evaluated
        return TrainingArguments(
            output_dir=str(output_dir),
            num_train_epochs=self.epochs,
            per_device_train_batch_size=self.batch_size,
            per_device_eval_batch_size=max(64, self.batch_size * 2),  # no gradients: bigger is cheaper
            gradient_accumulation_steps=self.gradient_accumulation_steps,
            learning_rate=self.learning_rate,
            warmup_steps=self.warmup_ratio,  # transformers 5: a float below 1 is a share of the run
            weight_decay=self.weight_decay,
            seed=self.seed,
            data_seed=self.seed,
            bf16=use_bf16,
            use_cpu=not _has_accelerator(),
            train_sampling_strategy="group_by_length",  # batches of similar length: less padding
            logging_strategy="steps",
            logging_steps=logging_steps,
            logging_first_step=True,
            eval_strategy="steps",
            eval_steps=eval_steps,
            save_strategy="no",  # the engine saves the final model itself
            report_to="none",
            disable_tqdm=True,
            dataloader_num_workers=0,
        )


def _has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available() or torch.backends.mps.is_available()


def _coerce(f, value):
    """JSON and CLI strings to the field's type; a wrong type is a ConfigError, not a crash later."""
    kind = type(f.default)
    if value is None:
        return f.default
    try:
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{f.name} must be a {kind.__name__}; got {value!r}.") from None


# Where a task trains best away from the fields' defaults (measured with bench/ner_check.py: the token head
# starts from scratch and 2,000 CoNLL sentences at 1e-4 / 3 epochs stay below 0.75 F1). from_dict fills
# them in for settings the caller left out, so `train --task ner` gets them; config.json keeps the result.
TASK_DEFAULTS = {"ner": dict(learning_rate=3e-4, epochs=4.0)}

# Presets from the guide's "Hyperparameter Tuning", scaled to the run instead of fixed warmup steps.
PRESETS = {
    "Quick demo (CPU)": dict(epochs=3.0, batch_size=16, learning_rate=1e-4, warmup_ratio=0.1,
                             weight_decay=0.01),
    "Conservative": dict(epochs=3.0, batch_size=16, learning_rate=2e-5, warmup_ratio=0.1,
                         weight_decay=0.01),
    "Aggressive": dict(epochs=5.0, batch_size=32, learning_rate=5e-5, warmup_ratio=0.1,
                       weight_decay=0.1),
}
