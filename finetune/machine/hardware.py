"""What the machine can do: device, cores, memory, the precision it trains in and why. Shown in the Model tab,
used by the engine."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError


# Which precision each kind of CPU trains in, and why. bf16 halves the bytes each matmul moves, but only a CPU
# with bf16 instructions computes it natively; elsewhere torch emulates it. Measured matmul peaks (fp32 / bf16,
# GFLOP/s, bench/speed.py): AMX (Xeon Sapphire Rapids+) 151 / 946; AVX512-BF16 (this project's AMD EPYC) 85 / 204
# on one busy thread; AVX2 only (an AMD EPYC, issue 25) 177 / 0.3.
CPU_KINDS = (  # (cpuinfo flag, kind, precision, why)
    ("amx_bf16", "AMX", "bf16", "AMX tiles make bf16 matmuls ~4-6x fp32"),
    ("avx512_bf16", "AVX512-BF16", "bf16", "AVX512-BF16 makes bf16 matmuls ~2.2x fp32"),
    ("avx2", "AVX2", "fp32", "no bf16 instructions: bf16 would be emulated, ~600x slower than fp32"),
)
NO_KIND = ("", "fp32", "no bf16 instructions found: fp32")
CUDA_BF16 = "bf16 tensor cores (compute capability 8.0+, Ampere or newer)"
CUDA_FP16 = "no bf16 on this GPU (before Ampere): fp16 mixed precision with loss scaling"


@dataclass(frozen=True)
class Hardware:
    device: str        # "cuda", "mps" or "cpu"
    name: str          # human-readable, e.g. "NVIDIA H100" or "CPU, 2 cores (AVX512-BF16)"
    cores: int
    memory_gb: float   # system RAM, or GPU memory on CUDA
    fast_bf16: bool    # bf16 matmuls faster than fp32 here (AMX/AVX512-BF16 CPUs, Ampere+ GPUs)
    gpus: int = 0      # CUDA GPUs found; a run can use several (RunConfig.processes, one per GPU)
    fast_fp16: bool = False  # fp16 mixed precision is the fast choice (a CUDA GPU without bf16)
    why: str = ""      # why this precision, in a few words (CPU_KINDS, CUDA_BF16, CUDA_FP16)

    @property
    def precision(self) -> str:
        """What precision=auto trains in here."""
        return "bf16" if self.fast_bf16 else "fp16" if self.fast_fp16 else "fp32"

    def describe(self) -> str:
        name = f"{self.gpus} x {self.name}" if self.gpus > 1 else self.name
        why = f" ({self.why})" if self.why else ""
        return f"{name}, {self.memory_gb:.0f} GB{' each' if self.gpus > 1 else ''}, trains in {self.precision}{why}"


@lru_cache(maxsize=1)
def detect() -> Hardware:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        # the capability, not torch.cuda.is_bf16_supported(): that also says yes where bf16 is only emulated
        bf16 = torch.cuda.get_device_capability(0)[0] >= 8
        return Hardware("cuda", props.name, cores, props.total_memory / 2**30, bf16, gpus=torch.cuda.device_count(),
                        fast_fp16=not bf16, why=CUDA_BF16 if bf16 else CUDA_FP16)
    if torch.backends.mps.is_available():
        return Hardware("mps", "Apple GPU (MPS)", cores, _ram_gb(), False, why="MPS: fp32")
    kind, precision, why = cpu_kind(_cpu_flags())
    return Hardware("cpu", f"CPU, {cores} cores" + (f" ({kind})" if kind else ""), cores, _ram_gb(),
                    precision == "bf16", why=why)


def cpu_kind(flags: set[str]) -> tuple[str, str, str]:
    """(kind, precision, why) of a CPU with these /proc/cpuinfo flags: the first of CPU_KINDS it has."""
    return next((row[1:] for row in CPU_KINDS if row[0] in flags), NO_KIND)


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


THREADS_ENV = "FINETUNE_THREADS"  # an explicit thread count for runs, over what is measured
SAMPLES, SAMPLE_GAP_S = 5, 0.02     # runnable threads are counted 5 times over ~0.1 s


def runnable_elsewhere(proc="/proc", own_pid: int | None = None) -> int:
    """Threads of other processes that are running or waiting for a CPU right now (state R in
    /proc/PID/task/TID/stat). Unlike the load average this forgets a finished job at once, and it never
    counts this process (its own threads, or the reading itself)."""
    own = str(own_pid if own_pid is not None else os.getpid())
    count = 0
    for stat in Path(proc).glob("[0-9]*/task/[0-9]*/stat"):
        if stat.parts[-4] == own:
            continue
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]  # the name in (...) may hold spaces
        except (OSError, IndexError):
            continue  # the thread ended while we read
        count += state == "R"
    return count


def busy_cores(read=runnable_elsewhere, samples: int = SAMPLES, gap_s: float = SAMPLE_GAP_S) -> float:
    """Mean count of other runnable threads over a few readings (one reading is a coin toss)."""
    readings = []
    for i in range(samples):
        readings.append(read())
        if i + 1 < samples:
            time.sleep(gap_s)
    return sum(readings) / len(readings)


def free_cores(cores: int, busy: float | None = None) -> int:
    """Of our `cores`, how many the other work running now leaves free, at least 1.

    `busy` (other runnable threads; measured when None) is scaled to our share of the machine's CPUs,
    so a container pinned to a few cores of a busy host is not starved by the host's load."""
    busy = busy_cores() if busy is None else busy
    busy *= cores / max(cores, os.cpu_count() or cores)
    return max(1, min(cores, cores - round(busy)))


def use_free_cores(max_age_s: float = 0.0) -> int:
    """Give torch one CPU thread per free core; returns the count. FINETUNE_THREADS (or OMP_NUM_THREADS)
    set by the user wins. A count measured less than `max_age_s` ago is reused (the Playground asks at
    every prediction; a measurement takes ~0.1 s).

    torch's threads wait for each other at every op: on an oversubscribed CPU one descheduled thread
    stalls the rest. Measured on a 2-core box at load 6: a training step 10x slower and a one-text
    prediction 15x slower with 2 threads than with 1. On an idle machine this keeps torch's default.
    """
    import torch

    if detect().device != "cpu":
        return torch.get_num_threads()
    asked = _asked_threads()
    if asked is None and os.environ.get("OMP_NUM_THREADS"):
        return torch.get_num_threads()
    threads = asked or _measured_threads(max_age_s)
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads


_last_measured = [-float("inf"), 0]  # (time.monotonic(), threads)


def _measured_threads(max_age_s: float) -> int:
    if time.monotonic() - _last_measured[0] >= max_age_s:
        _last_measured[:] = [time.monotonic(), min(free_cores(detect().cores), _default_threads())]
    return _last_measured[1]


def _asked_threads() -> int | None:
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{THREADS_ENV} must be a whole number of threads, 1 or more; got {value!r}. "
                          f"Unset it to let each run measure the free cores.")
    return int(value)


@lru_cache(maxsize=1)
def _default_threads() -> int:
    import torch

    return torch.get_num_threads()  # physical cores: torch's own choice, taken before we change it


def pad_multiple() -> int | None:
    """What a batch's length is padded up to a multiple of: 8 on a GPU (tensor cores want it), none on a CPU,
    where the padding is only extra work (bench/speed.py: 23% of the tokens were padding with 8 on SST-2)."""
    return 8 if detect().device == "cuda" else None


def has_accelerator() -> bool:
    """A CUDA or Apple GPU that the Trainer would use (use_cpu=False)."""
    import torch

    return torch.cuda.is_available() or torch.backends.mps.is_available()
