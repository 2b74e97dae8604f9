"""Before Start: a rough estimate of memory and time per epoch for a model, settings and machine.

Nothing is trained and no weights are loaded: the parameter count comes from building the model on
PyTorch's "meta" device from its config. Memory = weights, gradients and AdamW's two moments
(16 bytes a parameter) + activations (Korthikanti et al. 2022: 34·s·b·h + 5·a·s²·b bytes a layer in
16-bit) + the framework itself. Time = 6 × parameters × tokens FLOPs at a measured matmul speed times
a training efficiency. It is an estimate, good to a factor of about two, and says so.

The time of the whole run (`total_s`, recorded as results.json's `estimate_s`) is counted from what the
run will do, per method, at this machine's measured speed (machine_speed.py: one training step and one
evaluation batch of the model's architecture in the run's number format, measured once and cached):
fine-tuning trains epochs x rows / batch steps, evaluates a sample of the validation rows about four times
and all of them at the end, and writes checkpoints and the model; SetFit trains on pairs (rows x
NUM_ITERATIONS x 2 texts, capped at MAX_STEPS steps), then embeds the training rows for its head; the probe
takes no training step: it embeds every row once and cross-validates its head. Training steps are timed with
the word embeddings frozen where the run freezes them (freeze_embeddings). Setting up (imports, reading,
loading, tokenizing) is a fixed SETUP_S, the TF-IDF baseline a time per row. The memory is the arithmetic
above. `flop_estimate` keeps the old FLOP count for when the benchmark cannot run.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

BYTES_PER_PARAMETER = 16       # fp32 weights + gradients + AdamW's two moments
FRAMEWORK_GB = {"cpu": 1.0, "cuda": 0.8, "mps": 1.0}  # torch, transformers, CUDA context
# Share of the measured matmul speed a training step reaches (0.4: a Quick demo, 2-core AVX512-BF16; GPUs lose more)
TRAINING_EFFICIENCY = {"cpu": 0.4, "cuda": 0.3, "mps": 0.3}
ASSUMED_LENGTH = 128           # tokens, when max_length is left to be fitted from the data
SAMPLE = 500                   # texts tokenized for the length estimate
FIT_SHARE = 0.85               # above this share of the memory, count on running out
DATA_PARALLEL_EFFICIENCY = 0.9  # share of N GPUs' speed that N processes reach (gradients are exchanged each step)
SETUP_S = 8.0                  # start, imports, reading, loading, tokenizing: 7.4 s quiet, 17 s at load 14 (2-core EPYC)
BASELINE_S, BASELINE_S_PER_ROW = 1.0, 0.0005  # the TF-IDF baseline's fit, quiet: 1.6 s for 700 rows, 2.0 s for 2,400
PROBE_FIT_S = 1.0              # the probe's head: 5 C values x 3 folds of logistic regression, 0.2-0.9 s measured
WRITE_BYTES_PER_S = 300e6      # a checkpoint or model written to disk
SAVE_S = 0.5                   # each save's fixed part (tokenizer, card, config files)
GROUPED_PADDING = 1.1          # batches grouped by length pad to ~10% over the mean length


@dataclass
class Estimate:
    parameters: int
    memory_gb: float
    available_gb: float
    seconds_per_epoch: float
    length: int
    device: str
    assumed_length: bool = False
    processes: int = 1         # training processes; memory_gb is each one's (each GPU's)
    advice: list[str] = field(default_factory=list)
    assumed_rows: int = 0          # no data loaded yet: the stand-in row count
    total_s: float = 0.0           # the whole run: setup, training, evaluations, saves
    method: str = "finetune"       # what the time was counted for (setfit: pairs)
    parts: dict = field(default_factory=dict)  # seconds by part: setup, training, evaluation, saving
    measured: bool = False         # the time comes from this machine's benchmark (else the FLOP count)
    # --- the training length (training_length.py): the epochs the run will train, and the rule when it chose them
    epochs: float = 0.0
    length_rule: str = ""

    @property
    def fits(self) -> bool:
        return self.memory_gb <= FIT_SHARE * self.available_gb


@lru_cache(maxsize=8)
def model_shape(model_path: str, num_labels: int) -> dict:
    """Parameter counts and sizes of a model from its config alone (no weights read)."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    config = AutoConfig.from_pretrained(model_path, num_labels=num_labels)
    with torch.device("meta"):
        model = AutoModelForSequenceClassification.from_config(config)
    total = sum(p.numel() for p in model.parameters())
    embeddings = model.get_input_embeddings().weight.numel()
    return {"parameters": total, "non_embedding": total - embeddings, "hidden": config.hidden_size,
            "layers": config.num_hidden_layers, "heads": config.num_attention_heads,
            "max_positions": getattr(config, "max_position_embeddings", 512)}


