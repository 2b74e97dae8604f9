"""Estimate against actual, each case in a fresh runs folder (issue 27: the estimate must hold from the first
run, with this machine's speed measured inside it), plus the default method's choice and score on few rows per
class and the verdict of a weak NER run. Through the CLI, as a user runs it.

    .venv/bin/python bench/estimates.py [--only setfit finetune auto ner]

setfit    TREC's 6 coarse question types, 16 rows each (96 rows), --method setfit
finetune  AG News, a seeded 3,000 rows, 1 epoch, --method finetune
auto      TREC's fine question types with at least 20 training rows, 20 rows each, the default method;
          scored on TREC's test questions of those types
ner       CoNLL-2003, the first 300 sentences, 1 epoch: a weak run, and its verdict (ner1000: 1,000 sentences)

Prints one line per case (estimate_s from results.json, the run's duration, their ratio, method, score,
verdict), with the load before and after and the CPU.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
            ROOT.parent / "shared" / "data")


def trec(column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = lambda f: pd.read_csv(DATA / "trec" / f).rename(columns={column: "label"})[["text", "label"]]
    return read("train.csv"), read("test.csv")


def per_class(frame: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    counts = frame["label"].value_counts()
    kept = frame[frame["label"].isin(counts[counts >= rows].index)]
    return kept.groupby("label").sample(rows, random_state=seed)


def setfit_case(work: Path) -> list:
    train, _ = trec("coarse_label")
    per_class(train, 16).to_csv(work / "intents.csv", index=False)
    return ["--data", work / "intents.csv", "--method", "setfit"]


def finetune_case(work: Path) -> list:
    names = ["World", "Sports", "Business", "Sci/Tech"]
    train = pd.read_csv(DATA / "ag_news" / "train_subset_5000.csv", header=None, names=["text", "label"])
    train["label"] = [names[i] for i in train["label"]]
    train.sample(3000, random_state=0).to_csv(work / "news.csv", index=False)
    return ["--data", work / "news.csv", "--method", "finetune", "--epochs", "1"]


def auto_case(work: Path) -> list:
    train, test = trec("fine_label")
    train = per_class(train, 20)
    train.to_csv(work / "fine.csv", index=False)
    test[test["label"].isin(set(train["label"]))].to_csv(work / "fine_test.csv", index=False)
    return ["--data", work / "fine.csv", "--eval-data", work / "fine_test.csv"]  # the default method


def ner_case(work: Path, sentences: int = 300) -> list:
    with open(DATA / "conll2003" / "train.jsonl") as source, open(work / "ner.jsonl", "w") as out:
        for _, line in zip(range(sentences), source):
            record = json.loads(line)
            out.write(json.dumps({"tokens": record["tokens"], "ner_tags": record["ner_tags"]}) + "\n")
    return ["--task", "ner", "--data", work / "ner.jsonl", "--epochs", "1"]


CASES = {"setfit": setfit_case, "finetune": finetune_case, "auto": auto_case, "ner": ner_case,
         "ner1000": lambda work: ner_case(work, 1000)}


def load() -> str:
    return os.getloadavg().__repr__()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", choices=list(CASES), default=list(CASES))
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is absent: nothing to measure")
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    flags = [f for f in ("amx_bf16", "avx512_bf16", "avx2") if f in cpu]
    print(f"CPU: {os.cpu_count()} cores, {flags[0] if flags else 'no avx2'}; load before {load()}", flush=True)
    rows = []
    for name in args.only:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            runs = work / "runs"  # a fresh runs folder: no speed cached, no earlier run to learn from
            command = [sys.executable, "-m", "finetune", "train", *map(str, CASES[name](work)), "--output",
                       str(runs / name)]
            out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                 env={**os.environ, "FINETUNE_RUNS_DIR": str(runs)})
            if out.returncode:
                print(f"{name}: train failed\n{out.stderr[-2000:]}", flush=True)
                continue
            results = json.loads((runs / name / "results.json").read_text())
            listed = json.loads(subprocess.run([sys.executable, "-m", "finetune", "runs", "--json", "--root",
                                                str(runs)], cwd=ROOT, capture_output=True, text=True).stdout or "[]")
            verdict = next((r for r in listed if r.get("name") == name), {})
            metric = results.get("main_metric", "").removeprefix("eval_") or "accuracy"
            row = {"case": name, "rows": results.get("train_rows"), "method": results.get("method") or "finetune",
                   "estimate_s": results.get("estimate_s"), "actual_s": round(results.get("duration_s") or 0, 1),
                   "metric": metric, "score": round(results["metrics"].get(metric, float("nan")), 3),
                   "verdict": verdict.get("verdict"), "load": load()}
            row["ratio"] = round(row["actual_s"] / row["estimate_s"], 2) if row["estimate_s"] else None
            from finetune.services.verdict import run_verdict

            said = run_verdict(runs / name)
            row["verdict_line"] = f"{said.line} {said.next_step}" if said else ""
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("\n| case | train rows | method | estimate s | actual s | actual/estimate | score | verdict | load after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['rows']} | {r['method']} | {r['estimate_s']} | {r['actual_s']} | {r['ratio']} | "
              f"{r['metric']} {r['score']} | {r['verdict']} | {r['load']} |")


if __name__ == "__main__":
    main()
