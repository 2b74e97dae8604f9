"""Fitted scikit-learn models saved as their arrays, never as pickles (issue 22).

A pickle (joblib, .pkl) runs code when it is loaded, so a planted or swapped file would run on the
server. Here a fitted model is its numbers: a safetensors file whose tensors are the fitted arrays
(coef_, intercept_, idf_, the vocabulary as UTF-8 bytes) and whose metadata is JSON (the constructor's
parameters, classes_, the label names). Loading rebuilds the scikit-learn objects from those arrays;
nothing in the file can run. Two kinds: a LogisticRegression (SetFit's head) and the TF-IDF + logistic
regression pipeline (the baseline).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FORMAT = "finetune-fitted-arrays-1"
LOGISTIC, TFIDF = "logistic-regression", "tfidf-logistic-regression"
OLD_SAVE = ("This run was saved by an older version of Fine-Tune Studio as a pickle, which is never loaded "
            "(loading a pickle can run code); retrain it to use it here.")


def save_logistic(model, file, labels=None) -> Path:
    """A fitted LogisticRegression as safetensors (labels: the names of its class ids, kept beside)."""
    return _save(file, LOGISTIC, _logistic_arrays(model), {"classifier": _logistic_meta(model)}, labels)


def load_logistic(file):
    """(the LogisticRegression, the label names) saved by save_logistic."""
    arrays, meta = _load(file, LOGISTIC)
    return _logistic(arrays, meta["classifier"]), meta["labels"]


def save_tfidf(pipeline, file, labels=None) -> Path:
    """A fitted make_pipeline(TfidfVectorizer, LogisticRegression) as safetensors."""
    vectorizer, classifier = pipeline[0], pipeline[-1]
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    if any("\n" in term for term in terms):  # the join below would split one term in two
        raise ValueError("A vocabulary term holds a line break; this vectorizer cannot be saved as arrays.")
    arrays = {**_logistic_arrays(classifier), "idf": np.asarray(vectorizer.idf_, dtype=np.float64),
              "vocabulary": np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8).copy()}
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vectorizer.get_params().items()
              if k not in ("dtype", "vocabulary")}
    if any(callable(v) for v in params.values()):
        raise ValueError("A vectorizer with a custom function cannot be saved as arrays.")
    return _save(file, TFIDF, arrays, {"vectorizer": params, "classifier": _logistic_meta(classifier),
                                       "terms": len(terms)}, labels)


def load_tfidf(file):
    """(the fitted pipeline, the label names) saved by save_tfidf."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    arrays, meta = _load(file, TFIDF)
    params = meta["vectorizer"]
    params["ngram_range"] = tuple(params["ngram_range"])
    vectorizer = TfidfVectorizer(**params)
    terms = arrays["vocabulary"].tobytes().decode("utf-8").split("\n") if meta["terms"] else []
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
    vectorizer.idf_ = arrays["idf"]
    return make_pipeline(vectorizer, _logistic(arrays, meta["classifier"])), meta["labels"]


def _logistic_arrays(model) -> dict:
    return {"coef": np.asarray(model.coef_), "intercept": np.asarray(model.intercept_)}  # their dtypes kept


def _logistic_meta(model) -> dict:
    from sklearn.linear_model import LogisticRegression

    if type(model) is not LogisticRegression:
        raise ValueError(f"Only a LogisticRegression is saved as arrays, not a {type(model).__name__}.")
    params = {k: v for k, v in model.get_params().items() if isinstance(v, (str, int, float, bool, type(None)))}
    return {"params": params, "classes": np.asarray(model.classes_).tolist()}


def _logistic(arrays: dict, meta: dict):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(**meta["params"])
    model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
    model.classes_ = np.asarray(meta["classes"])
    model.n_features_in_ = arrays["coef"].shape[1]
    return model


def _save(file, kind: str, arrays: dict, meta: dict, labels) -> Path:
    from safetensors.numpy import save_file

    file = Path(file)
    tensors = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    save_file(tensors, str(file), metadata={"format": FORMAT, "kind": kind,
                                            "meta": json.dumps({**meta, "labels": list(labels or [])})})
    return file


def _load(file, kind: str) -> tuple[dict, dict]:
    from safetensors import safe_open

    with safe_open(str(file), framework="np") as f:
        header = f.metadata() or {}
        if header.get("format") != FORMAT or header.get("kind") != kind:
            raise ValueError(f"{Path(file).name} is not a saved {kind}.")
        return {name: f.get_tensor(name) for name in f.keys()}, json.loads(header["meta"])
