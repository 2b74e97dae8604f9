"""Earlier runs: a table read from the run folders, the loss curves of several runs overlaid, a run's
settings back into the Model tab, and delete. A browser sees the runs it started (kept in its
BrowserState) unless it asks for every run in the folder."""
from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from ..events import EVAL, LOG, read_events
from ..runs import RunPaths, delete_run, list_runs, run_summary, runs_root
from .figures import compare_runs
from .messages import USER_ERRORS, user_error
from .model_tab import widgets_from_config

COLUMNS = ["run", "status", "task", "model", "main metric", "value", "duration (s)", "epochs", "batch size",
           "learning rate"]


def _names(saved: dict | None, only_mine: bool) -> list[str]:
    mine = {RunPaths(p).root.name for p in (saved or {}).get("runs", [])}
    return [p.name for p in list_runs() if not only_mine or p.name in mine]


def _row(name: str) -> list:
    summary, config = run_summary(runs_root() / name), _config(name)
    value = round(summary["value"], 4) if summary["value"] is not None else None
    return [name, summary["status"], summary["task"], summary["model"], summary["metric"], value,
            summary["duration_s"], config.get("epochs"), config.get("batch_size"), config.get("learning_rate")]


def _config(name: str) -> dict:
    try:
        return json.loads(RunPaths(runs_root() / name).config.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def refresh(saved: dict | None, only_mine: bool):
    """The table, and the run names for the compare and the action pickers."""
    names = _names(saved, only_mine)
    table = pd.DataFrame([_row(n) for n in names], columns=COLUMNS)
    return table, gr.update(choices=names, value=[]), gr.update(choices=names, value=None)


def _checked(name: str | None) -> str:
    if not name or name not in {p.name for p in list_runs()}:
        raise gr.Error("Pick a run from the list first.", print_exception=False)
    return name


def compare(names: list[str] | None):
    """Overlay the loss curves of the chosen runs."""
    if not names or len(names) < 2:
        raise gr.Error("Pick two or more runs to compare.", print_exception=False)
    curves = {}
    for name in map(_checked, names):
        events, _ = read_events(RunPaths(runs_root() / name).events)
        curves[name] = ([e for e in events if e["event"] == LOG], [e for e in events if e["event"] == EVAL])
    return compare_runs(curves)


def load_settings(name: str | None):
    """A run's settings into the Model tab's widgets (task, model, every knob)."""
    config = _config(_checked(name))
    try:
        updates = widgets_from_config(config)
    except USER_ERRORS as e:
        raise user_error(e) from None
    return *updates, f"Settings of {name} loaded into the Model tab (the data stays as chosen in the Data tab)."


def delete(name: str | None, saved: dict | None, only_mine: bool):
    try:
        delete_run(runs_root() / _checked(name))
    except USER_ERRORS as e:
        raise user_error(e) from None
    return *refresh(saved, only_mine), f"Deleted {name}."


def render(saved_run: gr.BrowserState, model_inputs: list):
    with gr.Accordion("Earlier runs", open=False):
        with gr.Row():
            only_mine = gr.Checkbox(True, label="Only runs started from this browser", elem_id="runs-only-mine")
            reload = gr.Button("Refresh", size="sm", elem_id="runs-refresh")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="runs-table")
        with gr.Row():
            chosen = gr.Dropdown([], multiselect=True, label="Runs to compare", elem_id="runs-compare-pick")
            compare_button = gr.Button("Compare loss curves", size="sm", elem_id="runs-compare")
        overlay = gr.Plot(label="Loss curves", elem_id="runs-overlay")
        with gr.Row():
            picked = gr.Dropdown([], label="Run", elem_id="runs-pick")
            load = gr.Button("Reload its settings into the Model tab", size="sm", elem_id="runs-load")
            remove = gr.Button("Delete run", size="sm", variant="stop", elem_id="runs-delete")
        message = gr.Markdown(elem_id="runs-message")
    listing = [table, chosen, picked]
    gr.on([reload.click, only_mine.change], refresh, [saved_run, only_mine], listing, api_visibility="private")
    compare_button.click(compare, chosen, overlay, api_visibility="private")
    load.click(load_settings, picked, [*model_inputs, message], api_visibility="private")
    remove.click(delete, [picked, saved_run, only_mine], [*listing, message], api_visibility="private")
    return [saved_run, only_mine], listing  # what the page load refreshes
