"""Several training processes: the launcher command line of a run, and what each process knows of itself.

One process (the default) is `python -m finetune train ...`, exactly as before. With processes > 1 or
nnodes > 1 the run is `python -m torch.distributed.run ... -m finetune train ...`: torchrun starts the
ranks; each rank runs the same engine under DistributedDataParallel (the Trainer and accelerate pick NCCL on
GPUs, gloo on CPU); global rank 0 alone writes the run folder (events, checkpoints, model, results).

    one machine:   torchrun --standalone --nproc-per-node N          (a free port, found by torchrun)
    several:       torchrun --nnodes M --node-rank R --master-addr A --master-port P --nproc-per-node N

This module imports no torch: runs.py and the CLI call it before anything heavy is loaded.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # the project root: where `python -m finetune` runs


def is_distributed(config) -> bool:
    """The run needs a launcher: several processes here, or several machines."""
    return config.processes > 1 or config.nnodes > 1


def in_launcher() -> bool:
    """This process is one rank that torchrun started (it sets WORLD_SIZE and RANK for each)."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", 1))


def rank() -> int:
    return int(os.environ.get("RANK", 0))


def is_main() -> bool:
    """Global rank 0 (or the only process): the one that writes the run folder."""
    return rank() == 0


def backend(accelerator: bool) -> str:
    """How the processes of a run talk: NCCL between GPUs, gloo between CPU processes."""
    return "nccl" if accelerator else "gloo"


def command(config, argv: list[str]) -> list[str]:
    """The command line that runs `python -m finetune ARGV` for this config: itself, or under torchrun."""
    engine = ["-m", "finetune", *argv]
    if not is_distributed(config) or in_launcher():
        return [sys.executable, *engine]
    launcher = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={config.processes}",
                "--max-restarts=0"]
    if config.nnodes == 1:
        launcher.append("--standalone")
    else:
        launcher += [f"--nnodes={config.nnodes}", f"--node-rank={config.node_rank}",
                     f"--master-addr={config.master_addr}", f"--master-port={config.master_port}"]
    return [*launcher, *engine]


def run_in_foreground(config, argv: list[str], env: dict | None = None) -> int:
    """The CLI's `train/resume --processes N`: run the launcher here, wait, and return its exit status."""
    return subprocess.run(command(config, argv), cwd=REPO, env=env).returncode


def describe(config) -> str:
    """"2 processes" / "2 machines x 2 processes", for the log and the results; "" for one process."""
    if not is_distributed(config):
        return ""
    here = f"{config.processes} process{'es' if config.processes > 1 else ''}"
    return f"{config.nnodes} machines x {here}" if config.nnodes > 1 else here
