"""Find good settings: a budgeted search over the Model tab's settings, in its own process like a run
(`python -m finetune tune`), followed from SWEEP_DIR/sweep.json; the best trial's settings load into the
Model tab or train as a new run.

The sweep folder lives in gr.State (server side, per tab); a trial folder is taken from sweep.json only
when it lies inside that sweep folder. Every start goes through the gate (finetune/hosting/gate.py): the
search and its trials record their owner, "Train the best settings" is a run like any other (limits and
queue on a Space); a Space does not offer the search at all (gate.search_offered says why).
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import NamedTuple

import gradio as gr
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import ConfigError, RunConfig
from ..hosting import gate, owners
from ..runs.folder import RunPaths, log_tail
from ..control.processes import is_alive, stop_run
from ..sweeps.search_space import DEFAULT_NAMES, SEARCHABLE, search_space, searches_lora
from ..sweeps.launch import MAX_TRIALS
from ..sweeps.record import COMPLETE, PRUNED, RUNNING, STOPPED, Sweep, read_sweep
from ..tasks import get_task
from . import visitor
from .data_state import DataState
from .messages import USER_ERRORS, as_text, error_box, user_error
from .model_tab import ModelInputs, config_from_widgets, settings_updates
from .views import bind, by_name

EMPTY = {"sweep_dir": None}
STATE_COLORS = {COMPLETE: "#1f77b4", STOPPED: "#9467bd", PRUNED: "#bbbbbb", RUNNING: "#ff7f0e"}
SETTING_WORDS = {"learning_rate": "learning rate", "epochs": "epochs", "batch_size": "batch size",
                 "warmup_ratio": "warmup", "weight_decay": "weight decay", "lora_rank": "LoRA rank"}


TRIAL_COLUMNS = ["trial", "state", "score", "seconds"]  # named before the first trial: no "1 2 3" headers


class SearchView(NamedTuple):
    """What the panel's handlers update, by name."""
    search: gr.State  # {"sweep_dir": ...}
    timer: gr.Timer
    status: gr.Markdown
    table: gr.Dataframe
    plot: gr.Plot
    message: gr.Markdown


def start_search(view: SearchView, data: DataState, search: dict, trials, budget_minutes, settings, token,
                 model_settings: dict) -> dict:
    """Start a search on the Data tab's file with the Model tab's settings (by name) as the fixed (and first)
    ones, owned by the visitor `token` signs."""
    owner = visitor.owner(token)
    try:
        gate.require_visitor(owner)
        if not gate.search_offered():
            raise ConfigError(gate.NO_SEARCH)
    except ConfigError as e:
        raise user_error(e) from None
    if not data.loaded or not data.ready:
        raise gr.Error("No usable data yet: load a file or a sample in the Data tab first.", print_exception=False)
    if data.task != model_settings["task"]:
        raise gr.Error("The Data tab and the Model tab have different tasks; pick the same task in both.",
                       print_exception=False)
    if search.get("sweep_dir") and _sweep_running(search["sweep_dir"]):
        raise gr.Error("A search is still going: stop it first, or wait for it to end.", print_exception=False)
    if not settings:
        raise gr.Error("Tick at least one setting to search.", print_exception=False)
    try:
        config = RunConfig.from_dict({**data.data_config(), **config_from_widgets(model_settings)})
        search_space(list(settings), small_model=True, lora=searches_lora(get_task(config.task), config))
        sweep_dir = gate.start_search(config, owner, trials=_number(trials), budget_minutes=_number(budget_minutes),
                                      space=list(settings))
    except USER_ERRORS as e:
        raise user_error(e) from None
    # the previous search's table, figure and message go: they are not this search's
    return {view.search: {"sweep_dir": str(sweep_dir)}, view.timer: gr.Timer(active=True),
            view.status: "⏳ Starting the search…", view.table: pd.DataFrame(columns=TRIAL_COLUMNS), view.plot: None,
            view.message: ""}


def _number(value) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ConfigError(f"Trials and the time budget are numbers; got {str(value)[:40]!r}.")
    return number


def _sweep_running(sweep_dir: str) -> bool:
    sweep = read_sweep(sweep_dir)
    return is_alive(sweep_dir) and (sweep is None or sweep.status == RUNNING)


