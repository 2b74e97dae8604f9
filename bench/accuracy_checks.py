"""Accuracy with the default settings on the shared real data sets, through the CLI as a user runs it.
Prints one JSON line per check as it finishes, then the table (data set, setting, score, time) and the load.

    .venv/bin/python bench/accuracy_checks.py [--only conll2003 sst2 ...] [--seed 42] [--extra --epochs 2 ...]

Every check trains the embedded MiniLM with the task's defaults on 2,000 training rows (CoNLL-2003: the
first 2,000 sentences; the others a seeded sample) and scores the data set's own test/dev split. To keep a
run affordable on a busy 2-core machine: only the final evaluation runs (--eval-steps 100000; no
load_best_model_at_end by default, so the trained model is the same), and AG News and emotion score a
seeded 1,000-row sample of their test sets (said in the "eval" column). SST-2 dev, TREC test and the
CoNLL-2003 test set are scored whole. `negation` is the bundled sample where word order and negation
matter (sample_data/negation_reviews.csv): the TF-IDF baseline beside the fine-tuned model on the same split.
`domains` (named with --only) is a 3,500-row legal/medical/financial file sorted by label, 1 epoch.
Skips a data set that is absent (a user's clone has no ../shared).
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
# ../shared/data beside the clone, or two levels up from a worktree (/work/wt/NAME beside /work/shared)
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
            ROOT.parent / "shared" / "data")
TRAIN_ROWS = 2000
EVAL_SAMPLE = 1000


def conll(work, seed):
    train = work / "conll_train.jsonl"
    with open(DATA / "conll2003" / "train.jsonl") as source, open(train, "w") as out:
        for _, line in zip(range(TRAIN_ROWS), source):
            record = json.loads(line)
            out.write(json.dumps({"tokens": record["tokens"], "ner_tags": record["ner_tags"]}) + "\n")
    return ["--task", "ner", "--data", train, "--eval-data", DATA / "conll2003" / "test.jsonl"], "test (3,453)"


def table_check(train: pd.DataFrame, test: pd.DataFrame, name, work, seed, sample_test=False):
    """Writes the seeded 2,000-row training sample and the test set as CSV (columns text, label)."""
    train = train.sample(min(TRAIN_ROWS, len(train)), random_state=seed)
    note = f"whole ({len(test):,})"
    if sample_test and len(test) > EVAL_SAMPLE:
        test, note = test.sample(EVAL_SAMPLE, random_state=seed), f"sample ({EVAL_SAMPLE:,} of {len(test):,})"
    paths = work / f"{name}_train.csv", work / f"{name}_test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return ["--data", paths[0], "--eval-data", paths[1], "--text-column", "text", "--label-column", "label"], note


def sst2(work, seed):
    read = lambda f: pd.read_csv(DATA / "sst2" / f, sep="\t").rename(columns={"sentence": "text"})
    return table_check(read("train.tsv"), read("dev.tsv"), "sst2", work, seed)


def ag_news(work, seed):
    names = ["World", "Sports", "Business", "Sci/Tech"]
    train = pd.read_csv(DATA / "ag_news" / "train_subset_5000.csv", header=None, names=["text", "label"])
    train["label"] = [names[i] for i in train["label"]]  # 0-3 here, 1-4 in test.csv (SOURCE.txt)
    test = pd.read_csv(DATA / "ag_news" / "test.csv", header=None, names=["label", "title", "body"])
    test = pd.DataFrame({"text": test["title"] + " " + test["body"], "label": [names[i - 1] for i in test["label"]]})
    return table_check(train, test, "ag_news", work, seed, sample_test=True)


def trec(work, seed):
    read = lambda f: pd.read_csv(DATA / "trec" / f).rename(columns={"coarse_label": "label"})[["text", "label"]]
    return table_check(read("train.csv"), read("test.csv"), "trec", work, seed)


def emotion(work, seed):
    read = lambda f: pd.read_csv(DATA / "emotion" / f, sep=";").rename(columns={"label_name": "label"})
    return table_check(read("train.txt"), read("test.txt"), "emotion", work, seed, sample_test=True)


def negation(work, seed):
    sample = ROOT / "sample_data" / "negation_reviews.csv"
    return ["--data", sample], "held out 20% (stratified)"


def domains(work, seed):
    """The 3-domain file sorted by label (sample_data/generate.py), 1 epoch, a separate 600-row test file."""
    generate = [sys.executable, str(ROOT / "sample_data" / "generate.py")]
    subprocess.run(generate + ["--rows", "3501", "--seed", "7", "--sorted", "--out", str(work / "dom_train.csv")],
                   check=True, capture_output=True)
    subprocess.run(generate + ["--rows", "600", "--seed", "99", "--out", str(work / "dom_test.csv")], check=True,
                   capture_output=True)
    return ["--data", work / "dom_train.csv", "--eval-data", work / "dom_test.csv", "--epochs", 1], "600 generated"


CHECKS = {"conll2003": (conll, "conll2003"), "sst2": (sst2, "sst2"), "ag_news": (ag_news, "ag_news"),
          "trec": (trec, "trec"), "emotion": (emotion, "emotion"), "negation": (negation, None),
          "domains": (domains, None)}
DEFAULT_CHECKS = ["conll2003", "sst2", "ag_news", "trec", "emotion", "negation"]


def train(args, output, extra) -> dict:
    out = subprocess.run([sys.executable, "-m", "finetune", "train", *map(str, args), "--eval-steps", "100000",
                          "--output", str(output), *extra], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"train failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def score(results) -> tuple[str, float]:
    metrics = results["metrics"]
    return ("f1", metrics["f1"]) if "f1" in metrics else ("accuracy", metrics["accuracy"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", choices=list(CHECKS), default=DEFAULT_CHECKS,
                        help="domains (the 3,500-row label-sorted file, 1 epoch) runs only when named")
    parser.add_argument("--seed", type=int, default=42, help="42 is the default seed")
    parser.add_argument("--setting", default="defaults", help="the table's setting column")
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more train flags, for every check")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accuracy-"))
    rows = []
    for name in args.only:
        make, folder = CHECKS[name]
        if folder and not (DATA / folder).is_dir():
            print(f"skipped {name}: ../shared/data/{folder} not found", flush=True)
            continue
        flags, evaluated = make(work, args.seed)
        load = os.getloadavg()[0]
        started = time.time()
        results = train(flags, work / f"run-{name}", args.extra)
        metric, value = score(results)
        row = {"data set": name, "setting": args.setting, "metric": metric, "score": round(value, 4),
               "train_s": round(results["train_runtime_s"]), "wall_s": round(time.time() - started),
               "load_at_start": round(load, 1), "eval": evaluated, "train_rows": results["train_rows"]}
        if results.get("baseline"):
            row["tfidf_baseline"] = round(results["baseline"]["accuracy"], 4)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\nload average now: {os.getloadavg()} on {os.cpu_count()} cores (shared machine)")
    if rows:
        print(pd.DataFrame(rows).to_markdown(index=False) if _has_tabulate() else pd.DataFrame(rows).to_string())


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401 (pandas' to_markdown needs it)
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    main()
