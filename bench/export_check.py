"""ONNX and int8 exports of real runs of the embedded MiniLM, one per way a classifier is trained here (fine-tuned,
the quick probe, SetFit), through the CLI as a user runs them: each run's fp32/int8 check figures as JSON lines,
then a table with the CPU and the load.

    .venv/bin/python bench/export_check.py [--rows-per-class 16] [--methods finetune probe setfit]

Data: TREC's coarse question types (../shared/data/trec), ROWS_PER_CLASS seeded rows of each type to train on,
scored on 300 seeded test rows; int8 agreement is over those held-out rows (the report's split).
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
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
            ROOT.parent / "shared" / "data")


def cli(*args, refusal_ok=False) -> dict:
    """The command's JSON answer; with refusal_ok, a refusal (exit 2, one line) as {"refused": its line}."""
    done = subprocess.run([sys.executable, "-m", "finetune", *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 2 and refusal_ok:
        return {"refused": done.stderr.strip().splitlines()[-1]}
    if done.returncode:
        raise SystemExit(f"{' '.join(map(str, args[:2]))} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-per-class", type=int, default=16)
    parser.add_argument("--methods", nargs="+", default=["finetune", "probe", "setfit"])
    args = parser.parse_args()
    if not (DATA / "trec").is_dir():
        raise SystemExit("skipped: ../shared/data/trec is absent")
    work = Path(tempfile.mkdtemp(prefix="export-"))
    train = pd.read_csv(DATA / "trec" / "train.csv")[["text", "coarse_label"]].rename(columns={"coarse_label": "label"})
    test = pd.read_csv(DATA / "trec" / "test.csv")[["text", "coarse_label"]].rename(columns={"coarse_label": "label"})
    train.groupby("label").sample(args.rows_per_class, random_state=0).to_csv(work / "train.csv", index=False)
    test.sample(300, random_state=0).to_csv(work / "test.csv", index=False)
    print(f"{os.uname().machine}; load {os.getloadavg()}; work in {work}", flush=True)
    rows = []
    for method in args.methods:
        run = work / method
        started = time.time()
        results = cli("train", "--data", work / "train.csv", "--test-file", work / "test.csv", "--method", method,
                      "--output", run)
        trained = time.time() - started
        onnx = cli("export", run, "--format", "onnx")
        int8 = cli("export", run, "--format", "int8", refusal_ok=True)  # under 99% agreement it is not kept
        rows.append({"method": method, "test_accuracy": round(results["metrics"]["accuracy"], 3),
                     "train_s": round(trained), "fp32_max_diff": f"{onnx['max_abs_diff']:.1e}",
                     **{k: int8.get(k) for k in ("agreement", "rows", "fp32_ms", "int8_ms", "fp32_mb", "int8_mb")}})
        print(json.dumps({**rows[-1], **({"int8_refused": int8["refused"]} if "refused" in int8 else {})}), flush=True)
    print(f"\nload average now: {os.getloadavg()} on {os.cpu_count()} cores (shared machine)")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
