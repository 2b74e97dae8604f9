"""What the machine can do: device, cores, memory, fast bf16. Shown in the Model tab, used by the engine."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Hardware:
    device: str        # "cuda", "mps" or "cpu"
    name: str          # human-readable, e.g. "NVIDIA H100" or "CPU, 2 cores (AVX512-BF16)"
    cores: int
    memory_gb: float   # system RAM, or GPU memory on CUDA
    fast_bf16: bool    # bf16 matmuls faster than fp32 here (AMX/AVX512-BF16 CPUs, Ampere+ GPUs)
    gpus: int = 0      # CUDA GPUs found; a run can use several (RunConfig.processes, one per GPU)

    def describe(self) -> str:
        bf16 = "bf16 on" if self.fast_bf16 else "fp32"
        name = f"{self.gpus} x {self.name}" if self.gpus > 1 else self.name
        return f"{name}, {self.memory_gb:.0f} GB{' each' if self.gpus > 1 else ''}, {bf16}"


@lru_cache(maxsize=1)
def detect() -> Hardware:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return Hardware("cuda", props.name, cores, props.total_memory / 2**30, torch.cuda.is_bf16_supported(),
                        gpus=torch.cuda.device_count())
    if torch.backends.mps.is_available():
        return Hardware("mps", "Apple GPU (MPS)", cores, _ram_gb(), False)
    flags = _cpu_flags()
    fast = "amx_bf16" in flags or "avx512_bf16" in flags
    extra = " (AMX)" if "amx_bf16" in flags else " (AVX512-BF16)" if fast else ""
    return Hardware("cpu", f"CPU, {cores} cores{extra}", cores, _ram_gb(), fast)


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


def free_cores(cores: int) -> int:
    """Of our `cores`, how many other work leaves free (1-minute load average), at least 1.

    The load is scaled to our share of the machine's CPUs, so a container pinned to a few cores of a
    busy host is not starved by the host's load.
    """
    try:
        busy = os.getloadavg()[0] * cores / (os.cpu_count() or cores)
    except OSError:
        return cores
    return max(1, min(cores, cores - round(busy)))


def use_free_cores() -> int:
    """Give torch one CPU thread per free core (unless OMP_NUM_THREADS says otherwise); returns the count.

    torch's threads wait for each other at every op: on an oversubscribed CPU one descheduled thread
    stalls the rest. Measured on a 2-core box at load 6: a training step 10x slower and a one-text
    prediction 15x slower with 2 threads than with 1. On an idle machine this keeps torch's default.
    """
    import torch

    if os.environ.get("OMP_NUM_THREADS") or detect().device != "cpu":
        return torch.get_num_threads()
    threads = min(free_cores(detect().cores), _default_threads())
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads


@lru_cache(maxsize=1)
def _default_threads() -> int:
    import torch

    return torch.get_num_threads()  # physical cores: torch's own choice, taken before we change it
