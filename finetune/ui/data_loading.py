"""The Data tab's handlers: a file or a sample in, checked as the task on screen; a setting changed,
checked again. Each answers a DataOutputs (the tab's outputs by name) with a new DataState in it.

Every change re-runs the same check as `python -m finetune check`, so what the user sees is what trains.
Inside this module a file's data settings travel as `fields`: the data part of a run config, task included
(DataState keeps the task apart from the rest).
"""
from __future__ import annotations

from dataclasses import fields as config_fields
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..data.columns import choose_columns, text_columns
from ..data.file_kind import read_labelled_table
from ..hosting import gate
from ..tasks import TASKS, get_task, task_for_file, task_for_sample
from . import data_checks, visitor
from .data_report import baseline_markdown
from .data_state import DataState
from .entity_colors import color_map
from .messages import USER_ERRORS, error_box

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "sample_data"
MAX_UPLOAD_MB = 100  # also passed to launch(max_file_size=...)
SETTING_FIELDS = [f for f in config_fields(RunConfig) if f.name in ("val_size", "test_size", "text_mode")] + \
    [f for f in config_fields(RunConfig) if f.metadata["group"] == "remedies"]
NO_FILE = "Upload a data file, or pick a sample."


class DataOutputs(NamedTuple):
    """What every check handler updates, by name. Handlers return one (unnamed fields unchanged, see _out);
    data_tab.render() builds one of the components, so the names are written once."""
    state: Any
    report: Any
    balance: Any
    lengths: Any
    samples: Any
    preview: Any
    columns: Any
    details: Any
    entities: Any
    task: Any
    switch: Any  # "Check it as <other task>": shown when the file fits another task
    fixes: Any
    text_mode: Any
    text: Any
    label: Any


OUTPUT_NAMES = DataOutputs._fields
DISPLAYS = ("balance", "lengths", "samples", "preview", "columns", "entities")  # what one file's check shows


def sample_files() -> dict[str, str]:
    """The bundled samples we wrote, every task's; the Data tab switches to a sample's task."""
    return {p.name: str(p) for p in sorted(SAMPLES_DIR.iterdir())
            if p.suffix in (".csv", ".jsonl") and p.is_file()}


def default_settings() -> dict:
    defaults = RunConfig().to_dict()
    return {f.name: defaults[f.name] for f in SETTING_FIELDS}


def _out(**values) -> DataOutputs:
    return DataOutputs(**{name: values.get(name, gr.update()) for name in OUTPUT_NAMES})


def load_file(path: str | None, state: DataState, task: str = "", token: str | None = None):
    """Read a file, detect its columns, check it as the task on screen (`task`: the Data tab's picker).
    A file that fails its check replaces the previous one on screen (nothing of the old file stays); one
    past the Space's upload quota changes nothing."""
    if not path:
        return _out(state=state, report=NO_FILE)
    try:
        path = gate.admit_file(visitor.owner(token), path, "data")
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    return _read_new_file(path, state, task or state.task)


def _read_new_file(path: str, state: DataState, task: str):
    """load_file's work on a file the app may read (an upload admitted by the quota, or a bundled sample)."""
    size_mb = Path(path).stat().st_size / 2**20 if Path(path).is_file() else 0
    if size_mb > MAX_UPLOAD_MB:
        return _out(state=state, report=error_box(f"{Path(path).name} is {size_mb:.0f} MB; the limit is "
                                                  f"{MAX_UPLOAD_MB} MB. Upload a sample of the rows, or run the "
                                                  "CLI on the full file."))
    if data_checks.not_text(path):
        return _out(state=state, report=error_box(data_checks.not_text(path)))
    task = task_for_file(path, get_task(task)).name  # a CoNLL file can only be NER data
    fields = {**default_settings(), **state.settings, "task": task, "data_file": str(path),
              "text_column": "", "label_column": "", "eval_file": "", "test_file": ""}
    try:
        return _recheck(fields, state.model, new_file=True)
    except USER_ERRORS as e:
        return _failed(fields, state.model, e)


