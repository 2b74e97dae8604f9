"""Text classification: one label per text (sentiment, topics, legal/medical/financial, ...)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.columns import choose_columns
from ..data.label_edits import LabelEdits, apply_label_edits
from ..data.remedies import OTHER, apply_remedies
from ..data.splits import held_out_parts
from ..data.file_kind import read_labelled_table
from ..data.token_lengths import training_max_length
from .training_length import TrainingLength
from ..errors import DataError
from ..models.catalog import EMBEDDED
from .classification_check import check_file
from . import labels as label_rules
from .labels import blocking_problems, labelled_rows, load_with_head, sort_labels
from .predictor import PipelinePredictor
from .probe_method import PROBE_METHOD, probe_head
from .classification_report import chance, held_out_examples, metrics, report, results_view  # noqa: F401
from .quick_classification import quick_models
from .setfit_method import SETFIT, SETFIT_METHOD, setfit_head
from .task import BASELINE, FINE_TUNE, ModelCardText, Task, TaskData, length_texts


# --- data -------------------------------------------------------------------------------------
def read_data(config) -> TaskData:
    """Rows as the Data tab showed them (remedies applied), split, as datasets with label ids."""
    rows, notes = load_rows(config.data_file, config)
    labels = sort_labels(set(rows["label"]))
    problems = blocking_problems(rows["label"].value_counts().to_dict(), len(rows), label_rules.min_per_class(config))
    if problems:
        raise DataError(problems[0][1])
    parts, split_notes = held_out_parts(rows, config, lambda path: _held_out_file(path, config, labels, notes),
                                        stratify="label")
    data = TaskData(_datasets(parts, labels), labels, notes + split_notes, length_texts=rows["text"].tolist())
    if config.balance == "class_weights":
        data.loss = weighted_loss(class_weights(parts["train"]["label"], labels))
        data.notes.append("Rare classes weigh more in the loss (class weights).")
    return data


def load_rows(path, config) -> tuple[pd.DataFrame, list[str]]:
    """Usable labelled rows of a file ("text", "label") after the config's remedies, with notes."""
    frame = read_labelled_table(path)
    text_col, label_col = choose_columns(frame, config.text_column, config.label_column)
    rows, usable = labelled_rows(frame, text_col, label_col)
    notes = [f"Text column '{text_col}', label column '{label_col}'."]
    if (~usable).sum():
        notes.append(f"Skipped {(~usable).sum()} row(s) of {Path(path).name} with an empty text or label.")
    rows, remedy_notes = apply_remedies(rows[usable], config)
    rows, edit_notes = apply_label_edits(rows, LabelEdits.from_json(config.label_edits), frame.attrs["first_row"])
    return rows, notes + remedy_notes + edit_notes


def _held_out_file(path, config, labels, notes):
    """A separate validation/test file, cleaned like the data; its labels must be the training labels."""
    rows, file_notes = load_rows(path, config.updated(drop_duplicates=False, balance="none",
                                                      rare_classes="keep", label_edits=""))
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

    return load_with_head(AutoModelForSequenceClassification, model_path, labels), \
        AutoTokenizer.from_pretrained(model_path)


def prepare(data: TaskData, tokenizer, config):
    """Tokenize without padding (the collator pads per batch) at the max length the data check showed."""
    max_length = max_length_for(data, tokenizer, config)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    tokenized = data.datasets.map(tokenize, batched=True, remove_columns=["text"])
    return tokenized, max_length


def max_length_for(data: TaskData, tokenizer, config, cap: int = 0) -> int:
    """The run's max length (token_lengths.training_max_length) over the rows the data check counted."""
    return training_max_length(tokenizer, length_texts(data), config.max_length, config.seed, cap)


def collator(tokenizer):
    from transformers import DataCollatorWithPadding

    from ..machine.hardware import pad_multiple

    return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_multiple())


