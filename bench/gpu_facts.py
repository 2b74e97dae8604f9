"""The Python part of bench/gpu_check.sh: what a lent GPU must show, as one table (check, result, figure, expected).

    python bench/gpu_facts.py [--cpu-dry-run] [--step NAME=RC:DETAIL ...]

On a GPU: the device and precision found (against the compute capability and a matmul in each precision), a
1-process FSDP run refused, NCCL chosen, a short real training run in this process (the estimate's memory
against torch.cuda.max_memory_allocated, and its share of the measured matmul peak of the precision used:
6 x non-embedding parameters x real tokens per second), and Playground tokens/s. --step adds the shell's
steps (the test suite, bench/speed.py) as rows. --cpu-dry-run checks the same decisions on this CPU with a GPU
faked where a GPU is needed, skips what needs one, and exits 1 if a decision is wrong (tests/test_gpu_check.py).
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "sample_data" / "legal_medical_financial.csv"  # 360 rows, 3 classes: in every clone


class Table:
    def __init__(self):
        self.rows, self.failed = [], False

    def add(self, check: str, ok: bool | None, figure: str, expected: str = "") -> None:
        """ok None: skipped (not measurable here)."""
        self.failed |= ok is False
        self.rows.append((check, {True: "ok", False: "FAIL", None: "skipped"}[ok], figure, expected))
        print(json.dumps({"check": check, "ok": ok, "figure": figure, "expected": expected}), flush=True)

    def print(self) -> None:
        widths = [max(len(str(r[i])) for r in [("check", "result", "figure", "expected"), *self.rows])
                  for i in range(4)]
        for row in [("check", "result", "figure", "expected"), tuple("-" * w for w in widths), *self.rows]:
            print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")


def matmul_gflops(device: str, dtype, size: int, reps: int = 3) -> float:
    import torch

    a, b = (torch.randn(size, size, device=device, dtype=dtype) for _ in range(2))
    best = float("inf")
    for _ in range(reps + 1):  # the first warms up
        started = time.perf_counter()
        torch.matmul(a, b)
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def check_precision(table: Table, found, device: str) -> dict:
    """The precision chosen, against the facts: the capability on a GPU, the flags on a CPU, and the matmuls."""
    import torch

    from finetune.machine import hardware

    if device == "cuda":
        major, minor = torch.cuda.get_device_capability(0)
        expected = "bf16" if major >= 8 else "fp16"
        table.add("precision chosen", found.precision == expected,
                  f"{found.precision} on capability {major}.{minor}", f"{expected} ({found.why})")
    else:
        kind, expected, why = hardware.cpu_kind(hardware._cpu_flags())
        table.add("precision chosen", found.precision == expected, f"{found.precision} ({kind or 'no kind'})",
                  f"{expected} ({why})")
    size = 8192 if device == "cuda" else 512
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, **({"fp16": torch.float16} if device == "cuda" else {})}
    speeds = {name: matmul_gflops(device, dtype, size) for name, dtype in dtypes.items()}
    fastest = max(speeds, key=speeds.get)
    agrees = found.precision == fastest or speeds[found.precision] >= 0.8 * speeds[fastest]  # bf16 ~ fp16 on GPUs
    table.add("matmul GFLOP/s", agrees if device == "cuda" else None,
              ", ".join(f"{k} {v:.0f}" for k, v in speeds.items()), f"{found.precision} fastest or within 20%")
    return speeds


def check_decisions(table: Table, device: str, tmp: Path) -> None:
    """FSDP with one process refused, and the process group's backend: on a CPU with a GPU faked."""
    from finetune.machine import hardware
    from finetune.training.arguments import training_arguments
    from finetune.machine import launch
    from finetune.config import ConfigError, RunConfig

    real = hardware.has_accelerator
    if device != "cuda":
        hardware.has_accelerator = lambda: True  # the dry run: the decisions a GPU machine takes
    try:
        try:
            training_arguments(RunConfig(fsdp=True), tmp / "fsdp", steps_per_epoch=10, use_bf16=False)
            table.add("FSDP, 1 process", False, "accepted", "refused with a message")
        except ConfigError as e:
            table.add("FSDP, 1 process", "one process" in str(e), "refused: " + str(e)[:60] + "...",
                      "refused with a message")
        accelerator = hardware.has_accelerator()
    finally:
        hardware.has_accelerator = real
    chosen = launch.backend(accelerator)
    if device == "cuda":
        import torch.distributed as dist

        table.add("process backend", chosen == "nccl" and dist.is_nccl_available(),
                  f"{chosen}, NCCL available: {dist.is_nccl_available()}", "nccl")
    else:
        table.add("process backend", chosen == "nccl" and launch.backend(False) == "gloo",
                  f"GPU {chosen}, CPU {launch.backend(False)} (faked)", "nccl / gloo")
    line = launch.command(RunConfig(processes=2), ["train", "--output", "r"])
    table.add("launch command, 2 GPUs", "--nproc-per-node=2" in line and "--standalone" in line,
              " ".join(line[1:5]) + " ...", "torchrun --standalone --nproc-per-node=2")