@lru_cache(maxsize=4)
def matmul_flops(device: str, bf16: bool) -> float:
    """Matmul FLOP/s of this machine in the run's number format, measured once (a fraction of a second)."""
    import torch

    size = 2048 if device == "cuda" else 1024
    dtype = torch.bfloat16 if bf16 else torch.float32
    a = torch.randn(size, size, device=device, dtype=dtype)
    (a @ a).sum().item()  # warm up
    runs, started = 3, time.perf_counter()
    for _ in range(runs):
        (a @ a).sum().item()
    return runs * 2 * size**3 / max(time.perf_counter() - started, 1e-9)


def estimate(shape: dict, *, rows: int, batch_size: int, max_length: int, hardware, flops: float,
             mean_length: float | None = None, processes: int = 1, sharded: bool = False) -> Estimate:
    """Pure arithmetic over a model shape; `flops` is the machine's matmul speed.

    `max_length` sizes the largest batch (memory); `mean_length` the tokens trained on (time): batches
    of similar length are padded little. 0 / None: ASSUMED_LENGTH for both. With several `processes` (one
    per GPU) each holds the model (a 1/processes share of it when `sharded`, FSDP) and batch_size/processes
    examples; GPUs add their speed, CPU processes share the same cores and do not."""
    length = min(max_length or ASSUMED_LENGTH, shape["max_positions"])
    h, layers, heads = shape["hidden"], shape["layers"], shape["heads"]
    batch_size = -(-batch_size // processes)  # each process's share of a step's examples
    weights = shape["parameters"] * BYTES_PER_PARAMETER / (processes if sharded else 1)
    activations = layers * batch_size * length * (34 * h + 5 * heads * length) * 2  # fp32: twice 16-bit
    memory = (weights + activations) / 2**30 + FRAMEWORK_GB[hardware.device]
    tokens = rows * min(mean_length or length, length)
    speed = flops * TRAINING_EFFICIENCY[hardware.device]
    if hardware.device == "cuda" and processes > 1:
        speed *= processes * DATA_PARALLEL_EFFICIENCY
    seconds = 6 * shape["non_embedding"] * tokens / speed
    result = Estimate(shape["parameters"], memory, hardware.memory_gb, seconds, length, hardware.device,
                      assumed_length=not max_length, processes=processes)
    result.advice = _advice(result, batch_size)
    return result


def _advice(result: Estimate, batch_size: int) -> list[str]:
    advice = []
    if not result.fits:
        advice.append(f"Will probably not fit: about {result.memory_gb:.1f} GB needed, {result.available_gb:.0f} GB "
                      f"here. Try batch size {max(1, batch_size // 2)} with gradient accumulation 2, a shorter "
                      "max length, or a smaller model.")
    if result.device == "cpu" and result.seconds_per_epoch > 3600:
        advice.append("Over an hour per epoch on this CPU: use fewer rows or a smaller model, "
                      "or a machine with a GPU.")
    return advice


def estimate_run(config, *, rows: int, num_labels: int, texts: list[str] | None = None,
                 method: str | None = None, root=None, fitted_length: int = 0,
                 length_texts: list[str] | None = None) -> Estimate:
    """The estimate for a RunConfig and a data set of `rows` labelled rows; `texts`, a sample of them,
    gives the token lengths. The max length is the run's (token_lengths.planned_max_length): `fitted_length`,
    the data check's fit to the whole file when the caller has it (the Data tab's), else fitted as training fits
    it to `length_texts` (TaskData.length_texts: the rows the check counted), else to `texts`.
    `method`: the one the run uses (setfit or finetune); None resolves the config's (auto: by rows per class).
    `root`: the runs folder that caches this machine's measured speed (default: runs_root())."""
    from ..machine.hardware import detect
    from ..models.catalog import resolve_model

    from ..data.token_lengths import planned_max_length, training_max_length
    from ..errors import ConfigError
    from ..tasks import get_task

    task = get_task(config.task)
    hardware, path = detect(), resolve_model(config.model, task.embedded_model, config_only=True)
    train_rows = rows if config.eval_file else round(rows * (1 - config.val_size - config.test_size))
    max_length, mean_length, lengths = config.max_length, None, []
    if task.length_setting != "max_length":  # e.g. generation: every training block is block_size long
        max_length, texts = getattr(config, task.length_setting), None
    elif texts or fitted_length or config.max_length or length_texts:
        if length_texts and not (fitted_length or config.max_length):
            fitted_length = training_max_length(_tokenizer(path), length_texts, 0, config.seed)
        lengths = token_lengths(path, tuple(texts[:SAMPLE])) if texts else []
        mean_length = sum(lengths) / len(lengths) if lengths else None
        max_length = planned_max_length(config.max_length, lengths, model_limit(path), fitted_length)
    shape = model_shape(path, max(2, num_labels))
    try:  # the number format the run will train in: the speed is measured in it
        bf16 = config.training_precision(hardware) == "bf16"
    except ConfigError:  # fp16 asked for on a CPU: the run will refuse it; estimate as fp32
        bf16 = False
    result = estimate(shape, rows=train_rows, batch_size=config.batch_size, max_length=max_length,
                      mean_length=mean_length, hardware=hardware, flops=matmul_flops(hardware.device, bf16),
                      processes=config.processes * config.nnodes, sharded=config.fsdp)
    # auto: the rows spread evenly over the classes (the check's counts are not known here)
    result.method = method or task.method(config.method, [i % max(1, num_labels) for i in range(train_rows)]).name
    _add_training_length(result, config, task, train_rows)
    config = config.updated(epochs=result.epochs) if result.epochs else config  # epochs 0: from the data
    try:
        _time_run(result, config, task, path, shape, bf16, rows=rows, train_rows=train_rows, lengths=lengths,
                  root=root)
    except (OSError, ValueError, RuntimeError):  # an architecture the benchmark cannot build: the FLOP count
        result.total_s = SETUP_S + result.seconds_per_epoch * config.epochs
    return result


def _add_training_length(result: Estimate, config, task, train_rows: int) -> None:
    """The epochs the run will train: the config's, or from the data by the task's rule (said in the text)."""
    from ..tasks.training_length import resolve

    resolved, note = resolve(config, task.length, train_rows)
    result.epochs, result.length_rule = resolved.epochs, task.length.describe() if note else ""


def _padded(lengths: list[int], share: float, cap: int) -> int:
    """The length a batch pads to: a share of the sampled lengths (sorted), at most cap."""
    if not lengths:
        return cap
    ordered = sorted(lengths)
    return min(cap, ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def _time_run(result: Estimate, config, task, path: str, shape: dict, bf16: bool, *, rows: int, train_rows: int,
              lengths: list[int], root=None) -> None:
    """Fills total_s, parts and seconds_per_epoch from the run's plan and the measured step times."""
    from .machine_speed import step_seconds
    from ..tasks.advice import MAX_STEPS, NUM_ITERATIONS, PROBE, SETFIT

    causal = "ForCausalLM" in task.model_heads
    bf16 = bf16 and result.method != SETFIT  # SetFit trains and embeds in fp32 (no autocast)
    batch, cap = config.batch_size, result.length
    eval_batch = task.eval_batch_size(batch)
    held_out = rows - train_rows if not config.eval_file else min(rows, 1000)
    mean = sum(lengths) / len(lengths) if lengths else cap
    frozen = config.freeze_embeddings and result.method not in (SETFIT, PROBE)  # as speedups.py trains it
    step = lambda b, length, train: step_seconds(path, batch=b, length=length, bf16=bf16, train=train,
                                                 causal=causal, root=root, frozen_embeddings=frozen and train)
    eval_length = _padded(lengths, 0.9, cap) if result.method in (PROBE, SETFIT) else round(mean * GROUPED_PADDING)
    eval_s = step(eval_batch, min(cap, eval_length), False)  # the Trainer's batches group lengths (final: sorted)
    model_bytes = shape["parameters"] * 4
    if result.method == PROBE:  # no training steps: the training rows embedded once, then the head's CV
        training = -(-train_rows // eval_batch) * eval_s + PROBE_FIT_S
        result.seconds_per_epoch = training
        evaluation = -(-held_out // eval_batch) * eval_s
        saving = SAVE_S + model_bytes / WRITE_BYTES_PER_S
    elif result.method == SETFIT:  # pairs of texts, batch_size pairs a step, one pass; then the head
        steps = min(MAX_STEPS, max(1, -(-2 * NUM_ITERATIONS * train_rows // batch)))
        training = steps * step(2 * batch, _padded(lengths, 0.95, cap), True)
        result.seconds_per_epoch = training
        evaluation = -(-(train_rows + held_out) // eval_batch) * eval_s  # embeds for the head and the report
        saving = SAVE_S + model_bytes / WRITE_BYTES_PER_S
    else:
        batches = -(-train_rows // batch)
        train_step = step(batch, min(cap, round(mean * GROUPED_PADDING)), True)
        result.seconds_per_epoch = batches * train_step
        training = result.seconds_per_epoch * config.epochs
        total_steps = max(1, -(-round(batches * config.epochs) // config.gradient_accumulation_steps))
        every = config.eval_steps or max(1, -(-total_steps // 4))
        live = max(1, -(-total_steps // every) - 1)
        live_rows = min(held_out, config.live_eval_rows or held_out,
                        max(16, round(0.3 * train_rows * config.epochs / live)))
        passes = live * -(-live_rows // eval_batch) + -(-held_out // eval_batch) * (2 if task.metrics_before else 1)
        evaluation = passes * eval_s
        checkpoints = 0
        if config.keeps_checkpoints:
            interval = config.checkpoint_interval_s
            checkpoints = live if interval <= 0 else min(live, int(training // interval))
        saving = (checkpoints + 1) * SAVE_S + (3 * checkpoints + 1) * model_bytes / WRITE_BYTES_PER_S
    baseline = BASELINE_S + BASELINE_S_PER_ROW * train_rows if task.has_baseline else 0.0
    result.parts = {"setup": SETUP_S, "training": round(training, 1), "evaluation": round(evaluation, 1),
                    "saving": round(saving, 1), "baseline": round(baseline, 1)}
    result.total_s, result.measured = sum(result.parts.values()), True


@lru_cache(maxsize=4)
def sample_texts(data_file: str, text_column) -> list[str]:
    """The first SAMPLE texts of a data file, the way training reads its text column(s)."""
    from ..data.columns import text_values
    from ..data.tables import read_table

    return text_values(read_table(data_file), text_column).head(SAMPLE).tolist()


@lru_cache(maxsize=4)
def _tokenizer(model_path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_path)


def token_lengths(model_path: str, texts: tuple[str, ...]) -> list[int]:
    return [len(ids) for ids in _tokenizer(model_path)(list(texts), truncation=False)["input_ids"]]


def model_limit(model_path: str) -> int:
    """The tokens the model reads, as training caps its max length (token_lengths.tokenizer_limit); a model
    whose tokenizer is not at hand yet (a Hub id, its config only): the usual 512."""
    from ..data.token_lengths import DEFAULT_LIMIT, tokenizer_limit

    try:
        return tokenizer_limit(_tokenizer(model_path))
    except (OSError, ValueError):
        return DEFAULT_LIMIT


def run_estimate_s(config, data, method: str, root=None) -> float | None:
    """The whole run's estimated seconds for the data a run has read (the engine records it at the start);
    None where it cannot be counted: an estimate never stops a run."""
    from ..errors import ConfigError

    train = data.datasets["train"]
    columns = train.column_names
    texts = (train["text"][:SAMPLE] if "text" in columns else
             [" ".join(t) for t in train["tokens"][:SAMPLE]] if "tokens" in columns else None)
    splits = ("train",) if config.eval_file else tuple(data.datasets)
    rows = sum(len(data.datasets[name]) for name in splits)
    began = time.perf_counter()
    try:
        result = estimate_run(config, rows=rows, num_labels=len(data.labels or ()), texts=texts, method=method,
                              root=root, length_texts=data.length_texts)
        # a speed not measured before is measured now, inside this run: that time is part of it too
        return round(result.total_s + time.perf_counter() - began, 1)
    except (ConfigError, OSError, ValueError, RuntimeError, KeyError):
        return None