# --- playground -------------------------------------------------------------------------------
class Predictor(PipelinePredictor):
    """The trained model as a function: texts in, {"label", "score", "scores"} out."""
    kind = "text-classification"
    call = {"top_k": None, "truncation": True}

    def read(self, text: str, scores) -> dict:
        best = max(scores, key=lambda s: s["score"])
        return {"label": best["label"], "score": float(best["score"]),
                "scores": {s["label"]: float(s["score"]) for s in scores}}


def predictor(model_dir):
    """The predictor of a saved model folder: a quick probe, a SetFit model or a fine-tuned one."""
    from .probe_method import ProbePredictor, is_probe_model
    from .setfit_method import SetFitPredictor, is_setfit_model

    if is_probe_model(model_dir):
        return ProbePredictor(model_dir)
    return SetFitPredictor(model_dir) if is_setfit_model(model_dir) else Predictor(model_dir)


def separate_head(model_dir):
    """A SetFit or probe model's head (Task.separate_head); None for a fine-tuned model."""
    return setfit_head(model_dir) or probe_head(model_dir)


def baseline(train, evaluation, labels, save_to=None) -> dict:
    """TF-IDF + logistic regression on the same rows: the number the transformer has to beat (kept in
    save_to when given, for the Playground's side-by-side)."""
    from .baseline import tfidf_baseline

    return tfidf_baseline(train["text"], train["label"], evaluation["text"], evaluation["label"],
                          save_to=save_to, label_names=labels)



CLASSIFICATION_EXAMPLES = 15_000  # rows seen when epochs are left to the data

TASK = Task(
    name="classification", title="Text classification",
    picker_label="Classify texts (sentiment, topics, legal/medical/financial…)",
    embedded_model=EMBEDDED,
    catalog=(
        (EMBEDDED, "Small and fast (22M parameters), works offline. The default."),
        ("distilbert-base-uncased", "Fast, good for most cases (needs internet to download)."),
        ("bert-base-uncased", "More accurate, the standard choice (needs internet)."),
        ("roberta-base", "Often outperforms BERT (needs internet)."),
        ("google/electra-base-discriminator", "Very efficient for its size (needs internet)."),
    ),
    main_metric="macro_f1", greater_is_better=True,  # early stopping, best model and the runs table use it
    # Training length from the data: 3 epochs (as before) up to 5,000 training rows, fewer above, 1 from 15,000
    # on. Not measured against 3 epochs on a large file yet (bench/training_length.py has the runs for it).
    defaults={"epochs": 0.0, "method": "auto"},  # method auto: the CLI and UI start where the advice points
    length=TrainingLength(examples=CLASSIFICATION_EXAMPLES, min_epochs=1.0, max_epochs=3.0, unit="rows"),
    card=ModelCardText(
        title="Text classification model", pipeline_tag="text-classification",
        hub_base="sentence-transformers/all-MiniLM-L6-v2",
        intended_use="Labelling short texts like those in the training file with one of: {labels}. Check the "
                     "per-class scores above before relying on a class, and keep a person in the loop for "
                     "decisions that matter.",
        usage='classify = pipeline("text-classification", model="path/to/this/folder")\n'
              'print(classify("Your text here", top_k=None))'),
    model_heads=("ForSequenceClassification",),
    read_data=read_data, build_model=build_model, prepare=prepare, collator=collator, metrics=metrics,
    report=report, predictor=predictor, check=check_file, baseline=baseline, quick_models=quick_models,
    results_view=results_view, chance=chance, scores_key="per_class", compared_with=BASELINE,
    methods=(FINE_TUNE, SETFIT_METHOD, PROBE_METHOD), few_rows_method=SETFIT,
    separate_head=separate_head, labelled_rows=load_rows,
    examples=("This software license agreement covers usage rights",
              "Patient shows normal vital signs and recovery",
              "Quarterly revenue increased by 15% this period",
              "I love these headphones, worth every penny.",
              "The kettle? It is worth the money, but it is not good at all."),
    samples=("legal_medical_financial.csv", "messy_imbalanced_domains.csv", "product_reviews_sentiment.csv",
             "negation_reviews.csv"),
    maps_columns=True, stratified_split=True, onnx_loader="AutoModelForSequenceClassification",
)
