"""How long to train: the experiment behind each task's training-length rule (training_length.py).
Prints one JSON line per run, then a table with the load.

Measured 6 Dec 2026 on the shared 2-core AMD EPYC (AVX512-BF16), five sessions at once (load 10-27), CoNLL-2003's
first 3,000 training sentences: ner-3000-rule (4 epochs, 752 steps) validation F1 0.8475, test F1 0.8051, 277
CPU-s for the whole command (2,987 s of wall time at that load). ner-3000-e10 (the default before, 10 epochs,
1,880 steps), run beside it: validation F1 0.8603, test F1 0.8133, ~564 CPU-s (4,673 s wall). README, "Quality
on real data".

    .venv/bin/python bench/training_length.py [--runs ner-3000-e10 ner-3000-rule ...] [--extra --learning-rate 2e-4]

Each run trains the embedded MiniLM through the CLI as a user would, on the first N training sentences (NER:
CoNLL-2003) or a seeded N-row sample (classification), and is scored on the data set's VALIDATION split, which
chooses the rule; CoNLL-2003's test split is scored too (--test-file), for the figure a user would see, never
to choose. A run named "...-rule" leaves --epochs out: the task's rule picks it from the number of rows;
"-eN" forces N epochs (today's fixed defaults: NER 10, classification 3).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the clone, or two levels up from a worktree (/work/wt/NAME beside /work/shared)
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
            ROOT.parent / "shared" / "data")
SEED = 42


def conll(work: Path, rows: int) -> list:
    train = work / f"conll_{rows}.jsonl"
    with open(DATA / "conll2003" / "train.jsonl") as source, open(train, "w") as out:
        for _, line in zip(range(rows), source):
            record = json.loads(line)
            out.write(json.dumps({"tokens": record["tokens"], "ner_tags": record["ner_tags"]}) + "\n")
    return ["--task", "ner", "--data", train, "--eval-data", DATA / "conll2003" / "validation.jsonl",
            "--test-file", DATA / "conll2003" / "test.jsonl"]


def table(work: Path, name: str, rows: int, train: pd.DataFrame, validation: pd.DataFrame) -> list:
    paths = work / f"{name}_{rows}.csv", work / f"{name}_val.csv"
    train.sample(min(rows, len(train)), random_state=SEED).to_csv(paths[0], index=False)
    validation.to_csv(paths[1], index=False)
    return ["--data", paths[0], "--eval-data", paths[1], "--text-column", "text", "--label-column", "label"]


def emotion(work: Path, rows: int) -> list:
    read = lambda f: pd.read_csv(DATA / "emotion" / f, sep=";").rename(columns={"label_name": "label"})  # noqa: E731
    return table(work, "emotion", rows, read("train.txt"), read("val.txt")[["text", "label"]])


def sst2(work: Path, rows: int) -> list:
    """SST-2's dev split is the project's test figure: validation here is 1,000 train rows outside the sample."""
    frame = pd.read_csv(DATA / "sst2" / "train.tsv", sep="\t").rename(columns={"sentence": "text"})
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    validation, rest = frame[:1000], frame[1000:]
    return table(work, "sst2", rows, rest, validation)


DATASETS = {"ner": conll, "emotion": emotion, "sst2": sst2}
RUNS = {  # name: (data set, rows, epochs or None for the rule)
    "ner-3000-e10": ("ner", 3000, 10), "ner-3000-e4": ("ner", 3000, 4), "ner-3000-rule": ("ner", 3000, None),
    "ner-2000-e10": ("ner", 2000, 10), "ner-2000-rule": ("ner", 2000, None),
    "ner-1000-rule": ("ner", 1000, None),
    "emotion-5000-e3": ("emotion", 5000, 3), "emotion-5000-rule": ("emotion", 5000, None),
    "sst2-5000-e3": ("sst2", 5000, 3), "sst2-5000-rule": ("sst2", 5000, None),
}


def run(name: str, work: Path, extra=()) -> dict:
    dataset, rows, epochs = RUNS[name]
    flags = DATASETS[dataset](work, rows) + ([] if epochs is None else ["--epochs", epochs]) + list(extra)
    out = work / name
    load = os.getloadavg()[0]
    started, cpu_before = time.time(), _children_cpu_s()
    done = subprocess.run([sys.executable, "-m", "finetune", "train", *map(str, flags), "--output", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    evals = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    final_eval = [e for e in evals if e["event"] == "eval"][-1]  # the whole validation set, after training
    metric = "f1" if "f1" in results["metrics"] else "accuracy"
    rule = [note for note in results["notes"] if note.startswith("Training length from the data")]
    return {"run": name, "extra": " ".join(extra), "rows": results["train_rows"], "epochs": results.get("epochs"),
            "rule": "from the data" if rule else "fixed", "steps": results["steps"],
            f"validation_{metric}": round(final_eval[f"eval_{metric}"], 4),
            f"{results['report_split']}_{metric}": round(results["metrics"][metric], 4),
            "train_s": round(results["train_runtime_s"]), "wall_s": round(time.time() - started),
            "cpu_s": round(_children_cpu_s() - cpu_before),  # comparable across loads, unlike the wall times
            "load_at_start": round(load, 1)}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=["ner-3000-e10", "ner-3000-rule"])
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more train flags, for every run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="length-"))
    print(f"load {os.getloadavg()}; runs in {work}", flush=True)
    rows = []
    for name in args.runs:
        if not (DATA / ("conll2003" if RUNS[name][0] == "ner" else RUNS[name][0])).is_dir():
            print(f"skipped {name}: its data set is not in ../shared/data", flush=True)
            continue
        rows.append(run(name, work, args.extra))
        print(json.dumps(rows[-1]), flush=True)
    print(f"\nload average now: {os.getloadavg()} on {os.cpu_count()} cores (shared machine)")
    if rows:
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
