"""Do you need fine-tuning? Models that train in seconds, measured on the held-out rows of the run's own split.

Each task that has them declares `Task.quick_models` (classification: zero-shot, TF-IDF and the frozen-embedding
probe with its learning curve, tasks/quick_classification.py; NER: a CRF on word shapes, tasks/quick_ner.py).
`measure(config)` reads the data as training will (the same split), caps rows on a Space, and returns a
QuickReport; `python -m finetune check` prints it, the Data tab draws it, tasks/advice.py reads it, and a run's
results.json keeps the best of them as the bar the trained model must clear.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

SPACE_TRAIN_ROWS = 3000  # on a shared Space: rows the quick models train on (seconds on its CPU)
SPACE_EVAL_ROWS = 1000   # and held-out rows they are scored on
CACHE_KEPT = 200        # reports kept in the cache folder (the oldest go first)
# The settings that change which rows the quick models see, or how they embed them.
KEY_FIELDS = ("task", "model", "text_column", "label_column", "text_mode", "val_size", "test_size", "seed",
              "clean_text", "drop_duplicates", "merge_label_variants", "rare_classes", "rare_min_rows", "balance",
              "label_edits")
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


def measure(config, limits: Limits | None = None, progress=None, descriptions: dict | None = None,
            cache: bool = True) -> QuickReport | None:
    """The task's quick models on the config's data and split; None for a task without them. A report for
    the same files, settings and label descriptions comes from the cache folder (and a new one goes there,
    where a run started from these settings finds its bar). progress(share, message) hears of each step."""
    from .tasks import get_task

    task = get_task(config.task)
    if task.quick_models is None:
        return None
    limits = limits or Limits.here()
    key = cache_key(config, descriptions, limits)
    found = cached(key) if cache else None
    if found is not None:
        return found
    data = task.read_data(config)
    report = task.quick_models(config, data, limits, progress or (lambda share, message: None), descriptions)
    if cache:
        _store(key, report)
    return report


def cache_folder() -> Path:
    from .runs import runs_root

    return runs_root() / ".quick_models"


def cache_key(config, descriptions=None, limits: Limits | None = None) -> str:
    """A hash of the files' bytes, the settings in KEY_FIELDS, the label descriptions and the row caps."""
    digest = hashlib.sha256()
    for path in (config.data_file, config.eval_file, config.test_file):
        if path and Path(path).is_file():
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        digest.update(b"|")
    settings = {name: getattr(config, name) for name in KEY_FIELDS}
    digest.update(json.dumps([settings, descriptions or {}, asdict(limits or Limits())], sort_keys=True).encode())
    return digest.hexdigest()[:32]


def cached(key: str) -> QuickReport | None:
    try:
        return QuickReport.from_json(json.loads((cache_folder() / f"{key}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def bar_for(config, metric: str, besides: str = "") -> dict | None:
    """The bar of the quick models measured for exactly this run's files and settings (on the Data tab or by
    `check`), or None when they were not measured."""
    report = cached(cache_key(config, None, Limits.here()))
    return report.bar(metric, besides) if report else None


def _store(key: str, report: QuickReport) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.json").write_text(json.dumps(report.to_json()))
        for old in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-CACHE_KEPT]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only disk: measured again next time
        pass


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
