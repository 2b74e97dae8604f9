"""One process against two on real data, through the CLI: the same accuracy is expected, and the times are
printed side by side (one process sequence; the load is printed with each run, as the machine may be shared).

    .venv/bin/python bench/distributed_check.py [--rows 2000] [--epochs 1] [--processes 1 2]

SST-2 (../shared/data/sst2): ROWS random training rows, the embedded all-MiniLM-L6-v2, default settings,
evaluated on the full dev set (872 rows). Several processes here are CPU processes talking over gloo; on a
machine with GPUs the same command uses one GPU per process over NCCL. Skips when the data is absent.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SST2 = ROOT.parent / "shared" / "data" / "sst2"


def train(processes: int, *args) -> tuple[dict, float]:
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "finetune", "train", "--processes", str(processes),
                          *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{processes} process(es) failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), time.time() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    if not SST2.is_dir():
        print("skipped: ../shared/data/sst2 not found")
        return
    work = Path(tempfile.mkdtemp(prefix="distributed-"))
    rows, dev = work / "sst2.csv", work / "sst2_dev.csv"
    pd.read_csv(SST2 / "train.tsv", sep="\t").sample(options.rows, random_state=0).to_csv(rows, index=False)
    pd.read_csv(SST2 / "dev.tsv", sep="\t").to_csv(dev, index=False)
    for processes in options.processes:
        load = os.getloadavg()[0]
        results, wall = train(processes, "--data", rows, "--eval-data", dev, "--epochs", options.epochs,
                              "--output", work / f"run-{processes}")
        print(json.dumps({"processes": processes, "accuracy": round(results["metrics"]["accuracy"], 4),
                          "macro_f1": round(results["metrics"]["macro_f1"], 4), "steps": results["steps"],
                          "train_rows": results["train_rows"], "eval_rows": results["eval_rows"],
                          "train_runtime_s": results["train_runtime_s"], "wall_s": round(wall, 1),
                          "samples_per_s": results.get("train_samples_per_second"),
                          "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
