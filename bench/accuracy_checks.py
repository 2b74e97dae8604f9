"""Accuracy checks on real data, through the CLI, as a user would run them. Prints one line per check.

    .venv/bin/python bench/accuracy_checks.py [--seeds 0 1 2]

1. SST-2 (../shared/data/sst2): 2,000 random training rows, 1 epoch, default settings, the full dev set.
2. legal/medical/financial: a 3,500-row file sorted by label (written by sample_data/generate.py),
   1 epoch, evaluated on a separately generated 600-row file.
Skips a check whose data is absent (a user's clone has no ../shared).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SST2 = ROOT.parent / "shared" / "data" / "sst2"


def train(*args) -> dict:
    out = subprocess.run([sys.executable, "-m", "finetune", "train", *map(str, args)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(name, seed, results):
    print(json.dumps({"check": name, "seed": seed, "accuracy": round(results["metrics"]["accuracy"], 4),
                      "macro_f1": round(results["metrics"]["macro_f1"], 4),
                      "train_runtime_s": results["train_runtime_s"], "train_rows": results["train_rows"],
                      "eval_rows": results["eval_rows"]}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[42], help="42 is the default seed")
    seeds = parser.parse_args().seeds
    work = Path(tempfile.mkdtemp(prefix="accuracy-"))
    if SST2.is_dir():
        dev = work / "sst2_dev.csv"
        pd.read_csv(SST2 / "dev.tsv", sep="\t").to_csv(dev, index=False)
        for seed in seeds:
            rows = work / f"sst2_{seed}.csv"
            pd.read_csv(SST2 / "train.tsv", sep="\t").sample(2000, random_state=seed).to_csv(rows, index=False)
            report("sst2-2000-1epoch", seed, train("--data", rows, "--eval-data", dev, "--epochs", 1,
                                                   "--seed", seed, "--output", work / f"sst2-run-{seed}"))
    else:
        print("skipped sst2: ../shared/data/sst2 not found")
    generate = [sys.executable, str(ROOT / "sample_data" / "generate.py")]
    subprocess.run(generate + ["--rows", "3501", "--seed", "7", "--sorted", "--out", str(work / "dom_train.csv")],
                   check=True)
    subprocess.run(generate + ["--rows", "600", "--seed", "99", "--out", str(work / "dom_test.csv")], check=True)
    for seed in seeds:
        report("domains-3500-sorted-1epoch", seed,
               train("--data", work / "dom_train.csv", "--eval-data", work / "dom_test.csv", "--epochs", 1,
                     "--seed", seed, "--output", work / f"dom-run-{seed}"))


if __name__ == "__main__":
    main()
