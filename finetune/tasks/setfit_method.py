"""SetFit: few-shot classification on a sentence-transformers body (the embedded MiniLM is one).

SetFit (the `setfit` package) first tunes the body contrastively on pairs of training texts (same label:
close, different labels: apart), then fits a logistic-regression head on the tuned embeddings. With few
rows per class it beats fine-tuning a classification head by a wide margin (bench/setfit_check.py).

A SetFit run is a run like any other: the engine calls `train_setfit` after reading the data; its loss
goes to events.jsonl as "log" events (the live plot), Stop ends the contrastive phase early (the head is
still fitted, so a stopped run has a usable model), and results.json has the classification report with
the TF-IDF baseline beside it. The model folder holds the SetFit model (config_setfit.json marks it);
`load_setfit_predictor` answers with the same {"label", "score", "scores"} as the fine-tuned model.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..data.token_lengths import fit_body_length
from .task import Method, SeparateHead, length_texts, method_start

from .advice import FINETUNE, MAX_STEPS, METHOD_NAMES, NUM_ITERATIONS, SETFIT, rows_per_class  # noqa: F401 (FINETUNE: its old home)

MARKER = "config_setfit.json"  # a SetFit model folder has it (JSON: normalize_embeddings, labels)
HEAD_FILE = "model_head.safetensors"  # our head: its fitted arrays (tasks/fitted_arrays.py)
PICKLED_HEAD = "model_head.pkl"  # SetFit's own head file: a pickle, never opened here
POINTS = 50  # about this many loss points in the live plot


def is_setfit_model(folder) -> bool:
    return (Path(folder) / MARKER).is_file()


def setfit_head(folder):
    """The SetFit head beside the body (Task.separate_head), None when the folder is no SetFit model."""
    if not is_setfit_model(folder):
        return None
    normalize = bool(json.loads((Path(folder) / MARKER).read_text()).get("normalize_embeddings", False))
    return SeparateHead(METHOD_NAMES[SETFIT], HEAD_FILE, normalize)


def build_setfit_model(model_path, labels):
    """The base model's sentence-transformers body and a fresh logistic-regression head.

    Not SetFitModel.from_pretrained: that unpickles a repo's model_head.pkl (joblib), so a booby-trapped
    repo or folder would run code here. A pickled head is ignored rather than refused: training fits a new
    head on this run's labels anyway, so a pretrained one would be replaced, and ignoring needs no Hub
    listing. The body loads without remote code (sentence-transformers 6 refuses module classes from
    outside its own package unless trust_remote_code) and its weights load as safetensors or weights-only."""
    from sklearn.linear_model import LogisticRegression

    return _setfit_model(model_path, LogisticRegression(), list(labels))


def _setfit_model(folder, head, labels):
    from sentence_transformers import SentenceTransformer
    from setfit import SetFitModel

    settings = Path(folder) / MARKER  # JSON, read only for its normalize_embeddings flag
    normalize = bool(json.loads(settings.read_text()).get("normalize_embeddings", False)) \
        if settings.is_file() else False
    body = SentenceTransformer(str(folder), trust_remote_code=False)
    return SetFitModel(model_body=body, model_head=head, labels=labels, normalize_embeddings=normalize)


def setfit_arguments(config, train_rows: int, output_dir, max_length: int | None = None):
    from setfit import TrainingArguments

    pairs = 2 * NUM_ITERATIONS * train_rows
    steps = min(MAX_STEPS, max(1, -(-pairs // config.batch_size)))
    return TrainingArguments(
        output_dir=str(output_dir), batch_size=config.batch_size, num_epochs=1, max_steps=steps,
        num_iterations=NUM_ITERATIONS, seed=config.seed, report_to="none", save_strategy="no",
        eval_strategy="no", logging_strategy="steps", logging_steps=max(1, steps // POINTS),
        logging_first_step=True, show_progress_bar=False, max_length=max_length or config.max_length or None)


def setfit_settings(args, train_rows: int) -> dict:
    """What SetFit trained with (results.json's trained_with): not the config's learning rate and epochs,
    which fine-tuning reads, but one pass over pairs of texts at the body's own learning rate, then a head."""
    steps = args.max_steps
    return {"method": SETFIT, "body_learning_rate": args.body_embedding_learning_rate, "pairs": steps * args.batch_size[0],
            "pairs_per_text": 2 * NUM_ITERATIONS, "passes_over_pairs": 1, "steps": steps, "batch_size": args.batch_size[0],
            "train_rows": train_rows, "max_length": args.max_length,
            "head": "logistic regression (scikit-learn) on the tuned embeddings"}


def event_callback(events, stop):
    """The engine's EventCallback, reading SetFit's "embedding_loss" as the loss."""
    from ..runs.callbacks import EventCallback

    class SetFitEvents(EventCallback):
        last_step = 0

        def on_step_end(self, args, state, control, **kwargs):
            self.last_step = state.global_step
            return super().on_step_end(args, state, control, **kwargs)

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = {("loss" if k == "embedding_loss" else k): v for k, v in (logs or {}).items()}
            return super().on_log(args, state, control, logs=logs, **kwargs)

    return SetFitEvents(events, stop)


def train_setfit(model, data, config, checkpoints_dir, callback) -> float:
    """Contrastive training, then the head; returns the seconds it took."""
    from setfit import Trainer
    from transformers import PrinterCallback, ProgressCallback

    train = data.datasets["train"]
    args = setfit_arguments(config, len(train), checkpoints_dir, model.model_body.max_seq_length)
    trainer = Trainer(model=model, args=args, train_dataset=train, callbacks=[callback])
    for printer in (PrinterCallback, ProgressCallback):  # stdout carries the final JSON only
        trainer.st_trainer.remove_callback(printer)
    started = time.time()
    trainer.train()
    return time.time() - started


def predicted_logits(model, texts, n_labels: int) -> np.ndarray:
    """Log-probabilities, one column per label id (what the task's report() softmaxes back)."""
    probs = np.asarray(model.predict_proba(list(texts), as_numpy=True), dtype=np.float64)
    classes = [int(c) for c in model.model_head.classes_]
    full = np.full((len(probs), n_labels), 1e-12)
    full[:, classes] = probs
    return np.log(np.clip(full, 1e-12, None))


def save_setfit_model(model, folder, labels) -> None:
    """The body as sentence-transformers saves it (safetensors), config_setfit.json, and the head as its
    fitted arrays (HEAD_FILE), never SetFit's model_head.pkl (a pickle runs code when loaded)."""
    from .fitted_arrays import save_logistic

    folder = Path(folder)
    model.model_body.save(str(folder), create_model_card=False)
    (folder / MARKER).write_text(json.dumps({"normalize_embeddings": model.normalize_embeddings,
                                             "labels": list(labels)}, indent=2))
    save_logistic(model.model_head, folder / HEAD_FILE, labels)
    (folder / "labels.json").write_text(json.dumps(list(labels)))


def load_setfit_model(model_dir):
    """A SetFit model this app saved: its body and the head rebuilt from its arrays. A folder whose head is
    only a pickle (an older version's run) gets OLD_SAVE, and the pickle is never opened."""
    from ..errors import ConfigError
    from .fitted_arrays import OLD_SAVE, load_logistic

    head_file = Path(model_dir) / HEAD_FILE
    if not head_file.is_file():
        raise ConfigError(OLD_SAVE if (Path(model_dir) / PICKLED_HEAD).is_file() else
                          "This SetFit model has no head (model_head.safetensors); retrain it.")
    head, labels = load_logistic(head_file)
    return _setfit_model(model_dir, head, labels)


class SetFitPredictor:
    """A saved SetFit model as a function: texts in, {"label", "score", "scores"} out."""

    def __init__(self, model_dir):
        self.model = load_setfit_model(model_dir)
        self.labels = json.loads((Path(model_dir) / "labels.json").read_text())

    def __call__(self, texts: list[str]) -> list[dict]:
        probs = np.exp(predicted_logits(self.model, texts, len(self.labels)))
        out = []
        for row in probs:
            best = int(row.argmax())
            out.append({"label": self.labels[best], "score": float(row[best]),
                        "scores": {name: float(p) for name, p in zip(self.labels, row)}})
        return out


def run_setfit(config, paths, events, stop, task, data, hardware, checkpoint=None, callbacks=()) -> dict:
    """The SetFit path of a run, from read data to the model saved into `saving` (the engine renames it to
    model/); returns the results' values."""

    from ..runs.events import FINISHED, STAGE, STOPPED
    from ..models.catalog import model_name

    model_path, saving = method_start(config, paths, events, task)
    events.write(STAGE, message="Loading model (SetFit)")
    model = build_setfit_model(model_path, data.labels)
    fit_body_length(model.model_body, length_texts(data), config.max_length, config.seed)
    callback = event_callback(events, stop)
    arguments = setfit_arguments(config, len(data.datasets["train"]), paths.checkpoints,
                                 model.model_body.max_seq_length)
    steps = arguments.max_steps
    events.write(STAGE, message=f"Training with SetFit on {hardware.describe()}", max_steps=steps)
    runtime = train_setfit(model, data, config, paths.checkpoints, callback)

    events.write(STAGE, message="Evaluating")
    report_split = "test" if "test" in data.datasets else "validation"
    validation = data.datasets["validation"]
    val_report = task.report(data.labels, validation, predicted_logits(model, validation["text"], len(data.labels)))
    callback.record_eval(_State(steps, callback.last_step), {f"eval_{k}": v for k, v in val_report["metrics"].items()})
    evaluated = data.datasets[report_split]
    report = val_report if report_split == "validation" else \
        task.report(data.labels, evaluated, predicted_logits(model, evaluated["text"], len(data.labels)))
    baseline = task.baseline(data.datasets["train"], evaluated, data.labels, save_to=paths.baseline)

    events.write(STAGE, message="Saving model")
    save_setfit_model(model, saving, data.labels)
    return {"task": config.task, "model": model_name(config.model, task.embedded_model), "method": SETFIT,
            "train_rows": len(data.datasets["train"]), "eval_rows": len(validation),
            "report_split": report_split, "report_rows": len(evaluated), "baseline": baseline,
            "train_runtime_s": round(runtime, 2), "status": STOPPED if callback.stopped_early else FINISHED,
            "steps": callback.last_step, "max_steps": steps, "early_stopped": False,
            "max_length": int(model.model_body.max_seq_length), "precision": "fp32",
            "device": hardware.describe(), "notes": data.notes + [_method_note(data)],
            "main_metric": task.main_metric,
            "trained_with": setfit_settings(arguments, len(data.datasets["train"])), **report}


class _State:
    """The little of a TrainerState that EventCallback.record_eval reads."""

    def __init__(self, max_steps, step):
        self.max_steps, self.global_step, self.epoch = max_steps, step, 1.0


def _method_note(data) -> str:
    return (f"Trained with SetFit (contrastive pairs, then a logistic-regression head): "
            f"{rows_per_class(data.datasets['train']['label']):g} training rows in the median class.")


SETFIT_METHOD = Method(SETFIT, run_setfit, one_pass=True, few_rows=True)