def clear_file(state: DataState):
    """The file was removed: nothing of it stays, the task stays as chosen."""
    return _out(state=DataState.empty(state.task, state.model), details=gr.update(visible=False), report=NO_FILE,
                switch=gr.update(visible=False))


def no_sample() -> None:
    """An uploaded file replaces the sample: the sample picker shows none."""
    return None


def switch_task(state: DataState):
    """One click from a failed check to the task the file fits (found by _failed, kept in the state)."""
    if state.suggest not in TASKS or not state.loaded:
        return _out(state=state, switch=gr.update(visible=False))
    fields = {**state.settings, "task": state.suggest}
    try:
        return _recheck({**fields, "text_column": "", "label_column": ""}, state.model, new_file=True)
    except USER_ERRORS as e:
        return _failed(fields, state.model, e)


def _failed(fields: dict, model: str, error: Exception):
    """A file its task cannot read: the previous file's pictures go, the state names this file (so another
    task rechecks it, and Start says what blocks it), and another task that reads it is offered."""
    fits = _fitting_task(fields, model)
    state = DataState.unchecked(fields, model, suggest=fits.name if fits else "")
    hint = (f" It reads as {fits.title} data: the button below switches the task." if fits else
            " If this is data for entity tagging or text generation, pick that task first (above).")
    switch = gr.update(visible=True, value=f"Switch to {fits.title} and check {state.name}") if fits \
        else gr.update(visible=False)
    hidden = {k: gr.update(value=None, visible=False) for k in DISPLAYS}
    return _out(**hidden, state=state, report=error_box(f"{error}{hint}"), details=gr.update(visible=False),
                switch=switch, task=state.task, text=gr.update(choices=[], value=[]),
                label=gr.update(choices=[], value=None))  # the old file's columns go too


def _fitting_task(fields: dict, model: str):
    """The first other task whose check reads the file and finds it ready, or None."""
    for other in TASKS.values():
        if other.name == fields["task"]:
            continue
        try:
            checked = _recheck({**fields, "task": other.name, "text_column": "", "label_column": ""}, model,
                               new_file=True)
        except (*USER_ERRORS, TypeError, ValueError, KeyError):  # only a probe: a task that cannot read it
            continue
        if checked.state.ready:
            return other
    return None


def load_sample(name: str | None, state: DataState):
    """A bundled sample, checked as the task it was written for."""
    task = task_for_sample(name or "").name
    path = sample_files().get(name or "")
    if not path:
        return _out(state=DataState.empty(task, state.model), report=NO_FILE)
    # not through load_file: a bundled sample is no upload, so the upload quota neither counts nor deletes it
    return _read_new_file(path, state, task)


def change_settings(state: DataState, task: str, texts: list[str] | str, label: str, eval_file, test_file, token,
                    values: dict):
    """Re-check after the user picks another task, maps other columns, ticks a fix, moves a slider or adds a
    file (a validation or test file passes the gate's admission like the data file). `values`: the fixes and
    the split, by field name (SETTING_FIELDS)."""
    if not state.loaded:
        return _out(state=DataState.empty(task, state.model), report="Load a file first.")
    try:
        eval_file = gate.admit_file(visitor.owner(token), eval_file, "validation")
        test_file = gate.admit_file(visitor.owner(token), test_file, "test")
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    if get_task(task).maps_columns and state.task == task:
        if not texts or not label:
            return _out(state=state, report=error_box("Pick at least one text column and a label column."))
        if label in texts:
            return _out(state=state, report=error_box("The label column cannot also be a text column."))
    fields = {**state.settings, "task": task, "text_column": ",".join(texts), "label_column": label or "",
              "eval_file": eval_file or "", "test_file": test_file or "",
              **{f.name: values[f.name] for f in SETTING_FIELDS if f.name in values}}
    try:
        return _recheck(fields, state.model)
    except USER_ERRORS as e:  # a new task that cannot read the file: it is checked as that task from now on
        if state.task != task:
            return _failed(fields, state.model, e)
        return _out(state=state, report=error_box(e))


