"""A training process started ahead of time, so Start does not wait for imports.

Importing torch, transformers and the Trainer takes about 7 s on a 2-core CPU: most of the wait between
Start and the first loss point. The app keeps one process that has done those imports and waits for a
command on stdin. A run takes it (runs._launch), and it becomes that run: it redirects its output to the
run's log and runs the same `python -m finetune ...` command line, in its own process as always. The next
warm process starts at once, for the next run. Only the app pre-warms; the CLI starts runs cold.

    python -m finetune.warm     (what prewarm() starts; it reads one JSON line {"argv", "log"})
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

_LOCK = threading.Lock()
_WARM: subprocess.Popen | None = None
_ENABLED = False
SETTINGS_PREFIXES = ("FINETUNE_", "HF_", "TRANSFORMERS_", "CUDA_", "SPACE_", "OMP_", "PYTORCH_")


def prewarm() -> None:
    """Keep a warm process ready from now on (the app calls this once at start-up)."""
    global _ENABLED
    _ENABLED = True
    _spawn()


def shutdown() -> None:
    """No warm process any more (it would also end by itself when the app exits and its stdin closes)."""
    global _ENABLED, _WARM
    with _LOCK:
        _ENABLED, process, _WARM = False, _WARM, None
    if process is not None:
        process.kill()
        process.wait()


def take(argv: list[str], log: Path, env: dict) -> subprocess.Popen | None:
    """Hand `python -m finetune ARGV` to the warm process, which becomes the run; None when there is none
    (or it died, or it was started with another environment), and the caller starts the run cold."""
    global _WARM
    with _LOCK:
        process, _WARM = _WARM, None
    if process is None or process.poll() is not None or getattr(process, "finetune_env", None) != _settings(env):
        if process is not None and process.poll() is None:
            process.kill()
        _spawn()
        return None
    try:
        process.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        process.stdin.close()
    except OSError:  # it died between poll() and the write
        _spawn()
        return None
    _spawn()  # the next run's
    return process


def _spawn() -> None:
    global _WARM
    if not _ENABLED:
        return
    from .runs import launch_env  # the same environment a cold run gets

    env = launch_env()
    with _LOCK:
        if _WARM is not None and _WARM.poll() is None:
            return
        _WARM = subprocess.Popen([sys.executable, "-m", "finetune.warm"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                 cwd=Path(__file__).resolve().parent.parent, start_new_session=True)
        _WARM.finetune_env = _settings(env)


def _settings(env: dict) -> dict:
    """The variables that change what a run does. Not all of them: importing torch in the app sets a few
    of its own (KMP_*, TORCHINDUCTOR_CACHE_DIR), which must not retire the warm process."""
    return {k: v for k, v in env.items() if k.startswith(SETTINGS_PREFIXES)}


def serve() -> int:
    """The warm process: import what every run needs, then wait for one command and run it."""
    import datasets  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import torch  # noqa: F401
    from transformers import AutoModelForSequenceClassification, Trainer  # noqa: F401

    from . import engine  # noqa: F401
    from .tasks import classification  # noqa: F401

    line = sys.stdin.readline()
    if not line:  # the app went away before handing over a run
        return 0
    order = json.loads(line)
    log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from .__main__ import main

    return main(order["argv"])


if __name__ == "__main__":
    sys.exit(serve())
