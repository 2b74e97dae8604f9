"""Using a trained run: load its predictor, label one text or a whole file."""
from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from .config import ConfigError, RunConfig
from .runs import RunPaths

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 64


def model_folder(path) -> tuple[Path, str]:
    """(model folder, task) for a run folder or a model folder."""
    path = Path(path)
    run = RunPaths(path)
    if (run.model / "config.json").is_file():
        task = RunConfig.load(run.config).task if run.config.is_file() else model_task(run.model)
        return run.model, task
    if (path / "config.json").is_file():
        return path, model_task(path)
    raise ConfigError(f"No trained model in {path}. Point to a run folder that finished or was stopped "
                      "(it has a model/ folder).")


def model_task(folder: Path) -> str:
    """The task of a bare model folder, from the head its config names (a generation model we saved
    also names its base model)."""
    config = json.loads((folder / "config.json").read_text())
    architectures = config.get("architectures") or []
    if "finetune_base_model" in config or any(a.endswith("ForCausalLM") for a in architectures):
        return "generation"
    return "ner" if any(a.endswith("ForTokenClassification") for a in architectures) else "classification"


def run_task(path) -> str:
    """The task a run (or model folder) was trained for: what the Playground shows depends on it."""
    return model_folder(path)[1]


@lru_cache(maxsize=4)
def load_predictor(path: str):
    """The Playground callable for a run; cached so repeated predictions skip the ~1 s load."""
    from .tasks import get_task

    folder, task = model_folder(path)
    return get_task(task).pipeline(folder)


def predict_texts(path, texts: list[str], **options) -> list[dict]:
    """Options go to the task's predictor (text generation: max_new_tokens, temperature, top_p)."""
    from .hardware import use_free_cores

    predictor = load_predictor(str(Path(path).resolve()))
    use_free_cores()  # a training run may be using the cores right now
    return predictor(texts, **options)


def predict_file(path, input_file, output_file, text_column: str = "") -> int:
    """Label every row of a table; writes the rows plus prediction columns as CSV. Returns the row count."""
    from .tasks.columns import guess_text_column
    from .tasks.tables import read_table

    frame = read_table(input_file)
    column = text_column or guess_text_column(frame)
    if column not in frame.columns:
        raise ConfigError(f"No column '{column}' in {Path(input_file).name}; it has {', '.join(frame.columns)}.")
    texts = frame[column].astype(str).tolist()
    predictions = []
    for start in range(0, len(texts), BATCH):
        predictions += predict_texts(path, texts[start:start + BATCH])
    if "entities" in predictions[0]:  # NER: the entities of each row as a JSON list
        frame["entities"] = [json.dumps(p["entities"]) for p in predictions]
    else:
        frame["predicted_label"] = [p["label"] for p in predictions]
        frame["score"] = [round(p["score"], 4) for p in predictions]
    frame.map(neutralise).to_csv(output_file, index=False, quoting=csv.QUOTE_MINIMAL)
    return len(frame)


def neutralise(value):
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
