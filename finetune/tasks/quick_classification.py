"""Classification's quick models: zero-shot (texts vs label names in the sentence model's embedding space, or,
where the chosen model is an NLI model, the entailment of "This text is about LABEL."), the TF-IDF baseline and the frozen-embedding probe with its learning curve, each scored on the held-out rows
of the run's own split. The texts are embedded once and reused by zero-shot, the probe and the curve.
"""
from __future__ import annotations

import re

import numpy as np

from .quick import CurvePoint, Limits, QuickReport, QuickScore, Timer, capped, embed, held_out_split
from .probe_method import fit_probe
from .advice import rows_per_class

FRACTIONS = (0.25, 0.5, 1.0)
RISING = 0.02      # the probe gaining more than this from 50 % to 100 % of the rows: more labels still help
WEAK_SHOWN = 8     # classes named in the curve's reading (the rest counted)
NLI_ROWS = 200     # held-out rows an NLI model scores: one forward pass per row and label, so seconds stay seconds
NLI_LABELS = 30    # above this many labels NLI zero-shot is too slow for a quick answer: embeddings instead
HYPOTHESIS = "This text is about {}."


def label_prompt(label: str, descriptions: dict | None = None) -> str:
    """What zero-shot compares a text with: the user's description of the label, else its name in words
    ("ENTY:animal" -> "ENTY animal", "card_arrival" -> "card arrival")."""
    given = (descriptions or {}).get(label, "").strip()
    return given or re.sub(r"[_:\-/]+", " ", label).strip() or label


def quick_models(config, data, limits: Limits, progress, descriptions: dict | None = None) -> QuickReport:
    from threadpoolctl import threadpool_limits

    from ..models.catalog import EMBEDDED, resolve_model
    from .baseline import tfidf_baseline

    split = held_out_split(data)
    train, cut_train = capped(data.datasets["train"], limits.train_rows, config.seed)
    held, cut_held = capped(data.datasets[split], limits.eval_rows, config.seed)
    labels = data.labels
    y_train, y_held = np.asarray(train["label"]), np.asarray(held["label"])
    report = QuickReport(rows_per_class=rows_per_class(data.datasets["train"]["label"]), classes=len(labels),
                         train_rows=len(train), eval_rows=len(held), split=split)
    if cut_train or cut_held:
        report.notes.append(f"Measured on {len(train)} training and {len(held)} held-out rows (a sample: this "
                            "shared Space caps the quick models).")

    progress(0.05, "TF-IDF baseline")
    with threadpool_limits(1):  # small fits: threaded BLAS only slows them on a busy CPU
        base = tfidf_baseline(train["text"], y_train, held["text"], y_held, seed=config.seed)
    report.models.append(QuickScore("tfidf", base["accuracy"], "accuracy", base["seconds"],
                                    {"accuracy": base["accuracy"], "macro_f1": base["macro_f1"]}))

    progress(0.2, "Embedding the texts")
    path = resolve_model(config.model, EMBEDDED)
    with Timer() as embedding:
        train_vectors, held_vectors = embed(train["text"], path), embed(held["text"], path)
    share = embedding.seconds / max(len(train) + len(held), 1)  # each model is charged for the texts it embeds

    progress(0.6, "Zero-shot")
    prompts = [label_prompt(name, descriptions) for name in labels]
    if is_nli(path) and len(labels) <= NLI_LABELS:
        report.models.append(nli_zero_shot(held["text"], y_held, prompts, path, report.notes))
    else:
        with Timer() as zero:
            predicted = (held_vectors @ embed(prompts, path).T).argmax(-1)
        report.models.append(_score("zero-shot", y_held, predicted, zero.seconds + share * len(held)))

    progress(0.7, "Quick probe (C by cross-validation)")
    with Timer() as fitting:
        probe = fit_probe(train_vectors, y_train, seed=config.seed)
        predicted = probe.predict(held_vectors)
    report.models.append(_score("probe", y_held, predicted, fitting.seconds + embedding.seconds))
    report.weak_classes = _weakest(labels, y_held, predicted)

    progress(0.85, "Learning curve")
    report.learning_curve = learning_curve(train_vectors, y_train, held_vectors, y_held, probe.C, config.seed,
                                           full=report.get("probe").score)
    report.rising, report.curve_reading = read_curve(report.learning_curve, report.weak_classes)
    progress(1.0, "Done")
    return report