def change_model(state: DataState, model: str, task: str = "", knobs: dict | None = None):
    """The Model tab's task, base model or max length changed: check as that task, count tokens with that
    model, mark that max length (a name the gate refuses on a Space changes nothing but the message)."""
    chosen, task = task, task or state.task
    try:
        model = gate.model_id(model, task) or ""
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    if not state.loaded:
        return _out(state=DataState.empty(task, model), task=chosen or gr.update())
    fields = {**state.data_config(), "task": task}
    if (knobs or {}).get("max_length") is not None:  # the Model tab's (the config refuses a bad value in words)
        fields["max_length"] = knobs["max_length"]
    try:
        return _recheck(fields, model)
    except USER_ERRORS as e:  # e.g. NER data, now to be checked as classification
        return _failed(fields, model, e)


def _recheck(fields: dict, model: str, new_file: bool = False):
    """Check the file as the fields' task. Classification reads the table and, for a new file or one not
    mapped yet (e.g. after a switch from NER), detects its text and label columns for the pickers."""
    if not get_task(fields["task"]).maps_columns:  # the task finds its own columns
        return _checked(None, fields, model, fresh_pickers=new_file)
    frame = read_labelled_table(fields["data_file"])  # a .txt corpus is named as one, not read as a table
    if not new_file and fields["text_column"] and fields["label_column"]:
        text_columns(frame, fields["text_column"])  # a clear message when a mapped column is gone
        return _checked(frame, fields, model)
    text, label = choose_columns(frame)
    columns = list(frame.columns)
    return _checked(frame, {**fields, "text_column": text, "label_column": label}, model,
                    text=gr.update(choices=columns, value=[text]), label=gr.update(choices=columns, value=label))


def _checked(frame: pd.DataFrame | None, fields: dict, model: str, fresh_pickers: bool = False, **pickers):
    """The check's outputs for the fields' task; the model (the Model tab's choice) decides how tokens are
    counted. `frame` is the table already read (classification only); `fresh_pickers` offers the file's
    columns in the pickers, none chosen (NER and generation find theirs)."""
    task = get_task(fields.get("task"))
    try:
        config = RunConfig.from_dict({**fields, "model": model})
    except USER_ERRORS as e:
        return _out(state=DataState.unchecked(fields, model), report=error_box(e))
    found, values = data_checks.check(task, frame, config)
    state = DataState.checked(fields, model, found)
    if fresh_pickers:
        pickers = dict(text=gr.update(choices=state.columns, value=[]),
                       label=gr.update(choices=state.columns, value=None))
    # pickers only for a task that maps columns: NER and generation find theirs (the CLI can still name them)
    pickers = {name: gr.update(**pickers[name], visible=task.maps_columns) if name in pickers
               else gr.update(visible=task.maps_columns) for name in ("text", "label")}
    colors = {"entities": {"color_map": color_map(values.get("entities"))}}  # one colour per type, every screen
    display = {k: gr.update(value=values[k], visible=True, **colors.get(k, {})) if k in values else
               gr.update(value=None, visible=False) for k in DISPLAYS}
    return _out(**display, **pickers, switch=gr.update(visible=False),
                state=state, report=values["report"], details=gr.update(visible=True), task=task.name,
                fixes=gr.update(visible=task.maps_columns), text_mode=gr.update(visible=task.text_modes))


def run_baseline(state: DataState, token: str | None = None) -> str:
    """TF-IDF + logistic regression on exactly the split training will use (the engine's read_data); one
    at a time per visitor on a Space (gate.work)."""
    task = get_task(state.task)
    if not state.ready or not task.has_baseline:
        return ""
    try:
        with gate.work(visitor.owner(token), "quick models"):
            data = task.read_data(RunConfig.from_dict(state.data_config()))
            split = "test" if "test" in data.datasets else "validation"
            scores = task.baseline(data.datasets["train"], data.datasets[split], data.labels)
    except USER_ERRORS as e:
        return baseline_markdown(None, "", error=str(e))
    return baseline_markdown(scores, split)
