"""Tiny files, huge cost (issue 22): the hostile files of the review, built in a temp folder, each checked
in its own process; prints seconds and peak RSS per case, and whether a planted SetFit head ran.

    .venv/bin/python bench/abuse_files.py [--cases parquet xlsx predict predict_cli pdf setfit_canary]

Cases (what the review measured on the old code in brackets):
- parquet: 790-byte-class Parquet, 5,000 rows of one dictionary-encoded 20 KB string, through the data
  check (the Data tab's task.check) [81 s, 7 GB];
- xlsx: a ~200 KB xlsx holding one 200 MB shared string, through the data check [1.1 GB peak];
- predict: a 20 MB text sent to the Playground's Predict handler on a tiny trained run [34 s, 3.4 GB];
- predict_cli: the same text through predictions.predict_texts (the CLI's path);
- pdf: a small PDF of 200 pages sharing one content stream, through pdf_chunks [42 s];
- setfit_canary: a cached Hub repo whose model_head.pkl would create a canary file, built as a SetFit base.
Done when: each table case answers (refused or capped, with a message) in under 20 s (Predict: 10 s) and
under 1.5 GB peak. Peak RSS is the child's ru_maxrss, so imports (torch, gradio) are in it; `base` is a
child that only imports the same modules, for comparison. Prints the load (`uptime`) before and after.
"""
import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.data.hostile_files import parquet_file, pdf_file, xlsx_file  # noqa: E402
os.environ.setdefault("HF_HUB_OFFLINE", "1")
CASES = ("base", "parquet", "xlsx", "predict", "predict_cli", "pdf", "setfit_canary")


# --- the run the Playground cases predict with ----------------------------------------------------
def RUN(folder: Path) -> Path:
    return folder / "runs" / "20260101-000000-classification-bench"


def tiny_run(folder: Path) -> Path:
    """A run folder with a tiny random BERT classifier (what the Playground predicts with)."""
    from tests.conftest import WORDS, save_tiny_bert
    from transformers import BertForSequenceClassification

    from finetune.config import RunConfig
    from finetune.runs.folder import RunPaths

    paths = RunPaths(RUN(folder))
    paths.model.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted({w for ws in WORDS.values() for w in ws})
    save_tiny_bert(paths.model, vocab, BertForSequenceClassification)
    RunConfig(data_file="x.csv", model=str(paths.model)).save(paths.config)
    paths.events.write_text(json.dumps({"event": "finished"}) + "\n")
    return paths.root


# --- one case, in this (child) process ---------------------------------------------------------------
def run_case(case: str, folder: Path) -> dict:
    from finetune.config import RunConfig
    from finetune.errors import ConfigError, DataError

    def data_check(path):
        from finetune.tasks import get_task

        report = get_task("classification").check(RunConfig(data_file=str(path)))
        return "; ".join(w.message for w in report.warnings if w.code == "cells_cut")[:160] or "checked"

    work = {"parquet": folder / "tiny.parquet", "xlsx": folder / "bomb.xlsx", "pdf": folder / "shared-stream.pdf",
            "predict": RUN(folder), "predict_cli": RUN(folder), "setfit_canary": None}.get(case)
    size = work.stat().st_size if work and work.is_file() else 0
    text = "patient fever " * (20_000_000 // 14) if case.startswith("predict") else ""
    import gradio as gr  # the app has these loaded before a visitor's file comes: not timed

    import finetune.data.documents  # noqa: F401
    import finetune.services.predictions  # noqa: F401
    import finetune.tasks.setfit_method  # noqa: F401
    from finetune.ui import playground_tab
    if case == "predict_cli":  # the model loaded first, as in an app that has answered before
        finetune.services.predictions.load_predictor(str(work.resolve()))
    started = time.perf_counter()
    try:
        if case in ("parquet", "xlsx"):
            outcome = data_check(work)
        elif case == "pdf":
            from finetune.data.documents import pdf_chunks

            outcome = f"{len(pdf_chunks(work))} chunks"
        elif case == "predict":
            try:
                playground_tab.show_prediction(work.name, text)
                outcome = "answered"
            except gr.Error as e:
                outcome = f"refused: {e.message}"
        elif case == "predict_cli":
            from finetune.services.predictions import predict_texts

            outcome = f"answered: {predict_texts(work, [text])[0]['label']}"
        elif case == "setfit_canary":
            from finetune.tasks.setfit_method import build_setfit_model

            build_setfit_model("evil/setfit", ["a", "b"])
            outcome = "canary " + ("CREATED" if (folder / "canary").exists() else "absent")
        else:
            outcome = "imports only (what every case's peak includes)"
    except (ConfigError, DataError) as e:
        outcome = f"refused: {e}"
    seconds = time.perf_counter() - started
    return {"case": case, "file_bytes": size, "seconds": round(seconds, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "outcome": outcome[:170]}


def hub_repo(folder: Path) -> Path:
    """A cached Hub repo evil/setfit (the tiny BERT as body) whose model_head.pkl creates folder/canary."""
    from tests.conftest import WORDS, save_tiny_bert
    from transformers import BertModel

    revision = "0" * 40
    repo = folder / "hub" / "models--evil--setfit"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted({w for ws in WORDS.values() for w in ws})
    save_tiny_bert(snapshot, vocab, BertModel)
    (snapshot / "config_setfit.json").write_text(json.dumps({"normalize_embeddings": False, "labels": ["a", "b"]}))
    (snapshot / "model_head.pkl").write_bytes(pickle.dumps(Canary(folder / "canary")))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot / "model_head.pkl"


class Canary:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one, Path(args.folder))))
        return
    folder = Path(tempfile.mkdtemp(prefix="abuse-"))
    env = {**os.environ, "FINETUNE_RUNS_DIR": str(folder / "runs"), "HF_HUB_CACHE": str(folder / "hub"),
           "HF_HUB_OFFLINE": "1"}
    try:
        parquet_file(folder), xlsx_file(folder), pdf_file(folder), tiny_run(folder), hub_repo(folder)
        print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
        print(f"{'case':<14} {'file':>11} {'seconds':>8} {'peak RSS':>9}  outcome")
        for case in args.cases:
            out = subprocess.run([sys.executable, __file__, "--one", case, "--folder", str(folder)],
                                 capture_output=True, text=True, cwd=ROOT, env=env)
            try:
                row = json.loads(out.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                print(f"{case:<14} failed: {(out.stderr or out.stdout).strip().splitlines()[-1:]}")
                continue
            print(f"{row['case']:<14} {row['file_bytes']:>10,}B {row['seconds']:>8.2f} {row['peak_rss_mb']:>6,} MB  "
                  f"{row['outcome']}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
