"""What a settings search tries: each searchable RunConfig field with its range, by task and model size.

A range is plain data (`Param`); `suggest(trial, space)` asks an Optuna trial for one value of each and
returns RunConfig field values. Small encoders (MiniLM-sized) like larger learning rates than base-size
models; LoRA adapters like larger ones still, and their rank is searched when LoRA is on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ConfigError


@dataclass(frozen=True)
class Param:
    name: str                  # the RunConfig field
    low: float | None = None
    high: float | None = None
    log: bool = False          # sampled uniformly in log space (learning rates)
    step: float | None = None  # a grid step (epochs in halves)
    choices: tuple = ()        # a categorical setting (batch sizes, LoRA ranks)

    def suggest(self, trial):
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if isinstance(self.low, int) and isinstance(self.high, int) and not self.log:
            return trial.suggest_int(self.name, self.low, self.high, step=int(self.step or 1))
        return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)

    def describe(self) -> str:
        if self.choices:
            return f"{self.name} in {{{', '.join(map(str, self.choices))}}}"
        return f"{self.name} {self.low:g} to {self.high:g}" + (" (log)" if self.log else "")


SMALL_HIDDEN = 512  # MiniLM (384) and the tiny test models are small; BERT-base (768) and up are not
SEARCHABLE = ("learning_rate", "epochs", "batch_size", "warmup_ratio", "weight_decay", "lora_rank")
DEFAULT_NAMES = ("learning_rate", "epochs", "batch_size", "warmup_ratio")


def full_space(*, small_model: bool, lora: bool) -> dict[str, Param]:
    """Every searchable setting's range for this model size (and LoRA or not)."""
    lr = (5e-5, 1e-3) if lora else (2e-5, 5e-4) if small_model else (1e-5, 1e-4)
    space = {
        "learning_rate": Param("learning_rate", *lr, log=True),
        "epochs": Param("epochs", 1.0, 5.0 if small_model else 4.0, step=0.5),
        "batch_size": Param("batch_size", choices=(8, 16, 32) if small_model else (8, 16)),
        "warmup_ratio": Param("warmup_ratio", 0.0, 0.2, step=0.05),
        "weight_decay": Param("weight_decay", 0.0, 0.1, step=0.01),
    }
    if lora:
        space["lora_rank"] = Param("lora_rank", choices=(4, 8, 16, 32))
    return space


def search_space(names: list[str] | None, *, small_model: bool, lora: bool) -> dict[str, Param]:
    """The ranges of the chosen settings (default: learning rate, epochs, batch size, warmup, and LoRA rank
    when LoRA is on); a setting that cannot be searched here is a ConfigError naming those that can."""
    space = full_space(small_model=small_model, lora=lora)
    chosen = list(names) if names else [*DEFAULT_NAMES, *(["lora_rank"] if lora else [])]
    unknown = [n for n in chosen if n not in space]
    if unknown:
        raise ConfigError(f"Cannot search {', '.join(unknown)}; the settings searched here are "
                          f"{', '.join(space)}" + ("" if lora else " (lora_rank only when LoRA is on)") + ".")
    return {n: space[n] for n in chosen}


def including(space: dict[str, Param], values: dict) -> dict[str, Param]:
    """The ranges widened to hold the given values (the user's own settings are always a candidate)."""
    widened = {}
    for name, param in space.items():
        value = values.get(name)
        if value is None:
            widened[name] = param
        elif param.choices:
            widened[name] = replace(param, choices=tuple(sorted({*param.choices, value})))
        else:
            low, high = min(param.low, value), max(param.high, value)
            if param.step:  # the grid must still fit between low and high
                high = low + round((high - low) / param.step) * param.step
            widened[name] = replace(param, low=type(param.low)(low), high=type(param.high)(high))
    return widened


def parse_names(text: str | list[str] | None) -> list[str]:
    """--space "lr,epochs" or the UI's list; `lr` is short for learning_rate."""
    items = text.split(",") if isinstance(text, str) else list(text or [])
    names = [n.strip().replace("-", "_") for n in items if n.strip()]
    return ["learning_rate" if n in ("lr", "learning_rate") else n for n in names]


def suggest(trial, space: dict[str, Param]) -> dict:
    """One value per searched setting, as RunConfig field values."""
    return {name: param.suggest(trial) for name, param in space.items()}


def searches_lora(task, config) -> bool:
    """LoRA rank is searched where the task trains LoRA adapters (text generation) and LoRA is on."""
    return task.generates_text and config.lora == "on"


def is_small(model_path: str) -> bool:
    """A MiniLM-sized model (hidden size up to 512), read from its config alone."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model_path)
    hidden = getattr(config, "hidden_size", None) or getattr(config, "n_embd", None) or 0
    return hidden <= SMALL_HIDDEN
