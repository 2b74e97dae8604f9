"""Using a trained run: load its predictor, label one text or a whole file."""
from __future__ import annotations

import csv
import json
import threading
import time
from functools import lru_cache, partial
from pathlib import Path

import pandas as pd

from ..config import ConfigError
from ..data.byte_caps import cap_text
from ..runs.folder import RunPaths
from ..config import load_run_config
from .serving import Batcher, Batchers
from ..tasks import OLD_SAVE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 64
_BATCHERS = Batchers(keep=8)  # a lock-guarded registry of model workers: the process's models, shared by all
CORES_EVERY_S = 5.0  # how often the free cores are measured while visitors ask
_CORES = {"measured": -float("inf"), "lock": threading.Lock()}  # when they last were (time.monotonic())


def model_folder(path) -> tuple[Path, str]:
    """(model folder, task) for a run folder or a model folder."""
    path = Path(path)
    run = RunPaths(path)
    if run.has_model:
        task = load_run_config(run.root).task if run.config.is_file() else model_task(run.model)
        return run.model, task
    if (path / "config.json").is_file():
        return path, model_task(path)
    raise ConfigError(f"No trained model in {path}. Point to a run folder that finished or was stopped "
                      "(it has a model/ folder).")


def model_task(folder: Path) -> str:
    """The task of a bare model folder, from the head its config names."""
    from ..tasks import task_for_model

    return task_for_model(json.loads((folder / "config.json").read_text())).name


def run_task(path) -> str:
    """The task a run (or model folder) was trained for: what the Playground shows depends on it."""
    return model_folder(path)[1]


def load_predictor(path: str):
    """The Playground callable for a run; cached so repeated predictions skip the ~1 s load. The cache key
    is the saved model itself (its files' names, sizes and mtimes), not the folder's name: a run that is
    resumed, or trained again into the same folder, answers with the model it has now."""
    folder, task = model_folder(path)
    return _cached_predictor(str(folder), task, model_signature(folder))


def model_signature(folder: Path) -> tuple:
    """What identifies the model saved in a folder: (name, size, mtime_ns) of each file in it. Every save
    rewrites the weights and config there; subfolders (onnx/, gguf/ exports) do not change the model."""
    return tuple(sorted((f.name, s.st_size, s.st_mtime_ns) for f in folder.iterdir() if f.is_file()
                        for s in [f.stat()]))


@lru_cache(maxsize=4)
def _cached_predictor(folder: str, task: str, signature: tuple):
    from ..tasks import get_task

    return get_task(task).predictor(Path(folder))


def predict_texts(path, texts: list[str], **options) -> list[dict]:
    """Options go to the task's predictor (text generation: max_new_tokens, temperature, top_p). Callers in
    other threads (visitors, the API, batch files) share the model's micro-batcher: one model call for all."""
    folder, task = model_folder(Path(path).resolve())
    signature = model_signature(folder)
    batcher = _BATCHERS.get(("model", str(folder), signature), lambda: Batcher(
        _cached_predictor(str(folder), task, signature), before=_free_cores))
    return batcher([cap_text(t) for t in texts], **options)  # a huge text costs seconds before truncation


def _free_cores():
    """Torch's threads for this batch from the cores free now (a training run may be using them). The count
    is measured in a thread of its own: a measurement reads /proc for ~0.1 s, and inside the batch it held
    every waiting visitor's answer that long (bench/serving.py). The batch applies the last count."""
    from ..machine.hardware import use_free_cores

    with _CORES["lock"]:
        due = time.monotonic() - _CORES["measured"] >= CORES_EVERY_S
        if due:
            _CORES["measured"] = time.monotonic()
    if due:
        threading.Thread(target=use_free_cores, name="free-cores", daemon=True).start()
    use_free_cores(max_age_s=float("inf"))  # torch's thread count is per thread: set it in the batch's


def predict_rows(path, texts: list[str], on_batch=None) -> list[dict]:
    """Predictions for many texts, BATCH at a time; on_batch(done, total) after each (a progress bar)."""
    predictions: list[dict] = []
    for start in range(0, len(texts), BATCH):
        predictions += predict_texts(path, texts[start:start + BATCH])
        if on_batch:
            on_batch(len(predictions), len(texts))
    return predictions


