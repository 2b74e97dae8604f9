"""The number a transformer has to beat: TF-IDF + logistic regression on the same split, in seconds.

The guide's first question is "do you need fine-tuning?"; this answers it with the user's own data.
"""
from __future__ import annotations

import time

MAX_TRAIN_ROWS = 20_000  # keeps the Data tab's baseline to seconds on big files


def tfidf_pipeline():
    """The unfitted model: word 1-2 grams, TF-IDF, logistic regression (also the label review's model)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=200_000),
                         LogisticRegression(max_iter=1000, C=10.0))


def tfidf_baseline(train_texts, train_labels, eval_texts, eval_labels, seed: int = 0, save_to=None,
                   label_names=None) -> dict:
    """{"accuracy", "macro_f1", "seconds", "train_rows", "sampled"}: word and character n-grams, linear model.

    save_to: a file to keep the fitted pipeline in (with label_names, the names of the label ids), so the
    Playground can show the baseline's answer beside the fine-tuned model's."""
    from sklearn.metrics import accuracy_score, f1_score

    started = time.perf_counter()
    train_texts, train_labels = list(train_texts), list(train_labels)
    sampled = len(train_texts) > MAX_TRAIN_ROWS
    if sampled:  # a seeded sample, and say so through train_rows
        import random

        picked = random.Random(seed).sample(range(len(train_texts)), MAX_TRAIN_ROWS)
        train_texts, train_labels = [train_texts[i] for i in picked], [train_labels[i] for i in picked]
    model = tfidf_pipeline()
    model.fit(train_texts, train_labels)
    predicted = model.predict(list(eval_texts))
    if save_to:  # its fitted arrays, never a pickle (a pickle runs code when loaded)
        from .fitted_arrays import save_tfidf

        save_tfidf(model, save_to, label_names)
    return {"accuracy": float(accuracy_score(list(eval_labels), predicted)),
            "macro_f1": float(f1_score(list(eval_labels), predicted, average="macro", zero_division=0)),
            "seconds": round(time.perf_counter() - started, 2), "train_rows": len(train_texts),
            "sampled": sampled}
