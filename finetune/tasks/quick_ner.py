"""NER's quick model: a CRF on word-shape features (sklearn-crfsuite), the floor a fine-tuned tagger must
clear, scored with entity-level F1 (seqeval, as the trained model) on the held-out sentences of the run's split.
"""
from __future__ import annotations

import re

from .quick import Limits, QuickReport, QuickScore, Timer, capped, held_out_split

MAX_ITERATIONS = 100


def shape(word: str) -> str:
    """"Paris" -> "Xx", "1996" -> "d", "U.S." -> "X.X.": letters and digits collapsed to their kind."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"[0-9]", "d", word))))


def word_features(tokens: list[str], i: int) -> dict:
    word = tokens[i]
    features = {"bias": 1.0, "lower": word.lower(), "suffix3": word[-3:].lower(), "prefix2": word[:2].lower(),
                "shape": shape(word), "title": word.istitle(), "upper": word.isupper(), "digit": word.isdigit(),
                "first": i == 0}
    for offset in (-1, 1):
        j = i + offset
        if 0 <= j < len(tokens):
            features.update({f"{offset}:lower": tokens[j].lower(), f"{offset}:shape": shape(tokens[j]),
                             f"{offset}:title": tokens[j].istitle()})
        else:
            features[f"{offset}:edge"] = True
    return features


def sentence_features(tokens):
    return [word_features(list(tokens), i) for i in range(len(tokens))]


def tag_names(dataset, labels):
    return [[labels[t] for t in tags] for tags in dataset["ner_tags"]]


def quick_models(config, data, limits: Limits, progress, descriptions=None) -> QuickReport:
    import sklearn_crfsuite
    from seqeval.metrics import f1_score

    split = held_out_split(data)
    train, cut_train = capped(data.datasets["train"], limits.train_rows, config.seed)
    held, cut_held = capped(data.datasets[split], limits.eval_rows, config.seed)
    report = QuickReport(classes=len({label[2:] for label in data.labels if label != "O"}), train_rows=len(train),
                         eval_rows=len(held), split=split, unit="sentences")
    if cut_train or cut_held:
        report.notes.append(f"Measured on {len(train)} training and {len(held)} held-out sentences (a sample: this "
                            "shared Space caps the quick models).")
    progress(0.1, "CRF on word shapes")
    with Timer() as timer:
        crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1, max_iterations=MAX_ITERATIONS,
                                   all_possible_transitions=True)
        crf.fit([sentence_features(t) for t in train["tokens"]], tag_names(train, data.labels))
        predicted = crf.predict([sentence_features(t) for t in held["tokens"]])
    f1 = float(f1_score(tag_names(held, data.labels), predicted, zero_division=0))
    report.models.append(QuickScore("crf", f1, "f1", timer.seconds, {"f1": f1}))
    progress(1.0, "Done")
    return report
