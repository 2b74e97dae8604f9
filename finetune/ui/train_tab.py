"""Train tab: Start and Stop a run, follow it live from its events file, show the results.

The run lives in its own process; this tab only reads the run folder. The run folder's path is kept
in gr.State (per tab) and gr.BrowserState (survives a reload), so a reloaded page re-attaches.
"""
from __future__ import annotations

import time
from pathlib import Path

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..events import END_EVENTS, EVAL, FAILED, LOG, STAGE, read_events
from ..runs import RunPaths, is_alive, new_run_dir, run_status, runs_root, start_run, stop_run
from .figures import confusion_matrix, training_curves
from .messages import USER_ERRORS, as_text, error_box, user_error
from .data_tab import data_config
from .model_tab import config_from_widgets
from .playground_tab import run_choices

EMPTY_RUN = {"run_dir": None, "offset": 0, "logs": [], "evals": [], "stage": "", "status": "", "first_log": None}


def start_training(data: dict, run: dict, task: str, model: str, *knobs):
    """Start a run from the Data and Model tabs' settings; returns the new run state."""
    if not data or not data.get("settings"):
        raise gr.Error("No data yet: load a file or a sample in the Data tab first.", print_exception=False)
    if not data.get("ready"):
        raise gr.Error("The data has a problem that blocks training; see the Data tab.", print_exception=False)
    if run.get("run_dir") and run_status(run["run_dir"])["status"] == "running":
        raise gr.Error("A run is still going. Stop it first, or wait for it to finish.", print_exception=False)
    try:
        config = RunConfig.from_dict({**data_config(data), **config_from_widgets(task, model, *knobs)})
    except USER_ERRORS as e:
        raise user_error(e) from None
    run_dir = new_run_dir(config.task)
    start_run(config, run_dir)
    state = {**EMPTY_RUN, "run_dir": str(run_dir), "logs": [], "evals": []}
    return state, gr.Timer(active=True), {"run_dir": str(run_dir)}, "⏳ Starting…", gr.update(visible=False)


def stop_training(run: dict) -> str:
    if not run.get("run_dir"):
        return "Nothing is running."
    stop_run(run["run_dir"])
    return "⏹️ Stopping after the current step; the model reached so far will be saved."


def reattach(saved: dict | None):
    """On page load: follow the run this browser started before, if its folder still exists."""
    run_dir = (saved or {}).get("run_dir")
    if not run_dir or not _owned(run_dir):
        return dict(EMPTY_RUN), gr.Timer(active=False)
    return {**EMPTY_RUN, "run_dir": run_dir, "logs": [], "evals": []}, gr.Timer(active=True)


def _owned(run_dir: str) -> bool:
    """Only run folders under our runs root, with a config, are followed (the path comes from the browser)."""
    path = Path(run_dir).resolve()
    return path.parent == runs_root() and RunPaths(path).config.is_file()


def follow_run(run: dict):
    """One timer tick: read new events, redraw, and stop ticking once the run has ended."""
    if not run.get("run_dir"):
        return run, gr.Timer(active=False), *[gr.update()] * 8
    events, offset = read_events(RunPaths(run["run_dir"]).events, run["offset"])
    run = _apply(dict(run, offset=offset), events)
    # Ended, or died without an end event: read the folder once. Running: a cheap liveness check only.
    status = {"status": "running"} if not run["status"] and is_alive(run["run_dir"]) else run_status(run["run_dir"])
    plot = training_curves(run["logs"], run["evals"]) if events or not run["logs"] else gr.update()
    if status["status"] == "running":
        return run, gr.Timer(active=True), _status_line(run), _progress(run), plot, *[gr.update()] * 5
    return (run, gr.Timer(active=False), _final_line(run, status), _progress(run, done=True), plot,
            *_results(run["run_dir"], status))


def _apply(run: dict, events: list[dict]) -> dict:
    for e in events:
        kind = e["event"]
        if kind == LOG:
            run["logs"] = run["logs"] + [e]
            run["first_log"] = run["first_log"] or e
        elif kind == EVAL:
            run["evals"] = run["evals"] + [e]
        elif kind == STAGE:
            run["stage"] = e["message"]
        elif kind in END_EVENTS:
            run["status"] = kind
            run["error"] = e.get("error", "")
    return run


