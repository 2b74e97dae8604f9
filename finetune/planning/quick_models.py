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
from dataclasses import asdict
from pathlib import Path

from ..tasks.quick import Limits, QuickReport

CACHE_KEPT = 200        # reports kept in the cache folder (the oldest go first)



# The settings that change which rows the quick models see, or how they embed them.
KEY_FIELDS = ("task", "model", "text_column", "label_column", "text_mode", "val_size", "test_size", "seed",
              "clean_text", "drop_duplicates", "merge_label_variants", "rare_classes", "rare_min_rows", "balance",
              "label_edits")



def measure(config, limits: Limits | None = None, progress=None, descriptions: dict | None = None,
            cache: bool = True) -> QuickReport | None:
    """The task's quick models on the config's data and split; None for a task without them. A report for
    the same files, settings and label descriptions comes from the cache folder (and a new one goes there,
    where a run started from these settings finds its bar). progress(share, message) hears of each step."""
    from ..tasks import get_task

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
    from ..runs.folder import runs_root

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
