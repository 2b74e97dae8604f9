"""Text classification: one label per text (sentiment, topics, legal/medical/financial, ...)."""
from __future__ import annotations

import numpy as np

from ..config import DataError
from . import TaskData
from .tables import choose_columns, read_table

MAIN_METRIC = "accuracy"
MIN_ROWS = 10
LENGTH_SAMPLE = 2000  # texts tokenized to pick max_length; enough for a stable 99th percentile
MISTAKES_KEPT = 20


# --- data -------------------------------------------------------------------------------------
def read_data(config) -> TaskData:
    frame = read_table(config.data_file)
    text_col, label_col = choose_columns(frame, config.text_column, config.label_column)
    notes = [f"Text column '{text_col}', label column '{label_col}'."]
    train = _clean(frame, text_col, label_col, notes, config.data_file)
    labels = sort_labels(set(train["label"]))
    if len(labels) < 2:
        raise DataError(f"Only one label ({labels[0]!r}) in '{label_col}': a classifier needs at least "
                        "two classes. Add examples of the other classes, or pick another label column.")
    if config.eval_file:
        evaluation = _clean(read_table(config.eval_file), text_col, label_col, notes, config.eval_file)
        unknown = sorted(set(evaluation["label"]) - set(labels))
        if unknown:
            raise DataError(f"The evaluation file has labels the training data lacks: {', '.join(unknown[:5])}. "
                            "Every evaluation label must also appear in the training data.")
        return TaskData(_datasets(train, labels, evaluation), labels, notes)
    return TaskData(_split(_dataset(train, labels), config, notes), labels, notes)


def sort_labels(names) -> list[str]:
    """Numbers in numeric order ('2' before '10'), names alphabetically: stable label ids."""
    names = list(names)
    if all(n.lstrip("-").isdigit() for n in names):
        return sorted(names, key=int)
    return sorted(names)


def labelled_rows(frame, text_col, label_col):
    """(rows with "text" and "label" stripped, mask of usable rows): the one rule for what training keeps."""
    rows = frame[[text_col, label_col]].rename(columns={text_col: "text", label_col: "label"})
    rows = rows.assign(text=rows["text"].astype(str).str.strip(), label=rows["label"].astype(str).str.strip())
    return rows, (rows["text"] != "") & (rows["label"] != "")


def _clean(frame, text_col, label_col, notes, path):
    from pathlib import Path

    for col in (text_col, label_col):
        if col not in frame.columns:
            raise DataError(f"{Path(path).name} has no column '{col}'. It has: {', '.join(frame.columns)}.")
    rows, keep = labelled_rows(frame, text_col, label_col)
    if (~keep).sum():
        notes.append(f"Skipped {(~keep).sum()} row(s) of {Path(path).name} with an empty text or label.")
    rows = rows[keep]
    if len(rows) < MIN_ROWS:
        raise DataError(f"{Path(path).name} has {len(rows)} usable row(s); at least {MIN_ROWS} are needed "
                        "(and 100+ per class to learn well).")
    return rows


def _dataset(rows, labels):
    from datasets import ClassLabel, Dataset, Features, Value

    ids = {name: i for i, name in enumerate(labels)}
    features = Features({"text": Value("string"), "label": ClassLabel(names=labels)})
    return Dataset.from_dict({"text": rows["text"].tolist(), "label": [ids[x] for x in rows["label"]]},
                             features=features)


def _datasets(train, labels, evaluation):
    from datasets import DatasetDict

    return DatasetDict(train=_dataset(train, labels).shuffle(seed=0), validation=_dataset(evaluation, labels))


def _split(dataset, config, notes):
    """Shuffled and stratified, so a file sorted by label still validates on every class."""
    from datasets import DatasetDict

    try:
        parts = dataset.train_test_split(test_size=config.val_size, stratify_by_column="label",
                                         seed=config.seed)
    except ValueError:
        # A class with a single row cannot be on both sides; fall back to a plain shuffled split.
        parts = dataset.train_test_split(test_size=config.val_size, shuffle=True, seed=config.seed)
        notes.append("Some class has too few rows to appear in both train and validation, "
                     "so the split is shuffled but not stratified.")
    return DatasetDict(train=parts["train"], validation=parts["test"])


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
