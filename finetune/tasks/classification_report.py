"""Classification's report: metrics, per-class scores, the confusion matrix and the most confident mistakes
(results.json's task keys), and how the report and the verdict read them."""
from __future__ import annotations

import numpy as np

from .views import MISTAKE_COLUMNS, ResultsView, scores_table

MISTAKES_KEPT = 20


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
        "examples": held_out_examples(texts, gold, predicted),
    }


def held_out_examples(texts, gold, predicted, kept: int = 6) -> list[str]:
    """The Playground's examples for this run: one held-out text per label (one the model got right where
    there is one), so a demo's examples come from the user's own data, never from another domain."""
    examples = []
    for label in dict.fromkeys(gold.tolist()):
        rows = np.flatnonzero(gold == label)
        right = rows[predicted[rows] == label]
        examples.append(texts[int((right if len(right) else rows)[0])])
    return [t for t in examples if t][:kept]


def _softmax(logits):
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def results_view(results) -> ResultsView:
    import pandas as pd

    report = results.report
    mistakes = report.get("mistakes")
    rows = [[m["text"], m["label"], m["predicted"], round(m["score"], 3)] for m in mistakes or []]
    return ResultsView(scores=scores_table(report.get("per_class") or {}), matrix=report.get("confusion_matrix"),
                       mistakes=pd.DataFrame(rows, columns=MISTAKE_COLUMNS) if mistakes is not None else None)


def chance(report: dict, metric: str) -> float | None:
    """The score of a model that learned nothing: always the majority label, so its share for accuracy and
    its F1 (the others' 0) for macro-F1; 0 for other F1-type scores (a model that predicts nothing)."""
    supports = [row.get("support", 0) for row in (report.get("per_class") or {}).values()]
    share = max(supports) / max(sum(supports), 1) if supports else None
    if metric == "accuracy" and share is not None:
        return share
    if metric == "macro_f1" and share is not None:
        return 2 * share / (1 + share) / len(supports)
    if "f1" in metric or "precision" in metric or "recall" in metric:
        return 0.0
    return None
