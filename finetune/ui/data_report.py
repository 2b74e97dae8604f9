"""The Data tab's words for the TF-IDF baseline (each task's check report words itself: its view())."""
from __future__ import annotations

from .messages import as_text


def baseline_markdown(scores: dict | None, split: str, error: str = "") -> str:
    if error:
        return f"**Baseline:** not computed: {as_text(error)}"
    if not scores:
        return "**Baseline:** computing…"
    sampled = f", on a sample of {scores['train_rows']} training rows" if scores.get("sampled") else ""
    return (f"**Baseline** (TF-IDF + logistic regression, {scores['seconds']:.1f} s{sampled}): accuracy "
            f"**{scores['accuracy']:.3f}**, macro-F1 {scores['macro_f1']:.3f} on the {split} rows. "
            "The fine-tuned model should beat this.")
