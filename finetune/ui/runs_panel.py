"""Earlier runs: a table read from the run folders, the loss curves of several runs overlaid, a run's
settings back into the Model tab, and delete. A visitor sees the runs they own (and the shared demo run);
locally, where one person owns every run, the "all runs" view lists the whole folder too. Every run name
the browser sends is checked on the server (visitor.run_dir)."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..errors import ConfigError
from ..runs.events import EVAL, LOG, read_events
from ..hosting import owners
from ..runs.folder import RunPaths, list_runs, run_name, runs_root
from ..control.summary import delete_run, run_summary
from ..config import load_run_config
from ..services.verdict import KINDS
from . import visitor
from .figures import compare_runs
from .messages import USER_ERRORS, as_text, user_error
from .model_tab import ModelInputs, settings_updates
from .views import bind

# Short headers and set widths, wrapped: the whole table fits a 1280 px window (issue 27: it cut the epochs)
COLUMNS = ["run", "status", "verdict", "task", "model", "metric", "value", "time (s)", "epochs", "batch", "lr"]
COLUMN_WIDTHS = ["17%", "8%", "9%", "12%", "13%", "8%", "7%", "6%", "7%", "6%", "7%"]


class RunsView(NamedTuple):
    """What the panel's handlers update, by name."""
    table: gr.Dataframe
    compare_pick: gr.Dropdown
    run_pick: gr.Dropdown
    message: gr.Markdown
    model_inputs: ModelInputs  # the Model tab's task, model and knobs
    confirm_row: gr.Row = None   # "Delete X for good?" with Confirm and Cancel: a delete takes two clicks
    deleted: gr.State = None     # the name of the run just deleted: other screens let go of it


def _names(saved: dict | None, only_mine: bool, token: str | None) -> list[str]:
    """This visitor's runs; locally, unticked, every run. On a Space "only mine" is always on."""
    owner = visitor.owner(token)
    runs = owners.visible(owner, list_runs())
    if not only_mine and not owners.hosted():
        return [run_name(p) for p in runs]
    started_here = {Path(str(p)).name for p in (saved or {}).get("runs", [])} if isinstance(saved, dict) else set()
    return [run_name(p) for p in runs if p in owners.owned_by(owner, [p]) or (not owners.hosted() and p.name in started_here)]


def _row(name: str) -> list:
    summary, config = run_summary(runs_root() / name), _config(name)
    value = round(summary.value, 4) if summary.value is not None else None
    settings = (config.epochs, config.batch_size, f"{config.learning_rate:g}") if config else (None, None, None)
    # the same summary as `python -m finetune runs`: status (a trial marked) and verdict agree
    return [name, summary.label, KINDS.get(summary.verdict, ""), summary.task, summary.model, summary.metric, value,
            summary.duration_s, *settings]


def _config(name: str) -> RunConfig | None:
    """None for a config this version cannot read: the run still lists, without its settings."""
    try:
        return load_run_config(runs_root() / name)
    except ConfigError:
        return None


def refresh(view: RunsView, saved: dict | None, only_mine: bool, token: str | None = None) -> dict:
    """The table, and the run names for the compare and the action pickers."""
    names = _names(saved, only_mine, token)
    return {view.table: pd.DataFrame([_row(n) for n in names], columns=COLUMNS),
            view.compare_pick: gr.update(choices=names, value=[]), view.run_pick: gr.update(choices=names, value=None)}


def _checked(name: str | None, token: str | None, change: bool = False) -> str:
    """A run name from the browser that names a run this visitor may read (or change)."""
    if not name or not isinstance(name, str):
        raise gr.Error("Pick a run from the list first.", print_exception=False)
    return visitor.run_dir(token, name, change=change).name


def compare(names: list[str] | None, token: str | None = None):
    """Overlay the loss curves of the chosen runs."""
    if not names or len(names) < 2:
        raise gr.Error("Pick two or more runs to compare.", print_exception=False)
    curves = {}
    for name in (_checked(n, token) for n in names):
        events, _ = read_events(RunPaths(runs_root() / name).events)
        curves[name] = ([e for e in events if e["event"] == LOG], [e for e in events if e["event"] == EVAL])
    return compare_runs(curves)


