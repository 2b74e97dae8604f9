"""Do you need fine-tuning? For every shared set: zero-shot / TF-IDF / probe (the quick models, as the Data tab
and `check` measure them) beside SetFit and fine-tuning, score and seconds, one table, with the CPU kind.

    SHARED_DATA=/work/shared/data .venv/bin/python bench/quick_models.py [--sets ...] [--train-rows 1000]
        [--setfit-sets trec_fine emotion] [--no-trained]

Each classification set: --train-rows seeded, stratified rows of its train file (trec_fine: 20 rows of each fine
label with 20+, the many-class small case), scored on --test-rows seeded rows of its test file (sst2: dev, the
GLUE test has no labels), passed as test_file (ag_news and sst2 labels are digits: named from their sets' readmes) so every method reports on the same rows. conll2003: --ner-rows
training sentences, its test file. Fine-tuning (default settings, `--method finetune`) and SetFit (where
named) run once each through the engine on the same files; seconds are wall-clock (a run's duration_s; the
quick models' own timers, embeddings included). SetFit and fine-tuning are slow on 2 shared cores: the sizes
are printed with each row. Prints the load (`uptime`) before and after.
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from crossover import DATA, SETS, cpu, read, uptime  # noqa: E402  (the sets' files and readers)

LABEL_NAMES = {"ag_news": {"0": "World", "1": "Sports", "2": "Business", "3": "Sci/Tech"},  # its classes.txt
               "sst2": {"0": "negative", "1": "positive"}}
TESTS = {"trec": DATA / "trec" / "test.csv", "emotion": DATA / "emotion" / "test.txt",
         "ag_news": DATA / "ag_news" / "test.csv", "sst2": DATA / "sst2" / "dev.tsv"}


def classification_files(name, train_rows, test_rows, seed, work):
    base = "trec" if name == "trec_fine" else name
    train_path, _, options, text_column, label_column = SETS[base]
    label_column = "fine_label" if name == "trec_fine" else label_column
    train = read(train_path, options, text_column, label_column)
    if name == "trec_fine":
        counts = train["label"].value_counts()
        train = pd.concat([g.sample(20, random_state=seed) for label, g in train.groupby("label") if counts[label] >= 20])
    else:
        share = min(1.0, train_rows / len(train))
        train = pd.concat([g.sample(frac=share, random_state=seed) for _, g in train.groupby("label")])
    if base == "ag_news":  # its test file: class 1-4, title, description (the train subset: title + description, 0-3)
        raw = pd.read_csv(TESTS[base], header=None, names=["label", "title", "description"], dtype=str)
        test = pd.DataFrame({"text": raw["title"] + " " + raw["description"], "label": (raw["label"].astype(int) - 1).astype(str)})
    else:
        test = read(TESTS[base], options, text_column, label_column)
    names = LABEL_NAMES.get(base)
    if names:  # digits as labels say nothing to zero-shot: the sets' own class names
        train, test = (frame.assign(label=frame["label"].map(names)) for frame in (train, test))
    test = test[test["label"].isin(set(train["label"]))]
    test = test.sample(min(test_rows, len(test)), random_state=seed)
    paths = Path(work) / f"{name}_train.csv", Path(work) / f"{name}_test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return paths, len(train), train["label"].nunique()


def ner_files(rows, seed, work):
    import random

    lines = (DATA / "conll2003" / "train.jsonl").read_text().splitlines()
    picked = random.Random(seed).sample(lines, min(rows, len(lines)))
    paths = Path(work) / "conll_train.jsonl", Path(work) / "conll_test.jsonl"
    paths[0].write_text("\n".join(picked) + "\n")
    paths[1].write_text((DATA / "conll2003" / "test.jsonl").read_text())
    return paths


def main():
    from finetune.config import ConfigError, DataError, RunConfig
    from finetune.training.engine import train
    from finetune.planning.quick_models import measure

    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=["trec", "trec_fine", "emotion", "ag_news", "sst2", "conll2003"])
    parser.add_argument("--train-rows", type=int, default=1000)
    parser.add_argument("--test-rows", type=int, default=500)
    parser.add_argument("--ner-rows", type=int, default=2000)
    parser.add_argument("--setfit-sets", nargs="*", default=["trec_fine"])
    parser.add_argument("--no-trained", action="store_true", help="the quick models only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"# {cpu()}; load before: {uptime()}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as work:
        os.environ["FINETUNE_RUNS_DIR"] = str(Path(work) / "runs")  # the quick models' cache goes there too
        for name in args.sets:
            if name == "conll2003":
                (data, test), size, classes = ner_files(args.ner_rows, args.seed, work), args.ner_rows, None
                config = RunConfig.from_dict({"task": "ner", "data_file": str(data), "test_file": str(test)})
            else:
                (data, test), size, classes = classification_files(name, args.train_rows, args.test_rows, args.seed, work)
                config = RunConfig.from_dict({"task": "classification", "data_file": str(data), "test_file": str(test)})
            quick = measure(config)
            rows = [{"model": m.name, "score": round(m.score, 3), "metric": m.metric, "seconds": round(m.seconds, 1)}
                    for m in quick.models]
            methods = [] if args.no_trained else ["finetune"] + (["setfit"] if name in args.setfit_sets else [])
            for method in methods:
                try:
                    results = train(config.updated(method=method), Path(work) / f"{name}_{method}")
                except (ConfigError, DataError) as e:  # e.g. a class under fine-tuning's 10 rows: said, not fatal
                    print(f"# {name} {method}: not run: {e}", flush=True)
                    continue
                metric = quick.models[0].metric
                rows.append({"model": method, "score": round(results.metrics[metric], 3), "metric": metric,
                             "seconds": round(results.elapsed_s, 1)})
            for row in rows:
                row = {"set": name, "train": size, "classes": classes or quick.classes, "test": quick.eval_rows, **row}
                table.append(row)
                print(json.dumps(row), flush=True)
    print(f"# load after: {uptime()}")
    frame = pd.DataFrame(table)
    print(frame.pivot_table(index=["set", "train", "test", "metric"], columns="model",
                            values=["score", "seconds"], aggfunc="first").to_string())


if __name__ == "__main__":
    main()