def is_nli(path: str) -> bool:
    """The model folder is a natural-language-inference classifier (one of its labels is "entailment"), the
    kind transformers' zero-shot-classification pipeline needs."""
    import json
    from pathlib import Path

    try:
        names = json.loads((Path(path) / "config.json").read_text()).get("id2label") or {}
    except (OSError, ValueError, AttributeError):
        return False
    return any(str(n).lower().startswith("entail") for n in names.values())


def nli_zero_shot(texts, gold, prompts: list[str], path: str, notes: list[str]) -> QuickScore:
    """Zero-shot by entailment: each text against "This text is about LABEL." for every label, scored on at
    most NLI_ROWS held-out rows (the note says so)."""
    from transformers import pipeline

    rows = min(len(texts), NLI_ROWS)
    with Timer() as zero:
        classify = pipeline("zero-shot-classification", model=path, device=-1)
        answers = classify(list(texts[:rows]), candidate_labels=prompts, hypothesis_template=HYPOTHESIS)
        answers = answers if isinstance(answers, list) else [answers]
        predicted = np.asarray([prompts.index(a["labels"][0]) for a in answers])
    notes.append(f"Zero-shot by entailment (the chosen model is an NLI model), on {rows} held-out rows"
                 + (f" of {len(texts)}." if rows < len(texts) else "."))
    return _score("zero-shot", np.asarray(gold)[:rows], predicted, zero.seconds)


def _score(name, gold, predicted, seconds) -> QuickScore:
    from sklearn.metrics import accuracy_score, f1_score

    accuracy = float(accuracy_score(gold, predicted))
    return QuickScore(name, accuracy, "accuracy", seconds,
                      {"accuracy": accuracy, "macro_f1": float(f1_score(gold, predicted, average="macro",
                                                                        zero_division=0))})


def learning_curve(train_x, train_y, held_x, held_y, C: float, seed: int, full: float) -> list[CurvePoint]:
    """The probe (at the C chosen on all rows) trained on a stratified 25 % and 50 % of the rows; 100 % is
    the probe itself. A share keeps at least one row of every class."""
    rng = np.random.default_rng(seed)
    points = []
    for fraction in FRACTIONS[:-1]:
        picked = np.concatenate([_some(np.flatnonzero(train_y == c), fraction, rng) for c in np.unique(train_y)])
        if len(np.unique(train_y[picked])) < 2:
            continue
        model = fit_probe(train_x[picked], train_y[picked], seed=seed, C=C)
        points.append(CurvePoint(fraction, float((model.predict(held_x) == held_y).mean())))
    return points + [CurvePoint(1.0, full)]


def _some(rows, fraction, rng):
    return rng.permutation(rows)[:max(1, round(len(rows) * fraction))]


def _weakest(labels, gold, predicted) -> list[str]:
    """Classes by the probe's held-out recall, worst first (those under 0.8 only)."""
    recall = {}
    for c in np.unique(gold):
        rows = gold == c
        recall[labels[int(c)]] = float((predicted[rows] == c).mean())
    return [name for name, r in sorted(recall.items(), key=lambda kv: kv[1]) if r < 0.8]


def read_curve(points: list[CurvePoint], weak: list[str]) -> tuple[bool, str]:
    """(rising, a plain reading): still rising means more labelled rows would help."""
    if len(points) < 2:
        return False, ""
    half = next((p for p in points if p.fraction == 0.5), points[-2])
    gain = points[-1].score - half.score
    shown = ", ".join(weak[:WEAK_SHOWN]) + (f" and {len(weak) - WEAK_SHOWN} more" if len(weak) > WEAK_SHOWN else "")
    if gain > RISING:
        where = f" of these classes (held-out recall under 0.8, {len(weak)} in all): {shown}" if weak else ""
        return True, f"Still rising (+{gain:.2f} from half the rows to all of them): label more rows{where}."
    return False, (f"Flat (+{gain:.2f} from half the rows to all of them): more rows of the same kind are "
                   "unlikely to help much" + (f"; the weakest classes are {shown}." if weak else "."))