def load_settings(view: RunsView, name: str | None, token: str | None = None) -> dict:
    """A run's settings into the Model tab's widgets (task, model, every knob)."""
    try:
        updates = settings_updates(load_run_config(runs_root() / _checked(name, token)).to_dict())
    except USER_ERRORS as e:
        raise user_error(e) from None
    return {**view.model_inputs.updates(updates),
            view.message: f"Settings of {name} loaded into the Model tab (the data stays as chosen in the Data tab)."}


def ask_delete(view: RunsView, name: str | None, token: str | None = None) -> dict:
    """The first click: name the run and show Confirm / Cancel; nothing is deleted yet."""
    name = _checked(name, token, change=True)
    return {view.confirm_row: gr.update(visible=True),
            view.message: f"Delete **{as_text(name)}** for good (its model, report and checkpoints)? "
                          "Confirm below, or Cancel."}


def cancel_delete(view: RunsView) -> dict:
    return {view.confirm_row: gr.update(visible=False), view.message: "Nothing was deleted."}


def delete(view: RunsView, name: str | None, saved: dict | None, only_mine: bool, token: str | None = None) -> dict:
    """The second click: delete the run; `deleted` names it so the Train tab and the Playground let go."""
    try:
        name = _checked(name, token, change=True)
        delete_run(runs_root() / name)
    except USER_ERRORS as e:
        raise user_error(e) from None
    return {**refresh(view, saved, only_mine, token), view.message: f"Deleted {as_text(name)}.",
            view.confirm_row: gr.update(visible=False), view.deleted: name}


def render(page_loaded, saved_run: gr.BrowserState, model_inputs: ModelInputs, token: gr.BrowserState,
           refresh_on: list = ()) -> RunsView:
    """The panel, its listeners, and the table filled on page load and on each of `refresh_on` (a run
    started or ended: no Refresh click needed)."""
    with gr.Accordion("Earlier runs", open=False):
        with gr.Row():
            # on a Space a visitor only ever sees their own runs: no "all runs" view to offer
            only_mine = gr.Checkbox(True, label="Only runs started from this browser", elem_id="runs-only-mine",
                                    visible=not owners.hosted())
            reload = gr.Button("Refresh", size="sm", elem_id="runs-refresh")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, column_widths=COLUMN_WIDTHS,
                             elem_id="runs-table")
        with gr.Row():
            chosen = gr.Dropdown([], multiselect=True, label="Runs to compare", elem_id="runs-compare-pick")
            compare_button = gr.Button("Compare loss curves", size="sm", elem_id="runs-compare")
        overlay = gr.Plot(label="Loss curves", elem_id="runs-overlay")
        with gr.Row():
            picked = gr.Dropdown([], label="Run", elem_id="runs-pick")
            load = gr.Button("Reload its settings into the Model tab", size="sm", elem_id="runs-load")
            remove = gr.Button("Delete run", size="sm", variant="stop", elem_id="runs-delete")
        message = gr.Markdown(elem_id="runs-message")
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("Confirm delete", size="sm", variant="stop", elem_id="runs-delete-confirm")
            cancel = gr.Button("Cancel", size="sm", elem_id="runs-delete-cancel")
    view = RunsView(table, chosen, picked, message, model_inputs, confirm_row, gr.State(""))
    listing = [view.table, view.compare_pick, view.run_pick]
    gr.on([reload.click, only_mine.change, *refresh_on], bind(refresh, view), [saved_run, only_mine, token], listing,
          api_visibility="private")
    page_loaded.then(bind(refresh, view), [saved_run, only_mine, token], listing, api_visibility="private")
    compare_button.click(compare, [chosen, token], overlay, api_visibility="private")
    load.click(bind(load_settings, view), [picked, token], [*view.model_inputs, view.message],
               api_visibility="private")
    remove.click(bind(ask_delete, view), [picked, token], [view.confirm_row, view.message], api_visibility="private")
    cancel.click(bind(cancel_delete, view), None, [view.confirm_row, view.message], api_visibility="private")
    confirm.click(bind(delete, view), [picked, saved_run, only_mine, token],
                  [*listing, view.message, view.confirm_row, view.deleted], api_visibility="private")
    picked.change(lambda: gr.update(visible=False), None, view.confirm_row, api_visibility="private")  # confirm names one run
    return view