def prediction_columns(path, predictions: list[dict]) -> dict[str, list]:
    """The columns a labelled table gets, as the run's Task names them (label and score; the entities as
    "text (TYPE)" for NER; the continuation for text generation)."""
    from ..tasks import get_task

    return get_task(model_folder(Path(path))[1]).prediction_columns(predictions)


def label_table(path, input_file, text_column: str = "", on_batch=None, max_rows: int = 0) -> pd.DataFrame:
    """Every row of a CSV/TSV/JSONL file with the run's predictions added as columns; with max_rows, only
    the first max_rows (frame.attrs["rows_in_file"] says how many the file had)."""
    from ..data.columns import guess_text_column, text_values
    from ..data.tables import read_table

    frame = read_table(input_file)  # a DataError for an empty file or one without rows
    rows = len(frame)
    frame = frame.head(max_rows) if max_rows else frame
    frame.attrs["rows_in_file"] = rows
    texts = text_values(frame, text_column or guess_text_column(frame)).tolist()
    for name, values in prediction_columns(path, predict_rows(path, texts, on_batch)).items():
        frame[name] = values
    return frame


def tag_pdf(path, pdf_file, on_batch=None, max_rows: int = 0) -> pd.DataFrame:
    """One row per chunk of a PDF (page, chunk, text) with its label and score, or its entities; with
    max_rows, only the first max_rows chunks (frame.attrs["rows_in_file"] counts them all)."""
    from ..data.documents import pdf_chunks

    frame = pd.DataFrame(pdf_chunks(pdf_file))
    rows = len(frame)
    frame = frame.head(max_rows) if max_rows else frame
    columns = prediction_columns(path, predict_rows(path, frame["text"].tolist(), on_batch))
    for name, values in columns.items():
        frame[name.removeprefix("predicted_")] = values
    frame.attrs["rows_in_file"] = rows
    return frame


def label_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per predicted label, or entities per type for NER: the summary of a batch or a PDF."""
    if "entities" in frame.columns:
        types = frame["entities"].str.findall(r"\(([^()]+)\)(?:;|$)").explode().dropna()
        return {str(k): int(v) for k, v in types.value_counts().items()}
    column = "predicted_label" if "predicted_label" in frame.columns else "label"
    return {str(k): int(v) for k, v in frame[column].value_counts().items()}


def write_csv(frame: pd.DataFrame, output_file) -> Path:
    """The table as CSV, with every cell (and header) a spreadsheet would run as a formula neutralised."""
    frame.map(neutralise).rename(columns=neutralise).to_csv(output_file, index=False, quoting=csv.QUOTE_MINIMAL)
    return Path(output_file)


def predict_file(path, input_file, output_file, text_column: str = "", on_batch=None) -> int:
    """Label every row of a table (or every chunk of a PDF); writes a safe CSV. Returns the row count."""
    if Path(input_file).suffix.lower() == ".pdf":
        frame = tag_pdf(path, input_file, on_batch)
    else:
        frame = label_table(path, input_file, text_column, on_batch)
    write_csv(frame, output_file)
    return len(frame)


def baseline_scores(path, text: str) -> dict[str, float] | None:
    """{label: probability} from the run's TF-IDF baseline, None for runs saved without one; ConfigError
    (OLD_SAVE) for a run whose baseline an older version saved as a pickle, which is never loaded."""
    paths = RunPaths(Path(path))
    if not paths.baseline.is_file():
        if paths.old_baseline.is_file():
            raise ConfigError(OLD_SAVE)
        return None
    key = ("baseline", str(paths.baseline.resolve()), paths.baseline.stat().st_mtime_ns)
    saved = _load_baseline(*key[1:])
    return _BATCHERS.get(key, lambda: Batcher(partial(_baseline_scores, saved)))([cap_text(text)])[0]


def _baseline_scores(saved: tuple, texts: list[str]) -> list[dict[str, float]]:
    pipeline, names = saved
    return [{names[int(c)]: float(p) for c, p in zip(pipeline.classes_, row)} for row in pipeline.predict_proba(texts)]


@lru_cache(maxsize=4)
def _load_baseline(file: str, mtime_ns: int):
    """The pipeline rebuilt from its fitted arrays (safetensors): nothing in the file can run."""
    from ..tasks import load_tfidf

    try:
        return load_tfidf(file)
    except (OSError, ValueError, KeyError, TypeError) as e:  # a damaged or foreign file
        raise ConfigError(f"The run's TF-IDF baseline could not be read ({type(e).__name__}); retrain to "
                          "see it.") from None


def neutralise(value):
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
