"""Text classification: one label per text (sentiment, topics, legal/medical/financial, ...)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import DataError
from . import TaskData
from ..data.columns import choose_columns, text_values
from ..data.remedies import OTHER, apply_remedies
from ..data.splits import split_rows
from ..data.tables import read_table

MAIN_METRIC = "accuracy"
MIN_ROWS = 10
MIN_PER_CLASS = 10    # fewer rows cannot teach a class, nor score it on held-out data
LENGTH_SAMPLE = 2000  # texts tokenized to pick max_length; enough for a stable 99th percentile
MISTAKES_KEPT = 20
MAIN_METRIC = "macro_f1"  # early stopping, best model and the runs table use it


# --- data -------------------------------------------------------------------------------------
def read_data(config) -> TaskData:
    """Rows as the Data tab showed them (remedies applied), split, as datasets with label ids."""
    rows, notes = load_rows(config.data_file, config)
    labels = sort_labels(set(rows["label"]))
    problems = blocking_problems(rows["label"].value_counts().to_dict(), len(rows))
    if problems:
        raise DataError(problems[0][1])
    if config.eval_file or config.test_file:
        parts = {"train": rows}
        for name, path in (("validation", config.eval_file), ("test", config.test_file)):
            if path:
                parts[name] = _held_out_file(path, config, labels, notes)
        if "validation" not in parts:  # a test file only: validation still comes from the data
            split, split_notes = split_rows(rows, config.val_size, 0.0, config.seed)
            parts.update(split)
            notes += split_notes
    else:
        parts, split_notes = split_rows(rows, config.val_size, config.test_size, config.seed)
        notes += split_notes
    data = TaskData(_datasets(parts, labels), labels, notes)
    if config.balance == "class_weights":
        data.loss = weighted_loss(class_weights(parts["train"]["label"], labels))
        notes.append("Rare classes weigh more in the loss (class weights).")
    return data


def load_rows(path, config) -> tuple[pd.DataFrame, list[str]]:
    """Usable labelled rows of a file ("text", "label") after the config's remedies, with notes."""
    frame = read_table(path)
    text_col, label_col = choose_columns(frame, config.text_column, config.label_column)
    rows, usable = labelled_rows(frame, text_col, label_col)
    notes = [f"Text column '{text_col}', label column '{label_col}'."]
    if (~usable).sum():
        notes.append(f"Skipped {(~usable).sum()} row(s) of {Path(path).name} with an empty text or label.")
    rows, remedy_notes = apply_remedies(rows[usable], config)
    return rows, notes + remedy_notes


def blocking_problems(counts: dict[str, int], total: int) -> list[tuple[str, str]]:
    """(code, message) for each reason these label counts cannot be trained on: the one rule."""
    problems = []
    if total < MIN_ROWS:
        problems.append(("too_few_rows", f"Only {total} usable row(s); at least {MIN_ROWS} are needed to "
                                         "train (and 100+ per class to learn well)."))
    if len(counts) < 2:
        only = f" ({next(iter(counts))!r})" if counts else ""
        problems.append(("single_class", f"Only one label{only} in this column: a classifier needs at least two "
                                         "classes. Pick another label column or add examples of other classes."))
    tiny = sorted(k for k, v in counts.items() if v < MIN_PER_CLASS)
    if tiny and len(counts) >= 2:
        listed = ", ".join(f"{k} ({counts[k]})" for k in tiny[:5]) + ("…" if len(tiny) > 5 else "")
        problems.append(("too_few_examples", f"Under {MIN_PER_CLASS} examples for: {listed}. The model cannot "
                         "learn or be scored on so few. Add examples, or drop or merge these rare classes."))
    return problems


def sort_labels(names) -> list[str]:
    """Numbers in numeric order ('2' before '10'), names alphabetically: stable label ids."""
    names = list(names)
    if all(n.lstrip("-").isdigit() for n in names):
        return sorted(names, key=int)
    return sorted(names)


def labelled_rows(frame, text_col, label_col):
    """(rows with "text" and "label" stripped, mask of usable rows): the one rule for what training keeps."""
    rows = pd.DataFrame({"text": text_values(frame, text_col).str.strip(),
                         "label": frame[label_col].astype(str).str.strip()}, index=frame.index)
    return rows, (rows["text"] != "") & (rows["label"] != "")


def _held_out_file(path, config, labels, notes):
    """A separate validation/test file, cleaned like the data; its labels must be the training labels."""
    rows, file_notes = load_rows(path, config.updated(drop_duplicates=False, balance="none",
                                                      rare_classes="keep"))
    notes += file_notes[1:]
    unknown = ~rows["label"].isin(labels)
    if unknown.any() and config.rare_classes == "merge" and OTHER in labels:
        rows = rows.assign(label=rows["label"].where(~unknown, OTHER))
    elif unknown.any() and config.rare_classes == "drop":
        rows = rows[~unknown]
        notes.append(f"Dropped {int(unknown.sum())} row(s) of {Path(path).name} with dropped rare classes.")
    elif unknown.any():
        raise DataError(f"{Path(path).name} has labels the training data lacks: "
                        f"{', '.join(sorted(set(rows['label'][unknown]))[:5])}. Every evaluation label must "
                        "also appear in the training data.")
    if len(rows) == 0:
        raise DataError(f"{Path(path).name} has no usable rows.")
    return rows


