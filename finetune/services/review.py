"""Label review: the rows whose given label is probably wrong, ranked, each with a suggested label.

Confident learning (cleanlab) on out-of-fold predicted probabilities: each row is scored by a TF-IDF
model that never saw it, so a wrong label cannot vouch for itself. The rows are the ones training
sees (the task's labelled_rows: the config's columns and remedies), numbered as the user sees
them in the file. One function serves the Data tab and `python -m finetune review`; the JSON is
{"rows", "method", "folds", "flagged", "labels", "notes",
 "issues": [{"row", "text", "given", "suggested", "score"}]}  (issues most likely wrong first).

Corrections are data, not mutation: data.label_edits.LabelEdits (relabel or drop, by row number) are
recorded in the run config and applied after the remedies when rows are loaded, so the run folder says
what was changed; write_corrected() here writes the file with the edits applied, for the user to keep.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.columns import choose_columns
from ..data.label_edits import LabelEdits, apply_label_edits
from ..data.tables import first_row_number, read_table
from ..errors import ConfigError, DataError
from ..tasks import blocking_problems, get_task, sort_labels

METHOD_TFIDF = "tfidf_out_of_fold"
METHOD_MODEL = "fine_tuned_in_sample"
DEFAULT_FOLDS = 5
MAX_ISSUES = 200  # what the panel lists; `flagged` still counts them all
ISSUE_COLUMNS = ("row", "text", "given", "suggested", "score")
IN_SAMPLE_NOTE = ("Scored with the fine-tuned model, which was trained on most of these rows: it has partly "
                  "learned their labels, wrong ones included, so it flags fewer mistakes than the default "
                  "out-of-fold TF-IDF review. Use it as a second opinion.")


@dataclass
class LabelIssue:
    row: int        # the row number as the user sees it in the file (a spreadsheet's: header = row 1)
    text: str
    given: str
    suggested: str  # the most probable label other than the given one
    score: float    # cleanlab's label quality, 0-1: the probability of the given label; lower = more likely wrong

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class LabelReview:
    rows: int                 # rows reviewed (usable, remedies applied)
    issues: list[LabelIssue]  # the first `limit` flagged rows, most likely wrong first
    method: str               # METHOD_TFIDF or METHOD_MODEL
    folds: int = 0            # cross-validation folds (0 with a fine-tuned model)
    flagged: int = 0          # how many rows cleanlab flagged in all
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"rows": self.rows, "method": self.method, "folds": self.folds, "flagged": self.flagged,
                "labels": self.labels, "notes": self.notes, "issues": [i.to_json() for i in self.issues]}

    @classmethod
    def from_json(cls, values: dict) -> "LabelReview":
        issues = [LabelIssue(**i) for i in values.get("issues", [])]
        return cls(**{**values, "issues": issues})


# --- finding the issues -----------------------------------------------------------------------
def load_rows(path, config):
    """The labelled rows training reads (its task's labelled_rows: the config's columns and remedies)."""
    read = get_task(config.task).labelled_rows
    if read is None:
        raise ConfigError(f"The label review reads labelled tables; {get_task(config.task).title.lower()} "
                          "data has no label column to review.")
    return read(path, config)


def review_labels(config, *, folds: int = DEFAULT_FOLDS, model_dir=None, limit: int | None = MAX_ISSUES,
                  on_step=None) -> LabelReview:
    """The rows of config.data_file whose label is probably wrong, most likely first (limit: how many).

    By default the probabilities are out-of-fold: `folds` TF-IDF + logistic regression models (the
    baseline's), stratified, each scoring the rows it was not fitted on. With model_dir (a finished
    run, or its model/ folder) the fine-tuned model scores every row instead; it has seen most of them
    in training, so it is not out-of-fold and misses mistakes it memorised (said in `notes`).
    on_step(message), when given, hears what is being done (the panel's progress line)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    rows, notes = load_rows(config.data_file, config)
    _check_reviewable(rows)
    labels = sort_labels(set(rows["label"]))
    given = rows["label"].map({name: i for i, name in enumerate(labels)}).to_numpy()
    texts = rows["text"].tolist()
    if model_dir:
        probs, used, method = model_probabilities(model_dir, texts, labels), 0, METHOD_MODEL
        notes.append(IN_SAMPLE_NOTE)
    else:
        probs, used = out_of_fold_probabilities(texts, given, folds, config.seed, notes, on_step)
        method = METHOD_TFIDF
    # The lowest self-confidence (probability of the given label), as many as cleanlab's confident joint
    # estimates are wrong (count.num_label_issues). Measured in bench/label_review.py: more precise than
    # the default prune_by_noise_rate (TREC 0.68 vs 0.51, emotion 0.52 vs 0.39 at 10% flips), for
    # slightly lower recall.
    ranked = find_label_issues(given, probs, filter_by="low_self_confidence",
                               return_indices_ranked_by="self_confidence", n_jobs=1)
    scores = get_label_quality_scores(given, probs, method="self_confidence")
    others = probs.copy()
    others[np.arange(len(given)), given] = -1  # suggest another label, even where the given one is the likeliest
    first_row = first_row_number(config.data_file)
    issues = [LabelIssue(row=int(rows.index[i]) + first_row, text=texts[i], given=labels[given[i]],
                         suggested=labels[int(others[i].argmax())], score=round(float(scores[i]), 4))
              for i in ranked[:limit]]
    return LabelReview(rows=len(rows), issues=issues, method=method, folds=used, flagged=len(ranked),
                       labels=labels, notes=notes)


def _check_reviewable(rows):
    """The training rule's row and class counts; per-class minimums wait for training (a review helps there)."""
    counts = rows["label"].value_counts().to_dict()
    for code, message in blocking_problems(counts, len(rows)):
        if code in ("too_few_rows", "single_class"):
            raise DataError(message)


def out_of_fold_probabilities(texts, given, folds, seed, notes, on_step=None):
    """(probabilities of each label for each row from a model fitted without it, folds used).

    Stratified folds; fewer when the smallest class has fewer rows than folds (each fold needs one)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    from ..tasks import tfidf_pipeline

    smallest = int(np.bincount(given).min())
    used = min(folds, smallest)
    if used < 2:
        raise DataError(f"A class has only {smallest} row; the review needs at least 2 rows per class, so a "
                        "model that did not see a row can score it. Add examples, or drop or merge rare "
                        "classes (the 'rare classes' remedy).")
    if used < folds:
        notes.append(f"Reviewed with {used} folds, not {folds}: the smallest class has only {smallest} rows "
                     "and each fold needs one of them.")
    if on_step:
        on_step(f"Scoring {len(texts)} rows with {used} TF-IDF models…")
    splitter = StratifiedKFold(n_splits=used, shuffle=True, random_state=seed)
    # One BLAS thread: lbfgs on sparse TF-IDF gains nothing from more, and on a busy CPU they wait for
    # each other (measured on the shared 2-core box at load 4: one fit 0.5 s with 1 thread, 9 s with 2).
    with threadpool_limits(limits=1):
        probs = cross_val_predict(tfidf_pipeline(), np.asarray(texts, dtype=object), given, cv=splitter,
                                  method="predict_proba")
    return probs, used


def model_probabilities(model_dir, texts, labels) -> np.ndarray:
    """Each row's probability of each of `labels` from a fine-tuned classifier (its other labels left out)."""
    from .predictions import model_folder, predict_rows

    folder, task = model_folder(model_dir)
    run = Path(model_dir).parent.name if Path(model_dir).name == "model" else Path(model_dir).name  # no server path
    if not reviews_labels(task):
        raise ConfigError(f"{run} holds a {get_task(task).title.lower()} model; label review needs a run "
                          "that labels texts (text classification).")
    predictions = predict_rows(folder, texts)
    known = set(predictions[0]["scores"])
    missing = [name for name in labels if name not in known]
    if missing:
        raise DataError(f"The model of {run} does not know the label(s) {', '.join(missing[:5])}; it was "
                        f"trained on {', '.join(sorted(known)[:10])}. Pick a run trained on this label column, "
                        "or review with the default TF-IDF model.")
    probs = np.array([[p["scores"][name] for name in labels] for p in predictions], dtype=np.float64)
    return probs / probs.sum(axis=1, keepdims=True)


def reviews_labels(task_name: str) -> bool:
    """Whether a task's data can be reviewed: rows of a text and a label column (the columns the Data tab
    maps), one label per row."""
    return get_task(task_name).maps_columns


def issues_table(review: LabelReview) -> pd.DataFrame:
    """The issues as a table (for --output and the panel's download)."""
    return pd.DataFrame([i.to_json() for i in review.issues], columns=list(ISSUE_COLUMNS))


# --- the corrected file ---------------------------------------------------------------------
def write_corrected(config, edits: LabelEdits, output) -> Path:
    """config.data_file with the edits applied (all columns kept, dropped rows left out), as CSV, TSV or JSONL.

    Not formula-neutralised like predictions.write_csv: this is training data and must read back as it
    was ("-1" stays a label). Its row numbers differ from the original's once rows are dropped, so train
    on it without the edits, or on the original with them."""
    output = Path(output)
    if output.suffix.lower() not in (".csv", ".tsv", ".jsonl"):
        raise ConfigError(f"Write the corrected file as .csv, .tsv or .jsonl; got {output.name}.")
    reviewed, _ = load_rows(config.data_file, _without_edits(config))
    apply_label_edits(reviewed, edits, first_row=first_row_number(config.data_file))  # training's checks
    frame = read_table(config.data_file)
    _, label_column = choose_columns(frame, config.text_column, config.label_column)
    first_row = frame.attrs["first_row"]
    for row, label in edits.relabel.items():
        if row - first_row in frame.index:
            frame.at[row - first_row, label_column] = label
    frame = frame.drop(index=[row - first_row for row in edits.drop if row - first_row in frame.index])
    if output.suffix.lower() == ".jsonl":
        frame.to_json(output, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(output, index=False, sep="\t" if output.suffix.lower() == ".tsv" else ",")
    return output


def _without_edits(config):
    """The config with no label edits of its own: `edits` are applied once, here."""
    return config.updated(label_edits="")
