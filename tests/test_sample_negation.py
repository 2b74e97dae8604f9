"""The bundled negation sample (sample_data/generate_negation.py): reproducible, balanced, and not
separable by a bag of words (each review's words appear, reordered, under the other label)."""
import csv
import importlib.util
import re
from collections import Counter

from tests.conftest import SAMPLES


def generator():
    spec = importlib.util.spec_from_file_location("generate_negation", SAMPLES / "generate_negation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bag(text: str) -> tuple:
    return tuple(sorted(Counter(re.findall(r"[a-z'-]+", text.lower())).items()))


def test_the_generator_is_deterministic_and_writes_the_bundled_file():
    module = generator()
    assert module.rows(50, seed=3) == module.rows(50, seed=3) and module.rows(50, seed=3) != module.rows(50, 4)
    with open(SAMPLES / "negation_reviews.csv", newline="", encoding="utf-8") as f:
        bundled = [(row["text"], row["label"]) for row in csv.DictReader(f)]
    assert bundled == module.rows()


def test_the_labels_are_balanced_and_every_review_has_a_reordered_twin_with_the_other_label():
    reviews = generator().rows()
    assert Counter(label for _, label in reviews) == {"positive": 600, "negative": 600}
    labels_by_bag = {}
    for text, label in reviews:
        labels_by_bag.setdefault(bag(text), set()).add(label)
    assert all(labels == {"positive", "negative"} for labels in labels_by_bag.values())
    assert len({text for text, _ in reviews}) == len(reviews)  # twins differ in order, not words


def test_a_bag_of_words_model_scores_no_better_than_chance_on_held_out_twins():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    reviews = generator().rows()
    train, test = reviews[:900], reviews[900:]
    vectorizer = CountVectorizer()
    model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform([t for t, _ in train]),
                                                  [label for _, label in train])
    predicted = model.predict(vectorizer.transform([t for t, _ in test]))
    assert (predicted == [label for _, label in test]).mean() < 0.6
