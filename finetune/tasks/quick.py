"""What every task's quick models share: their report (QuickScore, CurvePoint, QuickReport), the row caps on a
Space (Limits), and the frozen sentence model they embed with. planning/quick_models.py measures and caches them."""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache

SPACE_TRAIN_ROWS = 3000  # on a shared Space: rows the quick models train on (seconds on its CPU)

SPACE_EVAL_ROWS = 1000   # and held-out rows they are scored on

NAMES = {"zero-shot": "zero-shot", "tfidf": "TF-IDF", "probe": "quick probe", "crf": "CRF"}



@dataclass
class QuickScore:
    """One quick model on the held-out rows."""
    name: str        # "zero-shot", "tfidf", "probe" or "crf"
    score: float     # `metric` on the held-out rows
    metric: str      # "accuracy" (classification) or "f1" (NER, entity level)
    seconds: float   # fitting and scoring, embeddings included where the model needs them
    scores: dict[str, float] = field(default_factory=dict)  # every metric measured (accuracy, macro_f1, f1)

    @property
    def title(self) -> str:
        return NAMES.get(self.name, self.name)

    def to_json(self) -> dict:
        return {"name": self.name, "score": round(self.score, 4), "metric": self.metric,
                "seconds": round(self.seconds, 2), "scores": {k: round(v, 4) for k, v in self.scores.items()}}



@dataclass
class CurvePoint:
    fraction: float  # share of the training rows
    score: float     # the probe's score on the held-out rows when trained on that share

    def to_json(self) -> dict:
        return {"fraction": self.fraction, "score": round(self.score, 4)}



@dataclass
class QuickReport:
    """What the quick models measured on one file and settings."""
    models: list[QuickScore] = field(default_factory=list)
    learning_curve: list[CurvePoint] = field(default_factory=list)
    curve_reading: str = ""   # "still rising: ..." or "flat: ..."
    rising: bool = False
    rows_per_class: float = 0.0  # median training rows per class (classification)
    classes: int = 0
    train_rows: int = 0
    eval_rows: int = 0
    split: str = "validation"   # the held-out split scored ("test" when the user held one out)
    unit: str = "rows"          # what train_rows and eval_rows count ("sentences" for NER)
    notes: list[str] = field(default_factory=list)  # rows capped on a Space, a model that could not run
    weak_classes: list[str] = field(default_factory=list)  # the probe's lowest-recall classes, worst first

    def best(self, metric: str | None = None) -> QuickScore | None:
        """The best quick model (by `metric` where every model measured it, else by its own score)."""
        scored = [m for m in self.models if metric is None or metric in m.scores]
        return max(scored, key=lambda m: m.scores[metric] if metric else m.score, default=None)

    def get(self, name: str) -> QuickScore | None:
        return next((m for m in self.models if m.name == name), None)

    def to_json(self) -> dict:
        values = asdict(self)
        values["models"] = [m.to_json() for m in self.models]
        values["learning_curve"] = [p.to_json() for p in self.learning_curve]
        return values

    @classmethod
    def from_json(cls, values: dict) -> "QuickReport":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        known["models"] = [QuickScore(**m) for m in known.get("models", [])]
        known["learning_curve"] = [CurvePoint(**p) for p in known.get("learning_curve", [])]
        return cls(**known)

    def bar(self, metric: str, besides: str = "") -> dict | None:
        """The best quick model (other than `besides`, the run's own method) as the bar a trained model must
        clear (results.json's quick_bar)."""
        best = QuickReport(models=[m for m in self.models if m.name != besides]).best(metric)
        return None if best is None else {"name": best.name, "title": best.title, "metric": metric,
                                          "score": round(best.scores[metric], 4), "seconds": round(best.seconds, 2)}



@dataclass(frozen=True)
class Limits:
    """Row caps for the quick models: none locally, a few thousand on a shared Space."""
    train_rows: int | None = None
    eval_rows: int | None = None

    @classmethod
    def here(cls) -> "Limits":
        return cls(SPACE_TRAIN_ROWS, SPACE_EVAL_ROWS) if os.environ.get("SPACE_ID") else cls()



def held_out_split(data) -> str:
    return "test" if "test" in data.datasets else "validation"



def capped(dataset, rows: int | None, seed: int):
    """At most `rows` of a datasets.Dataset, a seeded shuffle (the whole set when it is small enough)."""
    if rows is None or len(dataset) <= rows:
        return dataset, False
    return dataset.shuffle(seed=seed).select(range(rows)), True



@lru_cache(maxsize=2)
def sentence_model(path: str):
    """A sentence-transformers model, loaded once per process and path (seconds the first time)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")



def embed(texts, model_path: str):
    """Unit-length sentence embeddings (numpy, one row per text), so a dot product is the cosine."""
    return sentence_model(model_path).encode(list(texts), batch_size=64, normalize_embeddings=True,
                                             convert_to_numpy=True, show_progress_bar=False)



class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