def follow_search(view: SearchView, search: dict) -> dict:
    """Timer tick: the status line, the table of trials and the figure; the timer stops with the search."""
    sweep_dir = search.get("sweep_dir")
    sweep, alive = (read_sweep(sweep_dir), is_alive(sweep_dir)) if sweep_dir else (None, False)
    if sweep is None:
        status = "" if not sweep_dir else "⏳ Reading the data and the model…" if alive else \
            error_box("The search ended before its first trial:\n" + log_tail(sweep_dir))
        return {view.timer: gr.Timer(active=alive), view.status: status, view.table: None, view.plot: None}
    done = sweep.status != RUNNING or not alive
    return {view.timer: gr.Timer(active=not done), view.status: status_line(sweep, alive),
            view.table: trials_table(sweep), view.plot: sweep_figure(sweep)}


def status_line(sweep: Sweep, alive: bool = True) -> str:
    used = (sweep.ended or time.time()) - sweep.started
    best = sweep.best
    found = f" · best {sweep.metric} {best.value:.4f} ({best.run})" if best else ""
    clock = f" · {used / 60:.1f} of {sweep.budget_s / 60:.0f} min"
    if sweep.status == RUNNING and alive:
        return f"⏳ Trial {len(sweep.trials)} of at most {sweep.trials_asked}{found}{clock}"
    if sweep.status == RUNNING or sweep.error:
        return error_box(sweep.error or "The search process ended without finishing its summary.")
    return f"✅ Search {sweep.status}: {len(sweep.trials)} trials{found}{clock}"


def trials_table(sweep: Sweep) -> pd.DataFrame:
    names = list(sweep.space)
    rows = [[t.run, t.state, None if t.value is None else round(t.value, 4), t.seconds,
             *[_short(t.params.get(n)) for n in names]] for t in sweep.trials]
    return pd.DataFrame(rows, columns=[*TRIAL_COLUMNS[:2], sweep.metric, TRIAL_COLUMNS[3], *names])


def _short(value):
    """3 significant digits for the table (a sampled learning rate has 16)."""
    return float(f"{value:.3g}") if isinstance(value, float) else value


