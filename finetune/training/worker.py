"""The warm training process (control/warm_pool.py keeps one ready): import what every run needs, wait for
one command on stdin, then become that run: its output goes to the run's log and it runs the same
`python -m finetune ...` command line a cold start would.

    python -m finetune.training.worker     (reads one JSON line {"argv", "log"})
"""
from __future__ import annotations

import json
import os
import runpy
import sys


def serve() -> int:
    import datasets  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import torch  # noqa: F401
    from transformers import AutoModelForSequenceClassification, Trainer  # noqa: F401

    from .. import tasks  # noqa: F401
    from . import engine  # noqa: F401

    line = sys.stdin.readline()
    if not line:  # the app went away before handing over a run
        return 0
    order = json.loads(line)
    log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.argv = ["finetune", *order["argv"]]  # the CLI as `python -m finetune` runs it (it exits with its code)
    runpy.run_module("finetune", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