def _datasets(parts, labels):
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    ids = {name: i for i, name in enumerate(labels)}
    features = Features({"text": Value("string"), "label": ClassLabel(names=labels)})
    return DatasetDict({name: Dataset.from_dict({"text": rows["text"].tolist(),
                                                 "label": [ids[x] for x in rows["label"]]}, features=features)
                        for name, rows in parts.items()})


def class_weights(train_labels, labels) -> list[float]:
    """scikit-learn's 'balanced' weights: n_rows / (n_classes * rows of the class)."""
    counts = train_labels.value_counts()
    return [len(train_labels) / (len(labels) * counts.get(name, 1)) for name in labels]


def weighted_loss(weights):
    """A Trainer compute_loss_func: cross-entropy where each class weighs as given."""
    def compute_loss(outputs, labels, num_items_in_batch=None):
        import torch

        logits = outputs["logits"].float()  # bf16 autocast: the loss in fp32, as the model's own loss
        weight = torch.tensor(weights, dtype=logits.dtype, device=logits.device)
        return torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), weight=weight)
    return compute_loss


# --- model ------------------------------------------------------------------------------------
def build_model(config, model_path, labels):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)}, ignore_mismatched_sizes=True)
    return model, tokenizer


def prepare(data: TaskData, tokenizer, config):
    """Tokenize without padding (the collator pads per batch) at a max_length fitted to the data."""
    max_length = config.max_length or fitted_max_length(data.datasets["train"]["text"], tokenizer)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    tokenized = data.datasets.map(tokenize, batched=True, remove_columns=["text"])
    return tokenized, max_length


def fitted_max_length(texts, tokenizer) -> int:
    """The 99th percentile of token lengths, rounded up to a multiple of 8, capped by the model."""
    sample = texts[:LENGTH_SAMPLE]
    lengths = [len(ids) for ids in tokenizer(sample, truncation=False)["input_ids"]]
    p99 = int(np.percentile(lengths, 99)) if lengths else 128
    return min(model_limit(tokenizer), max(16, -(-p99 // 8) * 8))


def model_limit(tokenizer) -> int:
    limit = tokenizer.model_max_length
    return 512 if not limit or limit > 100_000 else int(limit)


def collator(tokenizer):
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8)


# --- metrics and report -----------------------------------------------------------------------
def metrics(labels):
    from sklearn.metrics import accuracy_score, f1_score

    def compute_metrics(eval_pred):
        logits, label_ids = eval_pred
        predicted = np.argmax(logits, axis=-1)
        return {"accuracy": float(accuracy_score(label_ids, predicted)),
                "macro_f1": float(f1_score(label_ids, predicted, average="macro", zero_division=0))}

    return compute_metrics


def report(labels, dataset, logits) -> dict:
    """Metrics, per-class scores, confusion matrix and the most confident mistakes."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    gold = np.asarray(dataset["label"])
    probs = _softmax(np.asarray(logits, dtype=np.float64))
    predicted = probs.argmax(-1)
    ids = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=ids,
                                                                     zero_division=0)
    wrong = np.flatnonzero(predicted != gold)
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]])][:MISTAKES_KEPT]
    texts = dataset["text"] if "text" in dataset.column_names else [""] * len(gold)
    return {
        "metrics": metrics(labels)((logits, gold)),
        "per_class": {labels[i]: {"precision": float(precision[i]), "recall": float(recall[i]),
                                  "f1": float(f1[i]), "support": int(support[i])} for i in ids},
        "confusion_matrix": {"labels": labels,
                             "matrix": confusion_matrix(gold, predicted, labels=ids).tolist()},
        "mistakes": [{"text": texts[i], "label": labels[gold[i]], "predicted": labels[predicted[i]],
                      "score": float(probs[i, predicted[i]])} for i in wrong],
    }


def _softmax(logits):
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


# --- playground -------------------------------------------------------------------------------
class Predictor:
    """The trained model as a function: texts in, {"label", "score", "scores"} out."""

    def __init__(self, model_dir):
        from transformers import logging, pipeline

        logging.disable_progress_bar()
        self.pipe = pipeline("text-classification", model=str(model_dir), device="cpu")

    def __call__(self, texts: list[str]) -> list[dict]:
        outputs = self.pipe(list(texts), top_k=None, truncation=True, batch_size=32)
        results = []
        for scores in outputs:
            best = max(scores, key=lambda s: s["score"])
            results.append({"label": best["label"], "score": float(best["score"]),
                            "scores": {s["label"]: float(s["score"]) for s in scores}})
        return results


def pipeline(model_dir) -> Predictor:
    return Predictor(model_dir)


def baseline(train, evaluation, labels, save_to=None) -> dict:
    """TF-IDF + logistic regression on the same rows: the number the transformer has to beat (kept in
    save_to when given, for the Playground's side-by-side)."""
    from .baseline import tfidf_baseline

    return tfidf_baseline(train["text"], train["label"], evaluation["text"], evaluation["label"],
                          save_to=save_to, label_names=labels)