def sweep_figure(sweep: Sweep) -> go.Figure:
    """The metric over time (with the best so far), and against each searched setting."""
    names = list(sweep.space)
    fig = make_subplots(rows=1, cols=1 + len(names), shared_yaxes=True,
                        subplot_titles=["over time", *[SETTING_WORDS.get(n, n) for n in names]])
    scored = [t for t in sweep.trials if t.value is not None]
    colors = [STATE_COLORS.get(t.state, "#d62728") for t in scored]
    text = [f"{t.run} ({t.state})" for t in scored]
    minutes = [(t.started + t.seconds - sweep.started) / 60 for t in scored]
    fig.add_trace(go.Scatter(x=minutes, y=[t.value for t in scored], mode="markers", text=text, name="trials",
                             marker={"color": colors, "size": 9}), row=1, col=1)
    pick, best, line = (max if sweep.direction == "maximize" else min), None, []
    for t in scored:
        if t.state in (COMPLETE, STOPPED):
            best = t.value if best is None else pick(best, t.value)
        line.append(best)
    fig.add_trace(go.Scatter(x=minutes, y=line, mode="lines", line={"shape": "hv", "color": "#2ca02c"},
                             name="best so far"), row=1, col=1)
    for col, name in enumerate(names, start=2):
        fig.add_trace(go.Scatter(x=[t.params.get(name) for t in scored], y=[t.value for t in scored],
                                 mode="markers", text=text, marker={"color": colors, "size": 9},
                                 showlegend=False), row=1, col=col)
        if name == "learning_rate":
            fig.update_xaxes(type="log", row=1, col=col)
    fig.update_xaxes(title_text="minutes", row=1, col=1)
    fig.update_yaxes(title_text=f"validation {sweep.metric}", row=1, col=1)
    fig.update_layout(height=340, margin={"l": 50, "r": 20, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def stop_search(search: dict, token=None) -> str:
    if not search.get("sweep_dir") or not _sweep_running(search["sweep_dir"]):
        return "No search is running."
    if not owners.may_use(visitor.owner(token), search["sweep_dir"]):
        return "This search is not yours to stop."
    stop_run(search["sweep_dir"])  # the running trial ends after its step and is scored; no trial after it
    return "⏹ Stopping after the current trial's step…"


def best_trial(search: dict) -> Path:
    """The best trial's run folder, checked to lie inside this tab's sweep folder."""
    sweep = read_sweep(search["sweep_dir"]) if search.get("sweep_dir") else None
    if sweep is None or sweep.best is None:
        raise gr.Error("No trial has finished yet: start a search, then wait for its first trial.",
                       print_exception=False)
    root = Path(search["sweep_dir"]).resolve()
    folder = (root / sweep.best.run).resolve()
    if folder.parent != root or not RunPaths(folder).config.is_file():
        raise gr.Error(f"The best trial's folder {sweep.best.run} is missing from the search folder.",
                       print_exception=False)
    return folder


def load_best(model_inputs: ModelInputs, search: dict) -> dict:
    """The best trial's settings into the Model tab's widgets (task, model, every knob)."""
    config = RunConfig.load(RunPaths(best_trial(search)).config)
    return model_inputs.updates(settings_updates(config.to_dict()))


def train_best(search: dict, token=None) -> str:
    """A new run with the best trial's settings on the same data (follow it in the Train tab's runs list),
    started through the gate like any run: owned, and on a Space clamped and queued."""
    owner = visitor.owner(token)
    try:
        gate.require_visitor(owner)
        if search.get("sweep_dir") and not owners.may_use(owner, search["sweep_dir"]):
            raise ConfigError("This search is not yours.")
        config = RunConfig.load(RunPaths(best_trial(search)).config)
        started = gate.start_run(config, owner)
    except USER_ERRORS as e:
        raise user_error(e) from None
    name = as_text(Path(started.run_dir).name)
    if started.position:
        return (f"Queued {name} with the best settings at position {started.position}: see the Train tab's "
                "earlier runs.")
    return f"▶ Training {name} with the best settings: see the Train tab's earlier runs."


def render(data_state, model_inputs: ModelInputs, token):
    """The panel, inside the Model tab; model_inputs: model_tab.ModelInputs (task, model, knobs). Not on a
    Space (gate.search_offered)."""
    if not gate.search_offered():
        return
    search = gr.State(dict(EMPTY))
    timer = gr.Timer(2.0, active=False)
    with gr.Accordion("Find good settings (a search over several runs)", open=False, elem_id="search-panel"):
        gr.Markdown("Trains several short runs with different settings, one after the other, and keeps the best. "
                    "The first trial uses the settings above; trials that trail the others are stopped early.")
        with gr.Row():
            trials = gr.Number(6, minimum=1, maximum=MAX_TRIALS, precision=0, label="Trials", elem_id="search-trials")
            budget = gr.Number(10, minimum=1, maximum=1440, label="Time budget (minutes)", elem_id="search-budget")
        settings = gr.CheckboxGroup([(SETTING_WORDS[n], n) for n in SEARCHABLE], value=list(DEFAULT_NAMES),
                                    label="Settings to search", elem_id="search-settings",
                                    info="LoRA rank only for text generation with LoRA on.")
        with gr.Row():
            start = gr.Button("Start search", variant="primary", elem_id="search-start")
            stop = gr.Button("Stop search", variant="stop", elem_id="search-stop")
        status = gr.Markdown(elem_id="search-status")
        table = gr.Dataframe(headers=TRIAL_COLUMNS, label="Trials", interactive=False, elem_id="search-trials-table")
        plot = gr.Plot(label="Validation metric by trial", elem_id="search-plot")
        with gr.Row():
            load = gr.Button("Load the best settings above", elem_id="search-load-best")
            train = gr.Button("Train the best settings", elem_id="search-train-best")
        message = gr.Markdown(elem_id="search-message")
    view = SearchView(search, timer, status, table, plot, message)
    start.click(*by_name(start_search, [data_state, search, trials, budget, settings, token], model_inputs.named(), view),
                list(view), api_visibility="private")
    timer.tick(bind(follow_search, view), search, [timer, status, table, plot], api_visibility="private",
               show_progress="hidden")
    stop.click(stop_search, [search, token], message, api_visibility="private")
    load.click(bind(load_best, model_inputs), search, list(model_inputs), api_visibility="private")
    train.click(train_best, [search, token], message, api_visibility="private")
