"""The tasks: one `Task` record each (tasks/task.py says what a Task holds), in one registry.

A new task is one module here that ends with `TASK = Task(...)`, one line in TASKS below, and one test
file; the engine, CLI, UI and model card find everything else on the Task.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .classification import TASK as CLASSIFICATION
from .generation import TASK as GENERATION
from .ner import TASK as NER
from .baseline import tfidf_pipeline
from .fitted_arrays import OLD_SAVE, load_tfidf
from .labels import blocking_problems, sort_labels
from .task import Method, Task, TaskData
from .views import MISTAKE_COLUMNS, PREVIEW_ROWS, Against, CheckView, Highlight, ResultsView, as_text

TASKS: dict[str, Task] = {task.name: task for task in (CLASSIFICATION, NER, GENERATION)}
TASK_NAMES = tuple(TASKS)
DEFAULT_TASK = CLASSIFICATION.name

__all__ = ["DEFAULT_TASK", "TASKS", "TASK_NAMES", "Method", "Task", "TaskData", "get_task", "task_for_file",
           "task_for_model", "task_for_sample",
           # the label rules, for the label review (services/review.py) that reads a labelled table
           "blocking_problems", "sort_labels", "tfidf_pipeline",
           # a run's saved TF-IDF baseline (RUN_DIR/baseline.safetensors), for the Playground's side-by-side
           "OLD_SAVE", "load_tfidf",
           # the plain-data shapes a task describes its check and results in (tasks/views.py), for the UI
           "MISTAKE_COLUMNS", "PREVIEW_ROWS", "Against", "CheckView", "Highlight", "ResultsView", "as_text"]


def get_task(name: str | None) -> Task:
    """The Task of that name; empty means the default task (classification)."""
    task = TASKS.get(name or DEFAULT_TASK)
    if task is None:
        raise ConfigError(f"Unknown task {name!r}; choose one of {', '.join(TASKS)}.")
    return task


def task_for_sample(file_name: str) -> Task:
    """The task a bundled sample was written for."""
    return next((t for t in TASKS.values() if file_name in t.samples), TASKS[DEFAULT_TASK])


def task_for_file(path, chosen: Task) -> Task:
    """`chosen`, unless the file's type can only be another task's data (a CoNLL file is NER data)."""
    suffix = Path(path).suffix.lower()
    if suffix in chosen.own_suffixes:
        return chosen
    return next((t for t in TASKS.values() if suffix in t.own_suffixes), chosen)


def task_for_model(model_config: dict) -> Task:
    """The task of a saved model folder, from the head its config.json names."""
    architectures = model_config.get("architectures") or []
    return next((t for t in TASKS.values() if any(a.endswith(t.model_heads) for a in architectures)),
                TASKS[DEFAULT_TASK])
