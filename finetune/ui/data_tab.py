"""Data tab: a file or a sample in; columns mapped; its quality, fixes, split and a baseline out.

The tab's state is the data part of a run config ("settings"), plus what the check found. Every
change re-runs the same check as `python -m finetune check`, so what the user sees is what trains.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..data.columns import choose_columns, text_columns
from ..data.file_kind import read_labelled_table
from ..data.tables import TABLE_SUFFIXES
from ..hosting import gate
from .entity_colors import color_map
from ..tasks import DEFAULT_TASK, TASKS, get_task, task_for_file, task_for_sample
from . import data_checks, quick_panel, review_panel, visitor
from .data_report import baseline_markdown
from .knobs import knob_widget
from .messages import USER_ERRORS, error_box

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "sample_data"
MAX_UPLOAD_MB = 100  # also passed to launch(max_file_size=...)
SETTING_FIELDS = [f for f in fields(RunConfig) if f.name in ("val_size", "test_size", "text_mode")] + \
    [f for f in fields(RunConfig) if f.metadata["group"] == "remedies"]
TASK_CHOICES = [(task.picker_label, task.name) for task in TASKS.values()]
FILE_TYPES = list(dict.fromkeys(TABLE_SUFFIXES + tuple(s for t in TASKS.values() for s in t.own_suffixes)))


class DataOutputs(NamedTuple):
    """What every check handler updates, by name. Handlers return one (unnamed fields unchanged, see _out);
    render() builds one of the components, so the names are written once."""
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


class DataTab(NamedTuple):
    """What render() hands to the rest of the page: the check outputs, the sample picker, the baseline box,
    the "Do you need fine-tuning?" panel (its pick button sets the Model tab's method)."""
    outputs: DataOutputs
    sample: Any
    baseline: Any
    quick: Any = None


def sample_files() -> dict[str, str]:
    """The bundled samples we wrote, every task's; the Data tab switches to a sample's task."""
    return {p.name: str(p) for p in sorted(SAMPLES_DIR.iterdir())
            if p.suffix in (".csv", ".jsonl") and p.is_file()}


def sample_task(name: str) -> str:
    return task_for_sample(name).name


def default_settings() -> dict:
    defaults = RunConfig().to_dict()
    return {f.name: defaults[f.name] for f in SETTING_FIELDS}


def data_config(state: dict) -> dict:
    """The data part of a RunConfig, as the Train tab starts it."""
    return dict(state.get("settings", {}))


def task_of(state: dict) -> str:
    return (state.get("settings") or {}).get("task") or state.get("task") or DEFAULT_TASK


def _out(**values) -> DataOutputs:
    return DataOutputs(**{name: values.get(name, gr.update()) for name in OUTPUT_NAMES})


# --- handlers -------------------------------------------------------------------------------------
def load_file(path: str | None, state: dict, task: str = "", token: str | None = None):
    """Read a file, detect its columns, check it as the task on screen (`task`: the Data tab's picker).
    A file that fails its check replaces the previous one on screen (nothing of the old file stays); one
    past the Space's upload quota changes nothing."""
    if not path:
        return _out(state=state, report="Upload a data file, or pick a sample.")
    try:
        path = gate.admit_file(visitor.owner(token), path, "data")
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    return _read_new_file(path, state, task)


def _read_new_file(path: str, state: dict, task: str = ""):
    """load_file's work on a file the app may read (an upload admitted by the quota, or a bundled sample)."""
    size_mb = Path(path).stat().st_size / 2**20 if Path(path).is_file() else 0
    if size_mb > MAX_UPLOAD_MB:
        return _out(state=state, report=error_box(f"{Path(path).name} is {size_mb:.0f} MB; the limit is "
                                                  f"{MAX_UPLOAD_MB} MB. Upload a sample of the rows, or run the "
                                                  "CLI on the full file."))
    if data_checks.not_text(path):
        return _out(state=state, report=error_box(data_checks.not_text(path)))
    task = task_for_file(path, get_task(task or task_of(state))).name  # a CoNLL file can only be NER data
    settings = {**default_settings(), **state.get("settings", {}), "task": task, "data_file": str(path),
                "text_column": "", "label_column": "", "eval_file": "", "test_file": ""}
    try:
        return _recheck(settings, state.get("model", ""), new_file=True)
    except USER_ERRORS as e:
        return _failed(settings, state.get("model", ""), e)


def clear_file(state: dict):
    """The file was removed: nothing of it stays, the task stays as chosen."""
    return _out(state={"task": task_of(state), "model": state.get("model", "")}, details=gr.update(visible=False),
                report="Upload a data file, or pick a sample.", switch=gr.update(visible=False))


def no_sample() -> None:
    """An uploaded file replaces the sample: the sample picker shows none."""
    return None


def switch_task(state: dict):
    """One click from a failed check to the task the file fits (found by _failed, kept in the state)."""
    suggested = state.get("suggest")
    if not suggested or suggested not in TASKS or not state.get("settings"):
        return _out(state=state, switch=gr.update(visible=False))
    try:
        return _recheck({**state["settings"], "task": suggested, "text_column": "", "label_column": ""},
                        state.get("model", ""), new_file=True)
    except USER_ERRORS as e:
        return _failed({**state["settings"], "task": suggested}, state.get("model", ""), e)


def _failed(settings: dict, model: str, error: Exception):
    """A file its task cannot read: the previous file's pictures go, the state names this file (so another
    task rechecks it, and Start says what blocks it), and another task that reads it is offered."""
    fits = _fitting_task(settings, model)
    state = {"settings": settings, "model": model, "name": Path(settings["data_file"]).name, "ready": False,
             "suggest": fits.name if fits else ""}
    hint = (f" It reads as {fits.title} data: the button below switches the task." if fits else
            " If this is data for entity tagging or text generation, pick that task first (above).")
    switch = gr.update(visible=True, value=f"Switch to {fits.title} and check {state['name']}") if fits \
        else gr.update(visible=False)
    hidden = {k: gr.update(value=None, visible=False) for k in DISPLAYS}
    return _out(**hidden, state=state, report=error_box(f"{error}{hint}"), details=gr.update(visible=False),
                switch=switch, task=settings["task"], text=gr.update(choices=[], value=[]),
                label=gr.update(choices=[], value=None))  # the old file's columns go too


def _fitting_task(settings: dict, model: str):
    """The first other task whose check reads the file and finds it ready, or None."""
    for other in TASKS.values():
        if other.name == settings["task"]:
            continue
        try:
            checked = _recheck({**settings, "task": other.name, "text_column": "", "label_column": ""}, model,
                               new_file=True)
        except (*USER_ERRORS, TypeError, ValueError, KeyError):  # only a probe: a task that cannot read it
            continue
        if checked.state.get("ready"):
            return other
    return None


def load_sample(name: str | None, state: dict):
    """A bundled sample, checked as the task it was written for."""
    state = {**state, "settings": {**state.get("settings", {}), "task": sample_task(name or "")}}
    path = sample_files().get(name or "")
    if not path:
        return _out(state=state, report="Upload a data file, or pick a sample.")
    # not through load_file: a bundled sample is no upload, so the upload quota neither counts nor deletes it
    return _read_new_file(path, state)


def change_settings(state: dict, task: str, texts: list[str] | str, label: str, eval_file, test_file, token,
                    *values):
    """Re-check after the user picks another task, maps other columns, ticks a fix, moves a slider or adds a
    file (a validation or test file passes the gate's admission like the data file)."""
    if not state.get("settings"):
        return _out(state={**state, "task": task}, report="Load a file first.")
    try:
        eval_file = gate.admit_file(visitor.owner(token), eval_file, "validation")
        test_file = gate.admit_file(visitor.owner(token), test_file, "test")
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    if get_task(task).maps_columns and state["settings"].get("task") == task:
        if not texts or not label:
            return _out(state=state, report=error_box("Pick at least one text column and a label column."))
        if label in texts:
            return _out(state=state, report=error_box("The label column cannot also be a text column."))
    settings = {**state["settings"], "task": task, "text_column": ",".join(texts), "label_column": label or "",
                "eval_file": eval_file or "", "test_file": test_file or "",
                **{f.name: v for f, v in zip(SETTING_FIELDS, values)}}
    try:
        return _recheck(settings, state.get("model", ""))
    except USER_ERRORS as e:  # a new task that cannot read the file: it is checked as that task from now on
        if state["settings"].get("task") != task:
            return _failed(settings, state.get("model", ""), e)
        return _out(state=state, report=error_box(e))


def change_model(state: dict, model: str, task: str = ""):
    """The Model tab's task or base model changed: check as that task, count tokens with that model (a name
    the gate refuses on a Space changes nothing but the message)."""
    try:
        model = gate.model_id(model, task or task_of(state))
    except USER_ERRORS as e:
        return _out(state=state, report=error_box(e))
    state = {**state, "model": model or ""}
    if task:
        state = {**state, "task": task, "settings": {**state.get("settings", {}), "task": task}}
    if not state.get("settings", {}).get("data_file"):
        return _out(state=state, task=task or gr.update())
    try:
        return _recheck(state["settings"], state["model"])
    except USER_ERRORS as e:  # e.g. NER data, now to be checked as classification
        return _failed(state["settings"], state["model"], e)


def _recheck(settings: dict, model: str, new_file: bool = False):
    """Check the settings' file as their task. Classification reads the table and, for a new file or one
    not mapped yet (e.g. after a switch from NER), detects its text and label columns for the pickers."""
    if not get_task(settings["task"]).maps_columns:  # the task finds its own columns
        return _checked(None, settings, model, fresh_pickers=new_file)
    frame = read_labelled_table(settings["data_file"])  # a .txt corpus is named as one, not read as a table
    if not new_file and settings["text_column"] and settings["label_column"]:
        text_columns(frame, settings["text_column"])  # a clear message when a mapped column is gone
        return _checked(frame, settings, model)
    text, label = choose_columns(frame)
    columns = list(frame.columns)
    return _checked(frame, {**settings, "text_column": text, "label_column": label}, model,
                    text=gr.update(choices=columns, value=[text]), label=gr.update(choices=columns, value=label))


def run_baseline(state: dict, token: str | None = None) -> str:
    """TF-IDF + logistic regression on exactly the split training will use (the engine's read_data); one
    at a time per visitor on a Space (gate.work)."""
    task = get_task(task_of(state))
    if not state.get("ready") or not task.has_baseline:
        return ""
    try:
        with gate.work(visitor.owner(token), "quick models"):
            data = task.read_data(RunConfig.from_dict(data_config(state)))
            split = "test" if "test" in data.datasets else "validation"
            scores = task.baseline(data.datasets["train"], data.datasets[split], data.labels)
    except USER_ERRORS as e:
        return baseline_markdown(None, "", error=str(e))
    return baseline_markdown(scores, split)


def _checked(frame: pd.DataFrame | None, settings: dict, model: str, fresh_pickers: bool = False, **pickers):
    """The check's outputs for the settings' task; the model (the Model tab's choice) decides how tokens are
    counted. `frame` is the table already read (classification only); `fresh_pickers` offers the file's
    columns in the pickers, none chosen (NER and generation find theirs)."""
    task = get_task(settings.get("task"))
    try:
        config = RunConfig.from_dict({**settings, "model": model})
    except USER_ERRORS as e:
        return _out(state={"settings": settings, "model": model}, report=error_box(e))
    state, values = data_checks.check(task, frame, config)
    state = {"settings": settings, "model": model, "name": Path(settings["data_file"]).name, **state}
    if fresh_pickers:
        pickers = dict(text=gr.update(choices=state["columns"], value=[]),
                       label=gr.update(choices=state["columns"], value=None))
    # pickers only for a task that maps columns: NER and generation find theirs (the CLI can still name them)
    pickers = {name: gr.update(**pickers[name], visible=task.maps_columns) if name in pickers
               else gr.update(visible=task.maps_columns) for name in ("text", "label")}
    colors = {"entities": {"color_map": color_map(values.get("entities"))}}  # one colour per type, every screen
    display = {k: gr.update(value=values[k], visible=True, **colors.get(k, {})) if k in values else
               gr.update(value=None, visible=False) for k in DISPLAYS}
    return _out(**display, **pickers, switch=gr.update(visible=False),
                state=state, report=values["report"], details=gr.update(visible=True), task=task.name,
                fixes=gr.update(visible=task.maps_columns), text_mode=gr.update(visible=task.text_modes))


# --- layout ---------------------------------------------------------------------------------------
def render(state: gr.State, token: gr.BrowserState) -> DataTab:
    gr.Markdown("Pick what the model should do, then upload your data or start from a sample. The check "
                "below runs before any training: it says what will go wrong and offers one-click fixes.")
    task = gr.Radio(TASK_CHOICES, value=DEFAULT_TASK, label="Task", elem_id="data-task",
                    info="Also set in the Model tab; the two stay in step.")
    with gr.Row():
        upload = gr.File(label=f"Data file: CSV, TSV, TXT, JSONL, JSON, Excel, Parquet or CoNLL "
                               f"(up to {MAX_UPLOAD_MB} MB)",
                         file_types=FILE_TYPES, elem_id="data-upload")
        with gr.Column():
            sample = gr.Dropdown(list(sample_files()), value=None, label="…or a bundled sample",
                                 info="NER and generation samples switch the task.", elem_id="data-sample")
            text_column = gr.Dropdown([], multiselect=True, label="Text column(s)", elem_id="text-column",
                                      info="Several columns are joined into one text.", interactive=True)
            label_column = gr.Dropdown([], label="Label column", elem_id="label-column", interactive=True,
                                       info="The answer the model should learn to give.")
    report = gr.Markdown(elem_id="data-report")
    switch = gr.Button(visible=False, variant="primary", size="sm", elem_id="data-switch-task")
    with gr.Column(visible=False) as details:
        baseline = gr.Markdown(elem_id="data-baseline")
        quick = quick_panel.render()
        with gr.Row():
            balance = gr.Plot(label="Label balance", elem_id="label-chart")
            lengths = gr.Plot(label="Text lengths", elem_id="length-chart")
        entities = gr.HighlightedText(label="Entities in the first tagged sentences", visible=False,
                                      elem_id="data-entities")
        defaults = default_settings()
        widgets = {}
        with gr.Accordion("Fix the data (each fix is recorded in the run's config)", open=True) as fixes:
            with gr.Row():
                widgets.update({f.name: knob_widget(f, defaults[f.name]) for f in SETTING_FIELDS
                                if f.metadata["group"] == "remedies"})
        with gr.Column(visible=False) as text_mode:
            widgets["text_mode"] = knob_widget(next(f for f in SETTING_FIELDS if f.name == "text_mode"),
                                               defaults["text_mode"])
        with gr.Accordion("Split: train / validation / test", open=False):
            with gr.Row():
                widgets.update({name: knob_widget(next(f for f in SETTING_FIELDS if f.name == name), defaults[name])
                                for name in ("val_size", "test_size")})
            with gr.Row():
                eval_file = gr.File(label="…or a separate validation file", elem_id="eval-upload",
                                    file_types=FILE_TYPES)
                test_file = gr.File(label="…and/or a separate test file", elem_id="test-upload",
                                    file_types=FILE_TYPES)
        with gr.Tabs():
            with gr.Tab("Examples"):
                samples = gr.Dataframe(interactive=False, wrap=True, elem_id="data-samples")
            with gr.Tab("First rows"):
                preview = gr.Dataframe(interactive=False, wrap=True, elem_id="data-preview")
            with gr.Tab("Columns"):
                columns = gr.Dataframe(interactive=False, elem_id="data-columns")
    settings = [widgets[f.name] for f in SETTING_FIELDS]

    checked = DataOutputs(state=state, report=report, balance=balance, lengths=lengths, samples=samples,
                          preview=preview, columns=columns, details=details, entities=entities, task=task, switch=switch,
                          fixes=fixes, text_mode=text_mode, text=text_column, label=label_column)
    new_files = []  # each new file's check: the quick models follow it
    for event, handler, inputs in ((upload.upload, load_file, [upload, state, task, token]),
                                   (sample.input, load_sample, [sample, state]),
                                   (switch.click, switch_task, [state])):
        new_files.append(event(handler, inputs, list(checked), api_visibility="private")
                         .then(run_baseline, [state, token], baseline, api_visibility="private"))
    quick_panel.wire(quick, state, token, new_files)
    upload.upload(no_sample, None, sample, api_visibility="private")
    upload.clear(clear_file, state, list(checked), api_visibility="private") \
        .then(run_baseline, [state, token], baseline, api_visibility="private")
    triggers = [task.input, text_column.input, label_column.input, eval_file.change, test_file.change] + \
        [w.input for w in settings]
    # always_last: ticking two fixes quickly must check with both (the default drops the second click)
    gr.on(triggers, change_settings, [state, task, text_column, label_column, eval_file, test_file, token, *settings],
          list(checked), api_visibility="private", trigger_mode="always_last") \
        .then(run_baseline, [state, token], baseline, api_visibility="private") \
        .then(quick_panel.stale, state, quick.outputs, api_visibility="private")
    recheck_inputs = [state, task, text_column, label_column, eval_file, test_file, token, *settings]
    review_panel.render(state, widgets["label_edits"], recheck_inputs, list(checked), change_settings, token)
    return DataTab(checked, sample, baseline, quick)
