"""Where fine-tuning overtakes the quick probe: the crossover behind tasks/advice.py's PROBE_BELOW.

    .venv/bin/python bench/crossover.py [--sets trec emotion ag_news sst2] [--sizes 8 16 32 64 128 256]
        [--finetune-sizes 16 64 256] [--setfit-sizes 16] [--eval-rows 300]

For each shared set (../shared/data) and size: SIZE seeded rows of every class from its train file, scored on
--eval-rows seeded rows of its VALIDATION split (never test: emotion val.txt, sst2 dev.tsv; trec and ag_news
have none, so a seeded slice of their train file that the training rows never come from). Every method runs
through the engine as a user's run would (method probe / finetune / setfit, the embedded all-MiniLM-L6-v2,
default settings), eval_file = the validation rows; seconds are the run's duration_s. Prints one line per run,
then the table (macro-F1 and seconds per method), the CPU and the load before and after.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))  # a worktree: SHARED_DATA=/work/shared/data
SETS = {  # name: (train file, validation file or None, read options, text column, label column)
    "trec": (DATA / "trec" / "train.csv", None, {}, "text", "coarse_label"),
    "emotion": (DATA / "emotion" / "train.txt", DATA / "emotion" / "val.txt", {"sep": ";"}, "text", "label_name"),
    "ag_news": (DATA / "ag_news" / "train_subset_5000.csv", None, {"header": None, "names": ["text", "label"]},
                "text", "label"),
    "sst2": (DATA / "sst2" / "train.tsv", DATA / "sst2" / "dev.tsv", {"sep": "\t", "quoting": 3}, "sentence",
             "label"),
}


def read(path, options, text_column, label_column) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, **options)[[text_column, label_column]]
    frame.columns = ["text", "label"]
    return frame


def pools(name, eval_rows, seed):
    """(training pool, validation rows) of a set."""
    train_path, val_path, options, text_column, label_column = SETS[name]
    train = read(train_path, options, text_column, label_column)
    if val_path is None:
        val = train.sample(min(eval_rows, len(train) // 4), random_state=seed)
        train = train.drop(val.index)
    else:
        val = read(val_path, options, text_column, label_column).sample(frac=1, random_state=seed)
    return train, val[val["label"].isin(set(train["label"]))].head(eval_rows)


def uptime() -> str:
    return os.popen("uptime").read().strip()


def cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    return platform.processor()


def main():
    from finetune.config import RunConfig
    from finetune.training.engine import train
    from finetune.tasks import labels

    labels.min_per_class = lambda config: labels.SETFIT_MIN_PER_CLASS  # fine-tuning at 8 per class too
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[8, 16, 32, 64, 128, 256])
    parser.add_argument("--finetune-sizes", nargs="+", type=int, default=[16, 64, 256])
    parser.add_argument("--setfit-sizes", nargs="+", type=int, default=[16])
    parser.add_argument("--eval-rows", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"# {cpu()}; load before: {uptime()}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as work:
        for name in args.sets:
            if not SETS[name][0].exists():
                print(f"# {name}: data absent, skipped")
                continue
            pool, val = pools(name, args.eval_rows, args.seed)
            val_path = Path(work) / f"{name}_val.csv"
            val.to_csv(val_path, index=False)
            for size in args.sizes:
                rows = pd.concat([g.sample(min(size, len(g)), random_state=args.seed) for _, g in pool.groupby("label")])
                data = Path(work) / f"{name}_{size}.csv"
                rows.to_csv(data, index=False)
                methods = ["probe"] + ["finetune"] * (size in args.finetune_sizes) + ["setfit"] * (size in args.setfit_sizes)
                for method in methods:
                    run = Path(work) / f"{name}_{size}_{method}"
                    results = train(RunConfig(data_file=str(data), eval_file=str(val_path), method=method), run)
                    row = {"set": name, "per_class": size, "classes": rows["label"].nunique(), "method": method,
                           "macro_f1": round(results.metrics["macro_f1"], 3),
                           "accuracy": round(results.metrics["accuracy"], 3), "seconds": round(results.elapsed_s, 1)}
                    table.append(row)
                    print(json.dumps(row), flush=True)
    print(f"# load after: {uptime()}")
    frame = pd.DataFrame(table)
    print(frame.pivot_table(index=["set", "per_class"], columns="method", values=["macro_f1", "seconds"]).to_string())


if __name__ == "__main__":
    main()
