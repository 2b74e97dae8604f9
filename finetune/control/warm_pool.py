"""A training process started ahead of time, so Start does not wait for imports.

Importing torch, transformers and the Trainer takes about 7 s on a 2-core CPU: most of the wait between
Start and the first loss point. The app keeps one process that has done those imports and waits for a
command on stdin. A run takes it (runs._launch), and it becomes that run: it redirects its output to the
run's log and runs the same `python -m finetune ...` command line, in its own process as always. The next
warm process starts at once, for the next run. Only the app pre-warms; the CLI starts runs cold.

    python -m finetune.training.worker   (what prewarm() starts; it reads one JSON line {"argv", "log"})

This is the app's side (control/processes takes from the pool); the warm process itself is
training/worker.py, which this module only names on a command line and never imports.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from ..machine import launch

SETTINGS_PREFIXES = ("FINETUNE_", "HF_", "TRANSFORMERS_", "CUDA_", "SPACE_", "OMP_", "PYTORCH_")


# What a training process inherits: paths, locale, threads, and this app's and the ML libraries' settings.
# Nothing else: a Space secret (HF_TOKEN, an API key) never reaches code that runs on a visitor's data.
ENV_ALLOWED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "PYTHONPATH", "VIRTUAL_ENV",
               "SPACE_ID", "CPU_CORES", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES",
               "HF_HOME", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
               "TRANSFORMERS_CACHE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_CACHE", "HF_DATASETS_OFFLINE",
               "TORCH_HOME", "XDG_CACHE_HOME")
ENV_PREFIXES = ("FINETUNE_",)
ENV_SECRET = ("FINETUNE_SECRET",)  # the app's own signing secret stays in the app
NICENESS_ENV, RUN_NICENESS = "FINETUNE_RUN_NICENESS", 10  # 0 = a run at the app's own CPU priority


def launch_env() -> dict:
    """The environment of every training process, warm or cold (runs._launch uses it too): an allow-list."""
    kept = {k: v for k, v in os.environ.items()
            if (k in ENV_ALLOWED or k.startswith(ENV_PREFIXES)) and k not in ENV_SECRET}
    return {**kept, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


def at_run_priority(argv: list[str]) -> list[str]:
    """argv under `nice`: a training process yields the CPU to the app, so a visitor's Predict is answered
    first and the run takes every cycle the app leaves (bench/serving.py measures both). Where `nice` is
    missing (Windows) the run starts at the app's priority."""
    value = os.environ.get(NICENESS_ENV, str(RUN_NICENESS)).strip()
    niceness = int(value) if value.isdigit() else RUN_NICENESS
    tool = shutil.which("nice")
    return [tool, "-n", str(niceness), *argv] if niceness and tool else list(argv)


class WarmPool:
    """At most one warm process, kept ready once enabled. The app has one pool (POOL): a registry of the
    process it started, not per-visitor state; each run still takes the process for itself."""

    def __init__(self):
        self._lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.enabled = False

    def prewarm(self) -> None:
        """Keep a warm process ready from now on (the app calls this once at start-up)."""
        self.enabled = True
        self._spawn()

    def shutdown(self) -> None:
        """No warm process any more (it would also end by itself when the app exits and its stdin closes)."""
        with self._lock:
            self.enabled, process, self.process = False, self.process, None
        if process is not None:
            process.kill()
            process.wait()

    def take(self, argv: list[str], log: Path, env: dict) -> subprocess.Popen | None:
        """Hand `python -m finetune ARGV` to the warm process, which becomes the run; None when there is none
        (or it died, or it was started with another environment), and the caller starts the run cold."""
        with self._lock:
            process, self.process = self.process, None
        if process is None or process.poll() is not None or getattr(process, "finetune_env", None) != _settings(env):
            if process is not None and process.poll() is None:
                process.kill()
            self._spawn()
            return None
        try:
            process.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
            process.stdin.close()
        except OSError:  # it died between poll() and the write
            self._spawn()
            return None
        self._spawn()  # the next run's
        return process

    def _spawn(self) -> None:
        if not self.enabled:
            return
        env = launch_env()  # the same environment a cold run gets
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                return
            argv = at_run_priority([sys.executable, "-m", "finetune.training.worker"])
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                            cwd=launch.REPO, start_new_session=True)
            self.process.finetune_env = _settings(env)


POOL = WarmPool()  # this app process's pool: app.py prewarms it, control/processes takes from it


def prewarm() -> None:
    POOL.prewarm()


def shutdown() -> None:
    POOL.shutdown()


def take(argv: list[str], log: Path, env: dict) -> subprocess.Popen | None:
    return POOL.take(argv, log, env)


def _settings(env: dict) -> dict:
    """The variables that change what a run does. Not all of them: importing torch in the app sets a few
    of its own (KMP_*, TORCHINDUCTOR_CACHE_DIR), which must not retire the warm process."""
    return {k: v for k, v in env.items() if k.startswith(SETTINGS_PREFIXES)}
