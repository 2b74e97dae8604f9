"""Before Start: a rough estimate of memory and time per epoch for a model, settings and machine.

Nothing is trained and no weights are loaded: the parameter count comes from building the model on
PyTorch's "meta" device from its config. Memory = weights, gradients and AdamW's two moments
(16 bytes a parameter) + activations (Korthikanti et al. 2022: 34·s·b·h + 5·a·s²·b bytes a layer in
16-bit) + the framework itself. Time = 6 × parameters × tokens FLOPs at a measured matmul speed times
a training efficiency. It is an estimate, good to a factor of about two, and says so.

Once this machine has finished runs of the same task and model, the time comes from them instead: their
measured training speed (results.json: train_rows, train_runtime_s, max_length; config.json: epochs),
in tokens per second, the median of the latest CALIBRATION_RUNS.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

BYTES_PER_PARAMETER = 16       # fp32 weights + gradients + AdamW's two moments
FRAMEWORK_GB = {"cpu": 1.0, "cuda": 0.8, "mps": 1.0}  # torch, transformers, CUDA context
# Share of the measured matmul speed a training step reaches (0.4: a 3-epoch Quick demo on this
# project's 2-core AVX512-BF16 test machine; GPUs lose more to small kernels).
TRAINING_EFFICIENCY = {"cpu": 0.4, "cuda": 0.3, "mps": 0.3}
ASSUMED_LENGTH = 128           # tokens, when max_length is left to be fitted from the data
SAMPLE = 500                   # texts tokenized for the length estimate
FIT_SHARE = 0.85               # above this share of the memory, count on running out
DATA_PARALLEL_EFFICIENCY = 0.9  # share of N GPUs' speed that N processes reach (gradients are exchanged each step)
CALIBRATION_RUNS = 5           # the latest finished runs of the same task and model that set the pace


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
    calibrated_runs: int = 0       # earlier runs on this machine the time comes from (0: the FLOP formula)
    assumed_rows: int = 0          # no data loaded yet: the stand-in row count
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
                 calibration_runs: list | None = None) -> Estimate:
    """The estimate for a RunConfig and a data set of `rows` labelled rows; `texts`, a sample of them,
    gives the token lengths (as the engine fits max_length: the 99th percentile)."""
    from .hardware import detect
    from .models import resolve_model

    from .data.token_lengths import fitted_length
    from .tasks import get_task

    task = get_task(config.task)
    hardware, path = detect(), resolve_model(config.model, task.embedded_model, config_only=True)
    train_rows = rows if config.eval_file else round(rows * (1 - config.val_size))
    max_length, mean_length = config.max_length, None
    if task.length_setting != "max_length":  # e.g. generation: every training block is block_size long
        max_length, texts = getattr(config, task.length_setting), None
    if texts:
        lengths = token_lengths(path, tuple(texts[:SAMPLE]))
        max_length = max_length or fitted_length(lengths, 512)
        mean_length = sum(lengths) / len(lengths)
    shape = model_shape(path, max(2, num_labels))
    bf16 = config.wants_bf16(hardware.fast_bf16)
    result = estimate(shape, rows=train_rows, batch_size=config.batch_size, max_length=max_length,
                      mean_length=mean_length, hardware=hardware, flops=matmul_flops(hardware.device, bf16),
                      processes=config.processes * config.nnodes, sharded=config.fsdp)
    measured = measured_pace(config.task, config.model, runs=calibration_runs)
    if measured:  # this machine's own speed on this task and model, per token of max length
        tokens_per_s, result.calibrated_runs = measured
        result.seconds_per_epoch = train_rows * result.length / tokens_per_s
    _add_training_length(result, config, task, train_rows)
    return result


def _add_training_length(result: Estimate, config, task, train_rows: int) -> None:
    """The epochs the run will train: the config's, or from the data by the task's rule (said in the text)."""
    from .training_length import resolve

    resolved, note = resolve(config, task.length, train_rows)
    result.epochs, result.length_rule = resolved.epochs, task.length.describe() if note else ""


def measured_pace(task: str, model: str, root=None, runs: list | None = None) -> tuple[float, int] | None:
    """(training tokens per second, runs measured): the median over the latest finished runs of this task
    and model in the runs folder (or of `runs`: on a Space, the visitor's own), tokens counted as rows x
    epochs x max length; None without any."""
    from statistics import median

    from .errors import ConfigError
    from .records import Results
    from .runs import RunPaths, list_runs, load_run_config

    paces = []
    for run in list_runs(root) if runs is None else runs:
        paths = RunPaths(run)
        try:
            config = load_run_config(run)
            results = Results.load(paths.results) if paths.results.is_file() else None
        except (ConfigError, OSError, ValueError):
            continue
        if not results or config.task != task or config.model != model or results.train_runtime_s <= 0:
            continue
        epochs = (results.epochs or config.epochs) * results.steps / max(results.planned_steps, 1)
        paces.append(results.train_rows * epochs * results.max_length / results.train_runtime_s)
        if len(paces) == CALIBRATION_RUNS:
            break
    return (median(paces), len(paces)) if paces else None


@lru_cache(maxsize=4)
def sample_texts(data_file: str, text_column) -> list[str]:
    """The first SAMPLE texts of a data file, the way training reads its text column(s)."""
    from .data.columns import text_values
    from .data.tables import read_table

    return text_values(read_table(data_file), text_column).head(SAMPLE).tolist()


def token_lengths(model_path: str, texts: tuple[str, ...]) -> list[int]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    return [len(ids) for ids in tokenizer(list(texts), truncation=False)["input_ids"]]


def describe(result: Estimate) -> str:
    """One short paragraph for the Train tab."""
    seconds = result.seconds_per_epoch
    pace = ("under a second" if seconds < 1 else f"about {seconds:.0f} s" if seconds < 120 else
            f"about {seconds / 60:.0f} min")
    assumed = [what for what, yes in ((f"{result.assumed_rows:,} rows", result.assumed_rows),
                                      ("the length", result.assumed_length)) if yes]
    basis = f" ({' and '.join(assumed)} assumed until data is loaded)" if assumed else ""
    how = (f"measured on {result.calibrated_runs} earlier run{'s' if result.calibrated_runs > 1 else ''} of this "
           "model here" if result.calibrated_runs else "rough, ±2×")
    text = (f"**Estimate** ({how}): {result.parameters / 1e6:.1f}M parameters, about "
            f"{result.memory_gb:.1f} GB of {result.available_gb:.0f} GB {result.device.upper()} memory"
            f"{f' in each of {result.processes} processes' if result.processes > 1 else ''}, "
            f"{pace} of training per epoch at max length {result.length}{basis}.")
    return "\n".join([text, *_training_length_lines(result), *[f"- **Warning:** {line}" for line in result.advice]])


def _training_length_lines(result: Estimate) -> list[str]:
    if not result.epochs:
        return []
    total = result.seconds_per_epoch * result.epochs
    total_text = f"about {total:.0f} s" if total < 120 else f"about {total / 60:.0f} min"
    rule = f", from the data: {result.length_rule}" if result.length_rule else ""
    return [f"- **Training length:** {result.epochs:g} epochs ({total_text} in all){rule}."]
