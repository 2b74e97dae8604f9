"""The quick probe: frozen sentence embeddings + a logistic-regression head, trained in seconds.

On small many-class data it beats fine-tuning and SetFit by a wide margin in a fraction of their time
(bench/crossover.py); tasks/advice.py says when `auto` picks it. The head's regularisation C is chosen by
cross-validation on the training rows only. A probe run is a run like any other (events, results.json,
report, verdict, Playground, batch, zip): the model folder holds the sentence-transformers body it used (a
copy at the folder's top, as SetFit saves its body, so config.json is where every reader of a model folder
looks) and the head as arrays in safetensors plus JSON, never a pickle.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from ..data.token_lengths import fit_body_length
from .task import Method, SeparateHead, length_texts, method_start

from .advice import METHOD_NAMES, PROBE, rows_per_class

HEAD_FILE = "probe_head.safetensors"   # the fitted head as arrays (tasks/fitted_arrays.py)
MARKER = "probe.json"                  # {"labels", "classes", "C", "body"}: a probe model folder has it
BODY = "."                             # the sentence-transformers body: the model folder itself
C_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)  # banking77 x 20 rows: CV picks 10-100 (0.885-0.893 vs 0.853-0.864 at C=1)
MAX_FOLDS = 3


def folds_for(labels) -> int:
    """Stratified folds the smallest class allows (at most 3); below 2 there is no cross-validation."""
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    return int(min(MAX_FOLDS, counts.min())) if len(counts) else 0


def fit_probe(embeddings, labels, seed: int = 42, C: float | None = None):
    """A fitted LogisticRegression; C chosen by stratified k-fold CV on these rows unless given. One BLAS
    thread: these fits are small, and on a busy CPU threaded BLAS made them 50x slower (0.2 s -> 8 s)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from threadpoolctl import threadpool_limits

    folds = folds_for(labels)
    with threadpool_limits(1):
        if C is None and folds >= 2:
            search = GridSearchCV(LogisticRegression(max_iter=2000), {"C": list(C_GRID)}, scoring="accuracy",
                                  cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
            return search.fit(embeddings, labels).best_estimator_
        return LogisticRegression(C=C if C is not None else 10.0, max_iter=2000).fit(embeddings, labels)


def probe_probabilities(model, embeddings, n_labels: int) -> np.ndarray:
    """Probabilities, one column per label id (a class the head never saw in training gets 0)."""
    full = np.zeros((len(embeddings), n_labels))
    full[:, [int(c) for c in model.classes_]] = model.predict_proba(embeddings)
    return full


def probe_logits(model, embeddings, n_labels: int) -> np.ndarray:
    """Log-probabilities, one column per label id (what the task's report() softmaxes back)."""
    return np.log(np.clip(probe_probabilities(model, embeddings, n_labels), 1e-12, None))


def save_probe(model, folder, labels, body_path) -> None:
    """The head as arrays (safetensors) and JSON, beside a copy of the body it was trained on."""
    from .fitted_arrays import save_logistic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(body_path, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.onnx", "onnx", "openvino", "*.pt", ".git"))
    save_logistic(model, folder / HEAD_FILE, labels)
    (folder / MARKER).write_text(json.dumps({"labels": list(labels), "classes": [int(c) for c in model.classes_],
                                             "C": float(model.C), "body": BODY}, indent=2))
    (folder / "labels.json").write_text(json.dumps(list(labels)))


def is_probe_model(folder) -> bool:
    return (Path(folder) / MARKER).is_file()


def probe_head(folder):
    """The probe's head beside the body (Task.separate_head), None when the folder is no probe."""
    return SeparateHead(METHOD_NAMES[PROBE], HEAD_FILE, normalize=True) if is_probe_model(folder) else None


class ProbePredictor:
    """A saved probe as a function: texts in, {"label", "score", "scores"} out (as the other models)."""

    def __init__(self, model_dir):
        from .quick import sentence_model
        from .fitted_arrays import load_logistic

        folder = Path(model_dir)
        meta = json.loads((folder / MARKER).read_text())
        self.head, self.labels = load_logistic(folder / HEAD_FILE)
        self.body = sentence_model(str((folder / meta["body"]).resolve()))

    def probabilities(self, texts) -> np.ndarray:
        embeddings = self.body.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False)
        return probe_probabilities(self.head, embeddings, len(self.labels))

    def __call__(self, texts: list[str]) -> list[dict]:
        out = []
        for row in self.probabilities(texts):
            best = int(row.argmax())
            out.append({"label": self.labels[best], "score": float(row[best]),
                        "scores": {name: float(p) for name, p in zip(self.labels, row)}})
        return out


def run_probe(config, paths, events, stop, task, data, hardware, checkpoint=None, callbacks=()) -> dict:
    """The probe path of a run, from read data to the model saved into `saving`; returns the results' values."""

    from ..runs.events import EVAL, FINISHED, STAGE
    from ..models.catalog import model_name
    from .quick import embed

    model_path, saving = method_start(config, paths, events, task)
    events.write(STAGE, message="Embedding the texts (frozen sentence model)", max_steps=1)
    started = time.time()
    train, validation = data.datasets["train"], data.datasets["validation"]
    report_split = "test" if "test" in data.datasets else "validation"
    evaluated = data.datasets[report_split]
    body = _body(model_path)  # the process's cached body (quick.sentence_model): its own length is put back
    own_length = body.max_seq_length
    max_length = fit_body_length(body, length_texts(data), config.max_length, config.seed)
    try:
        vectors = {name: embed(data.datasets[name]["text"], str(model_path))
                   for name in {"train", "validation", report_split}}
    finally:
        body.max_seq_length = own_length
    events.write(STAGE, message=f"Fitting the linear head on {hardware.describe()} (C by {MAX_FOLDS}-fold CV)")
    model = fit_probe(vectors["train"], np.asarray(train["label"]), seed=config.seed)
    runtime = time.time() - started

    events.write(STAGE, message="Evaluating")
    n = len(data.labels)
    val_report = task.report(data.labels, validation, probe_logits(model, vectors["validation"], n))
    events.write(EVAL, step=1, max_steps=1, epoch=1.0, **{f"eval_{k}": v for k, v in val_report["metrics"].items()})
    report = val_report if report_split == "validation" else \
        task.report(data.labels, evaluated, probe_logits(model, vectors[report_split], n))
    baseline = task.baseline(train, evaluated, data.labels, save_to=paths.baseline)

    events.write(STAGE, message="Saving model")
    save_probe(model, saving, data.labels, model_path)
    _save_body_length(saving, max_length)
    note = (f"Trained the quick probe: frozen {model_name(config.model, task.embedded_model)} embeddings and a "
            f"logistic-regression head (C={model.C:g}, chosen by {folds_for(train['label'])}-fold cross-validation "
            f"on the training rows); {rows_per_class(train['label']):g} training rows in the median class. The folder is "
            f"the sentence-transformers body plus {HEAD_FILE} and {MARKER}: load it with `python -m finetune predict` "
            "or finetune.tasks.probe_method.ProbePredictor, not transformers.pipeline.")
    return {"task": config.task, "model": model_name(config.model, task.embedded_model), "method": PROBE,
            "train_rows": len(train), "eval_rows": len(validation), "report_split": report_split,
            "report_rows": len(evaluated), "baseline": baseline, "train_runtime_s": round(runtime, 2),
            "status": FINISHED, "steps": 1, "max_steps": 1, "early_stopped": False,
            "max_length": max_length, "precision": "fp32",
            "device": hardware.describe(), "notes": data.notes + [note], "main_metric": task.main_metric, **report}


def _save_body_length(folder, max_length: int) -> None:
    """The saved body reads what it was trained at (sentence-transformers keeps it in sentence_bert_config.json)."""
    settings = Path(folder) / "sentence_bert_config.json"
    if settings.is_file():
        settings.write_text(json.dumps({**json.loads(settings.read_text()), "max_seq_length": max_length}, indent=2))


def _body(model_path):
    from .quick import sentence_model

    return sentence_model(str(model_path))


PROBE_METHOD = Method(PROBE, run_probe, few_rows=True)