def _eta(run: dict) -> tuple[float, float] | None:
    """(seconds left, steps per second) from the pace between the first and last logged steps."""
    first, last = run["first_log"], run["logs"][-1] if run["logs"] else None
    if not first or not last or last["step"] <= first["step"]:
        return None
    rate = (last["step"] - first["step"]) / max(last["time"] - first["time"], 1e-6)
    return (last["max_steps"] - last["step"]) / rate, rate


def _status_line(run: dict) -> str:
    if not run["logs"]:
        return f"⏳ {as_text(run['stage'] or 'Starting')}…"
    last, eta = run["logs"][-1], _eta(run)
    pace = f" · about {_duration(eta[0])} left · {eta[1]:.1f} steps/s" if eta else ""
    return f"🏃 {as_text(run['stage'])} · step {last['step']}/{last['max_steps']} · loss {last['loss']:.4f}{pace}"


def _final_line(run: dict, status: dict) -> str:
    kind = status["status"]
    if kind == FAILED:
        return error_box("Training failed: " + (run.get("error") or status.get("error", "")))
    if kind == "stopped":
        return "⏹️ Stopped early. The model reached so far is saved and usable in the Playground."
    return "✅ Finished. Try the model in the Playground tab."


def _progress(run: dict, done: bool = False) -> str:
    last = run["logs"][-1] if run["logs"] else None
    share = 1.0 if done and run["status"] == "finished" else (last["step"] / last["max_steps"] if last else 0.0)
    return (f'<div class="ft-progress"><div style="width:{share * 100:.1f}%"></div></div>'
            f'<span>{share * 100:.0f}%</span>')


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _results(run_dir: str, status: dict):
    """Results group visible, metrics, per-class table, confusion matrix, Playground's run list."""
    results = status.get("results")
    choices = run_choices()
    playground = gr.update(choices=choices, value=Path(run_dir).name if results else None)
    if not results:
        return gr.update(visible=False), "", None, None, playground
    metrics = " · ".join(f"**{k}** {v:.3f}" for k, v in results["metrics"].items())
    summary = (f"{metrics} · {results['train_rows']} training rows, {results['eval_rows']} validation rows, "
               f"{results['train_runtime_s']:.0f} s, max length {results['max_length']}, {results['precision']}")
    per_class = pd.DataFrame([{"label": k, **{m: round(v, 3) for m, v in row.items()}}
                              for k, row in results["per_class"].items()])
    matrix = confusion_matrix(**results["confusion_matrix"])
    return gr.update(visible=True), summary, per_class, matrix, playground


def render(data_state, model_inputs, timer: gr.Timer, saved_run: gr.BrowserState, playground_run):
    run = gr.State(dict(EMPTY_RUN))
    with gr.Row():
        start = gr.Button("Start training", variant="primary", elem_id="start-training")
        stop = gr.Button("Stop", variant="stop", elem_id="stop-training")
    status = gr.Markdown("Load data, pick a model, then Start.", elem_id="train-status")
    progress = gr.HTML(_progress(EMPTY_RUN), elem_id="train-progress")
    plot = gr.Plot(label="Loss and accuracy", elem_id="train-plot")
    with gr.Group(visible=False) as results:
        summary = gr.Markdown(elem_id="train-summary")
        with gr.Row():
            per_class = gr.Dataframe(label="Per-class scores", interactive=False, elem_id="per-class")
            matrix = gr.Plot(label="Confusion matrix", elem_id="confusion-matrix")

    start.click(start_training, [data_state, run, *model_inputs], [run, timer, saved_run, status, results],
                api_visibility="private")
    stop.click(stop_training, run, status, api_visibility="private")
    timer.tick(follow_run, run, [run, timer, status, progress, plot, results, summary, per_class, matrix,
                                 playground_run], api_visibility="private", show_progress="hidden")
    return run


PROGRESS_CSS = """
.ft-progress { display:inline-block; width:85%; height:12px; background:#eee; border-radius:6px; overflow:hidden;
               vertical-align:middle; margin-right:8px; }
.ft-progress > div { height:100%; background:#2b7bd6; transition: width .5s; }
"""
