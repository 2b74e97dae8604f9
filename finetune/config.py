"""The run config: every knob of a run, its default, range and help, in one dataclass.

The UI and the CLI both build a RunConfig and hand it to the same entry point
(`python -m finetune train --config RUN_DIR/config.json`). `training/arguments.py` is the only
place that maps our fields onto transformers' TrainingArguments.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import ConfigError, DataError  # noqa: F401  (re-exported: callers import them from here too)
from .runs.atomic import write_atomic
from .tasks import DEFAULT_TASK, TASK_NAMES, get_task
from .tasks.advice import METHOD_HELP, METHOD_TITLES, METHODS

PRECISIONS = ("auto", "bf16", "fp16", "fp32")
RARE_CLASS_CHOICES = ("keep", "drop", "merge")
BALANCE_CHOICES = ("none", "class_weights", "downsample")
TEXT_MODES = ("corpus", "lines")
LORA_CHOICES = ("auto", "on", "off")
REPORT_TARGETS = ("tensorboard", "trackio", "wandb", "mlflow")  # the Trainer's report_to integrations we offer


def knob(default, help, *, min=None, max=None, step=None, choices=None, group="training", multiple=False,
         titles=None):
    """A config field with the metadata that the CLI (--help) and the UI (slider ranges) read.

    multiple: the value is a comma-separated list of `choices` (a multi-select in the UI); titles: what the UI
    calls each choice."""
    meta = {"help": help, "min": min, "max": max, "step": step, "choices": choices, "group": group,
            "multiple": multiple, "titles": titles or {}}
    return field(default=default, metadata=meta)


@dataclass
class RunConfig:
    # What to train
    task: str = knob(DEFAULT_TASK, "What the model learns to do.", choices=TASK_NAMES, group="task")
    model: str = knob("", "Base model: a Hub id, a local folder, or empty for the embedded "
                          "all-MiniLM-L6-v2 (works offline).", group="task")
    method: str = knob("finetune", METHOD_HELP, choices=METHODS, group="method", titles=METHOD_TITLES)
    # Data
    data_file: str = knob("", "Training data: CSV, TSV, JSONL, JSON, Excel (.xlsx) or Parquet (NER also CoNLL).", group="data")
    eval_file: str = knob("", "Optional separate evaluation file; metrics are computed on it "
                              "and all of data_file is used for training.", group="data")
    text_column: str = knob("", "Column with the text (detected when empty); several columns separated "
                                "by commas are joined.", group="data")
    label_column: str = knob("", "Column with the label (detected when empty).", group="data")
    prompt_column: str = knob("", "Text generation: column with the prompt; with response_column the model "
                                  "learns to answer (loss on the response only).", group="data")
    response_column: str = knob("", "Text generation: column with the response to each prompt.", group="data")
    text_mode: str = knob("corpus", "Text generation: corpus = texts joined and packed into full blocks (a .txt "
                                    "file is split at blank lines); lines = each line or row is one example.",
                          choices=TEXT_MODES, group="data")
    test_file: str = knob("", "Optional separate test file; the final report is computed on it.", group="data")
    val_size: float = knob(0.2, "Share of the data held out for validation (stratified by label).",
                           min=0.05, max=0.5, step=0.05, group="data")
    test_size: float = knob(0.0, "Share held out as a test set, never seen in training or model choice; "
                                 "the final report is computed on it. 0 = report on validation.",
                            min=0.0, max=0.5, step=0.05, group="data")
    # Data remedies: each is one click in the Data tab, recorded here so the run can be repeated.
    clean_text: bool = knob(False, "Normalise whitespace and remove control characters in the text.",
                            group="remedies")
    drop_duplicates: bool = knob(False, "Keep one copy of repeated rows; drop texts that appear with "
                                        "different labels.", group="remedies")
    merge_label_variants: bool = knob(False, "Treat 'Legal', 'legal ' and 'LEGAL' as one label (the most "
                                             "common spelling).", group="remedies")
    rare_classes: str = knob("keep", "Classes with fewer than rare_min_rows rows: keep, drop them, or merge "
                                     "them into one 'other' class.", choices=RARE_CLASS_CHOICES, group="remedies")
    rare_min_rows: int = knob(10, "How many rows a class needs not to count as rare.",
                              min=2, max=1000, step=1, group="remedies")
    balance: str = knob("none", "For imbalanced classes: none, class_weights (rare classes weigh more in "
                                "the loss) or downsample (cut every class to the smallest one's size).",
                        choices=BALANCE_CHOICES, group="remedies")
    label_edits: str = knob("", "Label review: corrections as JSON, {\"relabel\": {row: label}, \"drop\": [rows], "
                                "\"given\": {row: label}} (rows as numbered in data_file); applied after the "
                                "remedies.", group="remedies")
    # Hyperparameters
    epochs: float = knob(3.0, "Passes over the training data; 0 = from the data size (the task's rule: enough "
                              "passes to see a set number of examples, so a small file gets more passes and a "
                              "large one fewer).", min=0.0, max=50, step=0.5)
    batch_size: int = knob(16, "Examples per training step.", min=1, max=512, step=1)
    learning_rate: float = knob(1e-4, "Step size of the optimiser. Small encoders like MiniLM "
                                      "like 1e-4; base-size models 2e-5 to 5e-5.",
                                min=1e-6, max=1e-2)
    dropout: float = knob(0.0, "Dropout rate of every dropout layer while training (the saved model keeps its "
                               "own). 0 trains 1.5-3x faster on a CPU, where dropout's random masks cost more "
                               "than the model's matrix products; 0.1 is what BERT-like models were pretrained with.",
                          min=0.0, max=0.5, step=0.05)
    freeze_embeddings: bool = knob(True, "Keep the pretrained word-embedding table fixed (half of a small encoder's "
                                         "weights, a few rows of it used per step): faster steps, less optimizer "
                                         "memory. Never for language models, whose embeddings are their output.")
    max_length: int = knob(0, "Longest input in tokens; 0 = chosen from the data (99th percentile, "
                              "capped by the model).", min=0, max=8192, step=8)
    warmup_ratio: float = knob(0.1, "Share of the steps spent ramping the learning rate up.",
                               min=0.0, max=0.5, step=0.01)
    weight_decay: float = knob(0.01, "L2-style regularisation of the weights.",
                               min=0.0, max=0.3, step=0.01)
    gradient_accumulation_steps: int = knob(1, "Steps whose gradients are summed before an update "
                                               "(a larger batch without more memory).",
                                            min=1, max=64, step=1)
    precision: str = knob("auto", "Number format: auto = what the hardware is fast at: bf16 on CPUs with AMX or "
                                  "AVX512-BF16 and on Ampere+ GPUs, fp16 on older GPUs, fp32 elsewhere (a CPU "
                                  "without bf16 instructions emulates it, ~600x slower). fp16 needs a GPU.",
                          choices=PRECISIONS)
    seed: int = knob(42, "Random seed for the split, the head and the data order.",
                     min=0, max=2**31 - 1, step=1)
    logging_steps: int = knob(0, "Log the loss every N steps; 0 = about 50 points per run.",
                              min=0, max=10000, step=1)
    eval_steps: int = knob(0, "Evaluate every N steps; 0 = about 4 times per run.",
                           min=0, max=100000, step=1)
    # Checkpoints, early stopping and logging (resume needs a checkpoint; Stop always writes one)
    checkpoint_every_eval: bool = knob(True, "Save checkpoints at evaluations, so a crashed run can resume "
                                             "from one (a stopped run always can); spaced by checkpoint_minutes.",
                                       group="checkpoints")
    checkpoint_minutes: float = knob(5.0, "Least time between two checkpoints (weights + optimizer state, "
                                          "~270 MB for MiniLM); a save is also never closer than 10x its own "
                                          "duration to the last. 0 = at every evaluation.",
                                     min=0.0, max=600.0, step=0.5, group="checkpoints")
    live_eval_rows: int = knob(256, "Validation rows scored at each evaluation during training: a fixed "
                                    "sample (seeded), so the live plot costs little; the whole validation "
                                    "set is scored at the end. 0 = the whole set every time.",
                               min=0, max=1000000, step=1, group="checkpoints")
    checkpoint_limit: int = knob(2, "Checkpoints kept on disk; older ones are deleted.",
                                 min=1, max=100, step=1, group="checkpoints")
    early_stopping: bool = knob(False, "Stop when the main metric has not improved for `patience` "
                                       "evaluations (guards against overfitting).", group="checkpoints")
    early_stopping_patience: int = knob(3, "Evaluations without improvement before early stopping ends the run.",
                                        min=1, max=100, step=1, group="checkpoints")
    load_best_model_at_end: bool = knob(False, "Keep the best evaluated checkpoint as the final model, "
                                               "not the last one.", group="checkpoints")
    report_to: str = knob("", "Also log the run to these trackers, comma-separated: tensorboard, trackio, wandb, "
                              "mlflow. Each works offline into the run folder (W&B in offline mode) and needs "
                              "its package; empty = the run folder only.", choices=REPORT_TARGETS,
                          group="checkpoints", multiple=True)
    # Text generation only
    block_size: int = knob(256, "Text generation: tokens per training block (and the longest example).",
                           min=16, max=4096, step=16, group="language_model")
    lora: str = knob("auto", "Text generation: train small LoRA adapters instead of every weight (less "
                             "memory); auto = on for models over 300M parameters.",
                     choices=LORA_CHOICES, group="language_model")
    # Bigger hardware: several training processes (GPUs) on this machine, or one run across machines (launch.py)
    processes: int = knob(1, "Training processes on this machine, one per GPU (through torchrun); 1 = no "
                             "launcher. batch_size stays the examples per step, split across them.",
                          min=1, max=64, step=1, group="hardware")
    nnodes: int = knob(1, "Machines in the run; each runs the same command with its own node_rank.",
                       min=1, max=1024, step=1, group="hardware")
    node_rank: int = knob(0, "This machine's number in a run across machines: 0 (writes the run folder) "
                             "to nnodes - 1.", min=0, max=1023, step=1, group="hardware")
    master_addr: str = knob("127.0.0.1", "Address of machine 0, which every machine can reach (several "
                                         "machines only).", group="hardware")
    master_port: int = knob(29500, "A free port on machine 0 for the processes to meet (several machines only).",
                            min=1, max=65535, step=1, group="hardware")
    fsdp: bool = knob(False, "Shard the model, gradients and optimiser state across the GPUs (FSDP), for a "
                             "model too big for one GPU. GPUs only.", group="hardware")
    lora_rank: int = knob(16, "Text generation with LoRA: rank of the adapters (more = more capacity, more "
                              "memory); alpha is twice the rank.", min=1, max=256, step=1, group="language_model")

    def __post_init__(self):
        for f in fields(self):
            meta, value = f.metadata, getattr(self, f.name)
            if meta.get("multiple"):
                unknown = [v for v in self.listed(f.name) if v not in meta["choices"]]
                if unknown:
                    raise ConfigError(f"{f.name} takes {', '.join(meta['choices'])} (comma-separated); "
                                      f"got {', '.join(map(repr, unknown))}.")
            elif meta.get("choices") and value not in meta["choices"]:
                raise ConfigError(f"{f.name} must be one of {', '.join(meta['choices'])}; got {value!r}.")
            if meta.get("min") is not None and isinstance(value, (int, float)):
                if not (meta["min"] <= value <= meta["max"]) or math.isnan(value):
                    raise ConfigError(f"{f.name} must be between {meta['min']} and {meta['max']}; "
                                      f"got {value}.")
        if self.node_rank >= self.nnodes:
            raise ConfigError(f"node_rank must be below nnodes ({self.nnodes}); got {self.node_rank}. "
                              "Number the machines 0 to nnodes - 1.")
        if self.val_size + self.test_size > 0.7:
            raise ConfigError(f"Validation ({self.val_size}) and test ({self.test_size}) shares leave too little "
                              "to train on; keep them at 0.7 or less together.")

    # --- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "RunConfig":
        known = {f.name: f for f in fields(cls)}
        values = _renamed(values)
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}.")
        if values.get("task") in TASK_NAMES:  # settings left out: the task's own defaults
            values = {**get_task(values["task"]).defaults, **values}
        return cls(**{k: _coerce(known[k], v) for k, v in values.items()})

    def save(self, path) -> None:
        write_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")  # torchrun ranks read it at resume

    @classmethod
    def load(cls, path) -> "RunConfig":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise ConfigError(f"Cannot read the config file {path}: {e}") from None

    def updated(self, **changes) -> "RunConfig":
        return RunConfig.from_dict({**self.to_dict(), **changes})

    def listed(self, name: str) -> list[str]:
        """A comma-separated field as a list: report_to "tensorboard, mlflow" -> ["tensorboard", "mlflow"]."""
        return [v.strip() for v in str(getattr(self, name)).split(",") if v.strip()]

    def wants_bf16(self, fast_bf16: bool) -> bool:
        """bf16 when asked for, or on auto where the hardware is fast at it: the one rule."""
        return self.precision == "bf16" or (self.precision == "auto" and fast_bf16)

    def training_precision(self, hardware) -> str:
        """bf16, fp16 or fp32: the one asked for, or on auto the hardware's (Hardware.precision)."""
        if self.precision == "fp16" and hardware.device != "cuda":
            raise ConfigError("fp16 mixed precision needs a CUDA GPU; none was found. Use auto (fp32 or bf16, "
                              "whichever this machine is fast at).")
        return hardware.precision if self.precision == "auto" else self.precision

    @property
    def keeps_checkpoints(self) -> bool:
        return self.checkpoint_every_eval or self.load_best_model_at_end or self.early_stopping

    @property
    def checkpoint_interval_s(self) -> float:
        """Least seconds between checkpoints; 0 where best-model tracking needs one at every evaluation."""
        return 0.0 if self.load_best_model_at_end or self.early_stopping else self.checkpoint_minutes * 60


