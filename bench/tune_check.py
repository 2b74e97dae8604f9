"""A settings search on real data, through the CLI, as a user would run it. Prints the table of trials.

    .venv/bin/python bench/tune_check.py [--data trec|sst2] [--rows 600] [--trials 6] [--budget-minutes 10]

TREC-6 (../shared/data/trec: question type, 6 classes) or SST-2 (../shared/data/sst2: sentiment): --rows
random training rows (a fifth held out for validation, where the search chooses), the embedded MiniLM, and
the data set's own test file (TREC: 500 rows; SST-2: the GLUE dev set, 872 rows) as the held-out file that
only the report sees. Trial 0 is the default settings (the search starts from the given settings), so the table
compares the best trial with the default settings' run on the same held-out data. Prints the load too:
the machine may be shared. Skips when the data is absent (a user's clone has no ../shared).
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
DATA = ROOT.parent / "shared" / "data"


def write_data(name: str, rows: int, seed: int, work: Path) -> tuple[Path, Path, list[str]]:
    """The training sample, the held-out test file, and the column flags."""
    train, test = work / f"{name}_train.csv", work / f"{name}_test.csv"
    if name == "trec":
        read = lambda f: pd.read_csv(DATA / "trec" / f)[["text", "coarse_label"]]  # noqa: E731
        read("train.csv").sample(rows, random_state=seed).to_csv(train, index=False)
        read("test.csv").to_csv(test, index=False)
        return train, test, ["--text-column", "text", "--label-column", "coarse_label"]
    pd.read_csv(DATA / "sst2" / "train.tsv", sep="\t").sample(rows, random_state=seed).to_csv(train, index=False)
    pd.read_csv(DATA / "sst2" / "dev.tsv", sep="\t").to_csv(test, index=False)
    return train, test, []


def load() -> str:
    return "load average %.2f %.2f %.2f on %d cores" % (*os.getloadavg(), os.cpu_count())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", choices=("trec", "sst2"), default="trec")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--budget-minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not (DATA / args.data).is_dir():
        print(f"skipped: ../shared/data/{args.data} not found")
        return
    work = Path(tempfile.mkdtemp(prefix="tune-check-"))
    rows, test, columns = write_data(args.data, args.rows, args.seed, work)
    print(f"{args.data}: {args.rows} training rows, held-out test {test.name}; before: {load()}", flush=True)
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "finetune", "tune", "--data", rows, "--test-file", test, *columns,
                          "--trials", str(args.trials), "--budget-minutes", str(args.budget_minutes),
                          "--seed", str(args.seed), "--output", work / "sweep"],
                         cwd=ROOT, capture_output=True, text=True)
    took = time.time() - started
    if out.returncode != 0:
        print(out.stderr[-3000:])
        raise SystemExit(out.returncode)
    sweep = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"after:  {load()}")
    print(f"sweep: {len(sweep['trials'])} trials in {took:.0f} s (budget {sweep['budget_s']:.0f} s), "
          f"status {sweep['status']}, chosen on validation {sweep['metric']}; folder {work / 'sweep'}")
    print(f"{'trial':<10}{'state':<10}{'val ' + sweep['metric']:>14}{'test accuracy':>15}{'test f1':>9}"
          f"{'seconds':>9}  settings")
    test_scores = {}
    for t in sweep["trials"]:
        results = work / "sweep" / t["run"] / "results.json"
        metrics = json.loads(results.read_text())["metrics"] if results.is_file() else {}
        test_scores[t["run"]] = metrics
        value = f"{t['value']:.4f}" if t["value"] is not None else "-"
        settings = ", ".join(f"{k}={v:.2e}" if k == "learning_rate" else f"{k}={v}" for k, v in t["params"].items())
        print(f"{t['run']:<10}{t['state']:<10}{value:>14}{metrics.get('accuracy', float('nan')):>15.4f}"
              f"{metrics.get('macro_f1', float('nan')):>9.4f}{t['seconds']:>9.0f}  {settings}")
    best, default = sweep["best"], sweep["trials"][0]
    if best:
        gain = test_scores[best["run"]]["accuracy"] - test_scores[default["run"]]["accuracy"]
        print(f"best {best['run']} vs the default settings ({default['run']}) on held-out test: "
              f"accuracy {test_scores[best['run']]['accuracy']:.4f} vs {test_scores[default['run']]['accuracy']:.4f} "
              f"({gain:+.4f})")
    print(f"inside the budget: {took <= sweep['budget_s']} ({took:.0f} s with the CLI's start-up; the search "
          f"itself {sweep['ended'] - sweep['started']:.0f} s of {sweep['budget_s']:.0f} s)")


if __name__ == "__main__":
    main()
