"""NER's report: metrics, per-type scores, which types are taken for which, sentences with errors
(results.json's task keys), and how the report, the verdict and a labelled table read them."""
from __future__ import annotations

from collections import Counter
from itertools import islice

import numpy as np

from .ner_files import entity_spans
from .views import MISTAKE_COLUMNS, ResultsView, scores_table

EXAMPLES_KEPT = 4
ERRORS_KEPT = 10


def word_tags(labels, logits, label_ids):
    """(gold, predicted) tag lists per sentence, read at the positions that carry a label."""
    predicted = np.argmax(logits, axis=-1)
    gold_tags, predicted_tags = [], []
    for row_pred, row_gold in zip(predicted, label_ids):
        keep = row_gold != -100
        gold_tags.append([labels[i] for i in row_gold[keep]])
        predicted_tags.append([labels[i] for i in row_pred[keep]])
    return gold_tags, predicted_tags


def metrics(labels):
    from seqeval.metrics import f1_score, precision_score, recall_score

    def compute_metrics(eval_pred):
        gold, predicted = word_tags(labels, *eval_pred)
        return {"f1": float(f1_score(gold, predicted, zero_division=0)),
                "precision": float(precision_score(gold, predicted, zero_division=0)),
                "recall": float(recall_score(gold, predicted, zero_division=0))}

    return compute_metrics


def report(labels, dataset, logits) -> dict:
    """Metrics, per-type scores, which types are taken for which, and a few sentences with errors.

    `dataset` is the validation split as prepare() left it (words plus aligned "labels"); a word cut off by
    max_length is not scored, as in transformers' run_ner."""
    from seqeval.metrics import classification_report

    label_ids = [np.asarray(row) for row in dataset["labels"]]
    padded = np.full((len(label_ids), np.asarray(logits).shape[1]), -100)
    for i, row in enumerate(label_ids):
        padded[i, :len(row)] = row
    gold, predicted = word_tags(labels, np.asarray(logits), padded)
    per_type = classification_report(gold, predicted, output_dict=True, zero_division=0)
    types = sorted({label[2:] for label in labels if label != "O"})
    return {
        "metrics": metrics(labels)((logits, padded)),
        "per_type": {t: {"precision": float(per_type[t]["precision"]), "recall": float(per_type[t]["recall"]),
                         "f1": float(per_type[t]["f1-score"]), "support": int(per_type[t]["support"])}
                     for t in types if t in per_type},
        "confusion_matrix": type_confusion(gold, predicted, types),
        "error_sentences": error_sentences(dataset, gold, predicted),
        "examples": held_out_examples(dataset, gold),
    }


def held_out_examples(dataset, gold) -> list[str]:
    """The Playground's examples for this run: the first held-out sentences with an entity."""
    if "tokens" not in dataset.column_names:
        return []
    with_entities = (i for i, tags in enumerate(gold) if set(tags) != {"O"})
    return [" ".join(dataset[i]["tokens"]) for i in islice(with_entities, EXAMPLES_KEPT)]  # only those rows read


def type_confusion(gold, predicted, types) -> dict:
    """Word-level counts of gold entity type (rows) against predicted type (columns), O included."""
    names = types + ["O"]
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for g_row, p_row in zip(gold, predicted):
        for g, p in zip(g_row, p_row):
            matrix[index[g[2:] or "O"], index[p[2:] or "O"]] += 1
    pairs = Counter({(names[i], names[j]): int(matrix[i, j]) for i in range(len(names)) for j in range(len(names))
                     if i != j and matrix[i, j]})
    return {"labels": names, "matrix": matrix.tolist(),
            "confused": [{"gold": g, "predicted": p, "words": n} for (g, p), n in pairs.most_common(10)]}


def error_sentences(dataset, gold, predicted) -> list[dict]:
    """The first few sentences with a wrong tag: text, gold and predicted entities as character spans."""
    if "tokens" not in dataset.column_names:
        return []
    errors = []
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if g != p and len(errors) < ERRORS_KEPT:
            tokens = dataset[i]["tokens"][:len(g)]
            text, gold_spans = entity_spans(tokens, g)
            errors.append({"text": text, "gold": gold_spans, "predicted": entity_spans(tokens, p)[1]})
    return errors


def results_view(results) -> ResultsView:
    """Per-type scores, the type confusion, and the sentences with a wrong tag (entities as `text (TYPE)`)."""
    import pandas as pd

    report = results.report
    errors = report.get("error_sentences")
    rows = [[e["text"], *[", ".join(f"{e['text'][s['start']:s['end']]} ({s['entity']})" for s in found) or "none"
                          for found in (e["gold"], e["predicted"])], None] for e in errors or []]
    return ResultsView(scores=scores_table(report.get("per_type") or {}), matrix=report.get("confusion_matrix"),
                       mistakes=pd.DataFrame(rows, columns=MISTAKE_COLUMNS) if errors is not None else None)


def chance(report: dict, metric: str) -> float | None:
    """Entity F1, precision and recall of a model that finds nothing: 0."""
    return 0.0 if any(word in metric for word in ("f1", "precision", "recall")) else None


def prediction_columns(predictions: list[dict]) -> dict[str, list]:
    """A labelled table's columns: the entities as "text (TYPE)", and how many."""
    return {"entities": ["; ".join(f"{e['text']} ({e['label']})" for e in p["entities"]) for p in predictions],
            "entity_count": [len(p["entities"]) for p in predictions]}