RENAMED_FIELDS = ("tensorboard",)  # older config.json keys that _renamed maps onto today's fields


def _renamed(values: dict) -> dict:
    """Settings of older config.json files under today's names: `tensorboard: true` is report_to tensorboard."""
    if "tensorboard" not in values:
        return values
    values = dict(values)
    if _as_bool(values.pop("tensorboard")):
        targets = [v.strip() for v in str(values.get("report_to") or "").split(",") if v.strip()]
        values["report_to"] = ",".join(dict.fromkeys(["tensorboard", *targets]))
    return values


def _as_bool(value) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")


def _coerce(f, value):
    """JSON and CLI strings to the field's type; a wrong type is a ConfigError, not a crash later."""
    kind = type(f.default)
    if value is None:
        return f.default
    if f.metadata.get("multiple") and isinstance(value, (list, tuple)):  # the UI's multi-select
        return ",".join(str(v) for v in value)
    try:
        if kind is bool:
            return _as_bool(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{f.name} must be a {kind.__name__}; got {value!r}.") from None


def task_defaults(task: str) -> dict:
    """A task's own starting values where they differ from the fields' defaults (Task.defaults). from_dict
    fills them in for settings the caller left out (so `train --task ner` gets them; config.json keeps the
    result), and the UI's default preset applies them."""
    return dict(get_task(task).defaults)


# Presets from the guide's "Hyperparameter Tuning", scaled to the run instead of fixed warmup steps.
PRESETS = {
    "Quick demo (CPU)": dict(epochs=3.0, batch_size=16, learning_rate=1e-4, warmup_ratio=0.1, weight_decay=0.01),
    "Conservative": dict(epochs=3.0, batch_size=16, learning_rate=2e-5, warmup_ratio=0.1, weight_decay=0.01),
    "Aggressive": dict(epochs=5.0, batch_size=32, learning_rate=5e-5, warmup_ratio=0.1,
                       weight_decay=0.1),
}


def load_run_config(run_dir) -> RunConfig:
    """A run's config.json. Keys this version does not know (the run was trained by another version) are
    dropped: the runs table, Resume and the Playground must still read an old run folder. A missing or
    unreadable file, or a value out of range, is a ConfigError."""
    from .runs.folder import RunPaths

    path = RunPaths(run_dir).config
    try:
        values = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"Cannot read the config file {path}: {e}") from None
    known = {f.name for f in fields(RunConfig)} | set(RENAMED_FIELDS)  # tensorboard: true still counts
    return RunConfig.from_dict({k: v for k, v in values.items() if k in known})