def check_training(table: Table, found, peaks: dict, tmp: Path) -> None:
    """A short real run in this process: the estimate against the measured peak memory, and the peak share."""
    import pandas as pd
    import torch

    from finetune.config import RunConfig
    from finetune.training.engine import train
    from finetune.planning.estimate import FRAMEWORK_GB, estimate_run, model_shape
    from finetune.models.catalog import resolve_model
    from finetune.tasks import get_task

    config = RunConfig(data_file=str(SAMPLE), epochs=3.0, live_eval_rows=0, checkpoint_every_eval=False)
    frame = pd.read_csv(SAMPLE)
    estimate = estimate_run(config, rows=len(frame), num_labels=frame["label"].nunique(),
                            texts=frame["text"].astype(str).tolist())
    torch.cuda.reset_peak_memory_stats()
    results = train(config, tmp / "run")
    measured = torch.cuda.max_memory_allocated() / 2**30
    predicted = estimate.memory_gb - FRAMEWORK_GB["cuda"]  # max_memory_allocated has no CUDA context
    table.add("estimate vs max_memory_allocated", measured <= predicted <= 4 * measured + 0.5,
              f"estimated {predicted:.2f} GiB, measured {measured:.2f} GiB", "estimate >= measured, < 4x")
    path = resolve_model(config.model, get_task(config.task).embedded_model)
    shape = model_shape(path, frame["label"].nunique())
    tokenizer_lengths = estimate.length  # the estimate's fitted max length; real tokens are fewer
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokens = sum(min(len(ids), results.max_length) for ids in
                 tokenizer(frame["text"].astype(str).tolist())["input_ids"]) * results.train_rows / len(frame)
    flops = 6 * shape["non_embedding"] * tokens * config.epochs / results.train_runtime_s
    peak = peaks[results.precision] * 1e9
    table.add("training, share of matmul peak", None if results.train_runtime_s < 1 else flops / peak > 0.01,
              f"{flops / peak:.1%} of {results.precision} peak, {results.train_runtime_s:.1f} s, "
              f"accuracy {results.metrics.get('accuracy', 0):.2f}, max_length {results.max_length} "
              f"(estimate {tokenizer_lengths})", "a figure (360 rows: start-up dominates)")


def check_playground(table: Table) -> None:
    from bench.generation_speed import tokens_per_s
    from finetune.models.embedded_lm import embedded_lm_path
    from finetune.tasks.text_generator import TextGenerator

    generator = TextGenerator(embedded_lm_path())
    speed = tokens_per_s(generator)
    table.add("Playground tokens/s", speed >= 30, f"{speed:.1f} tokens/s on {generator.model.device}", ">= 30")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-dry-run", action="store_true", help="the decisions on this CPU, a GPU faked")
    parser.add_argument("--step", action="append", default=[], help="NAME=RC:DETAIL of a shell step")
    args = parser.parse_args(argv)
    import torch

    from finetune.machine.hardware import detect

    table, found = Table(), detect()
    device = "cpu" if args.cpu_dry_run else "cuda"
    for step in args.step:
        name, _, rest = step.partition("=")
        rc, _, detail = rest.partition(":")
        table.add(name, None if rc == "skip" else rc == "0", detail or f"exit {rc}", "exit 0")
    if device == "cuda" and not torch.cuda.is_available():
        table.add("device", False, f"{found.device}: torch sees no GPU", "cuda")
        table.print()
        return 1
    table.add("device", found.device == device, found.describe(), device)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        peaks = check_precision(table, found, device)
        check_decisions(table, device, Path(tmp))
        if device == "cuda":
            for name, check in (("training", lambda: check_training(table, found, peaks, Path(tmp))),
                                ("Playground tokens/s", lambda: check_playground(table))):
                try:
                    check()
                except Exception as e:  # one broken check must not hide the rest of the table
                    table.add(name, False, f"{type(e).__name__}: {str(e)[:80]}")
        else:
            table.add("estimate vs max_memory_allocated", None, "needs a GPU", "estimate >= measured, < 4x")
            table.add("Playground tokens/s", None, "needs a GPU", ">= 30")
    table.print()
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
