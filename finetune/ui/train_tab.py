"""Train tab: an estimate before Start; Start, Stop, Kill and Resume a run; follow it live from its
events file (curves, progress with ETA, health warnings, log tail); then the report and earlier runs.

The run lives in its own process; this tab only reads the run folder. The run folder's path is kept
in gr.State (per tab) and gr.BrowserState (survives a reload, with the list of runs this browser
started), so a reloaded page re-attaches. No state is shared between sessions here: the run limit
lives in runs.py.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import gradio as gr

from ..config import RunConfig
from ..events import END_EVENTS, EVAL, HEALTH, LOG, STAGE, STARTED, read_events
from ..runs import (RunPaths, check_capacity, is_alive, kill_run, new_run_dir, resume_run, run_status, runs_root, start_run,
                    stop_run)
from ..hosting import spaces
from ..tasks import DEFAULT_TASK
from . import report, runs_panel, space_queue
from .figures import training_curves
from .messages import USER_ERRORS, as_text, error_box, user_error
from .data_tab import data_config
from .model_tab import config_from_widgets
from .playground_tab import run_choices

EMPTY_RUN = {"run_dir": None, "offset": 0, "logs": [], "evals": [], "health": [], "tail": [], "stage": "",
             "status": "", "first_log": None, "samples_per_step": 0}
TAIL_LINES = 8
REMEMBERED_RUNS = 50


def _fresh(run_dir: str) -> dict:
    """Follow a run from the start of its events file (the samples per step are for the pace line)."""
    try:
        config = json.loads(RunPaths(run_dir).config.read_text())
        per_step = config.get("batch_size", 0) * config.get("gradient_accumulation_steps", 1)
    except (OSError, json.JSONDecodeError):
        per_step = 0
    return {**EMPTY_RUN, "run_dir": run_dir, "logs": [], "evals": [], "health": [], "tail": [],
            "samples_per_step": per_step}


def _running(run: dict) -> bool:
    return bool(run.get("run_dir")) and run_status(run["run_dir"])["status"] == "running"


def start_training(data: dict, run: dict, task: str, model: str, *knobs):
    """Start a run from the Data and Model tabs' settings; returns the new run state."""
    if not data or not data.get("settings"):
        raise gr.Error("No data yet: load a file or a sample in the Data tab first.", print_exception=False)
    if not data.get("ready"):
        raise gr.Error("The data has a problem that blocks training; see the Data tab.", print_exception=False)
    if (data["settings"].get("task") or DEFAULT_TASK) != task:
        raise gr.Error(f"The Data tab checked the file for {data['settings'].get('task')}, but the Model tab is set "
                       f"to {task}. Pick the same task in both.", print_exception=False)
    if _running(run) or run.get("queued"):
        raise gr.Error("A run is still going. Stop it first, or wait for it to finish.", print_exception=False)
    try:
        config = RunConfig.from_dict({**data_config(data), **config_from_widgets(task, model, *knobs)})
        if spaces.on_spaces():  # the Space's limits, and a place in its queue instead of a refusal
            order = spaces.submit(config, new_run_dir(config.task))
            if order["position"]:
                return space_queue.waiting(order, EMPTY_RUN)
            run_dir = order["run_dir"]
        else:
            check_capacity()  # before a folder exists: a refused start leaves nothing behind
            run_dir = new_run_dir(config.task)
            start_run(config, run_dir)
    except USER_ERRORS as e:  # a bad setting, or the run limit reached
        raise user_error(e) from None
    return _fresh(str(run_dir)), gr.Timer(active=True), "⏳ Starting…", gr.update(visible=False)


def remember_run(run: dict, saved: dict | None) -> dict:
    """The BrowserState after a start: the run to re-attach to, and the runs this browser started."""
    runs = [r for r in (saved or {}).get("runs", []) if r != run["run_dir"]] + [run["run_dir"]]
    return {"run_dir": run["run_dir"], "runs": runs[-REMEMBERED_RUNS:]}


def stop_training(run: dict) -> str:
    if not run.get("run_dir"):
        return "Nothing is running."
    if run.get("queued"):
        return space_queue.leave(run)
    stop_run(run["run_dir"])
    return "⏹️ Stopping after the current step; the model reached so far will be saved."


def kill_training(run: dict) -> str:
    """For a run that no longer answers Stop: end its process now (no model is saved)."""
    if not run.get("run_dir") or not is_alive(run["run_dir"]):
        return "Nothing is running."
    kill_run(run["run_dir"])
    return "☠️ Killed. The run will show as failed; Resume continues it from its last checkpoint."


def resume_training(run: dict):
    """Continue the current run (stopped or crashed) from its last checkpoint, in the same folder."""
    if not run.get("run_dir"):
        raise gr.Error("No run to resume: start one, or reload the page to re-attach.", print_exception=False)
    try:
        resume_run(run["run_dir"])
    except USER_ERRORS as e:
        raise user_error(e) from None
    return _fresh(run["run_dir"]), gr.Timer(active=True), "⏳ Resuming from the last checkpoint…", \
        gr.update(visible=False)


def reattach(saved: dict | None):
    """On page load: follow the run this browser started before, if its folder still exists."""
    run_dir = (saved or {}).get("run_dir")
    if not run_dir or not _owned(run_dir):
        return dict(EMPTY_RUN), gr.Timer(active=False)
    return _fresh(run_dir), gr.Timer(active=True)


def _owned(run_dir: str) -> bool:
    """Only run folders under our runs root, with a config, are followed (the path comes from the browser)."""
    path = Path(run_dir).resolve()
    return path.parent == runs_root() and RunPaths(path).config.is_file()


def follow_run(run: dict):
    """One timer tick: read new events, redraw, and stop ticking once the run has ended.

    Outputs: run, timer, status, progress, plot, health, log tail, the report's six, Playground's run list."""
    if not run.get("run_dir"):
        return run, gr.Timer(active=False), *[gr.update()] * 12
    if run.get("queued"):
        return space_queue.follow(run)
    events, offset = read_events(RunPaths(run["run_dir"]).events, run["offset"])
    run = _apply(dict(run, offset=offset), events)
    # Running: a cheap liveness check. Ended, or died without an end event: read the folder once.
    status = {"status": "running"} if is_alive(run["run_dir"]) else run_status(run["run_dir"])
    plot = training_curves(run["logs"], run["evals"]) if events or not run["logs"] else gr.update()
    live = (_health(run), "\n".join(run["tail"]))
    if status["status"] == "running":
        return (run, gr.Timer(active=True), _status_line(run), _progress(run), plot, *live,
                *[gr.update()] * 7)
    choices = run_choices()
    playground = gr.update(choices=choices, value=Path(run["run_dir"]).name if status.get("results") else None)
    plot = training_curves(run["logs"], run["evals"])  # the last tick draws the whole run, new events or not
    return (run, gr.Timer(active=False), _final_line(run, status), _progress(run, done=True), plot, *live,
            *report.fill(run["run_dir"], status), playground)


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
        elif kind == HEALTH:
            run["health"] = run["health"] + [e]
        elif kind == STARTED:  # a resumed run starts again: its pace is measured afresh
            run["status"], run["first_log"] = "", None
        elif kind in END_EVENTS:
            run["status"] = kind
            run["error"] = e.get("error", "")
        line = _tail_line(e)
        if line:
            run["tail"] = (run["tail"] + [line])[-TAIL_LINES:]
    return run


def _tail_line(e: dict) -> str:
    clock = time.strftime("%H:%M:%S", time.localtime(e["time"]))
    kind = e["event"]
    if kind == LOG:
        return f"{clock} step {e['step']}/{e['max_steps']} loss {e['loss']:.4f} lr {e.get('learning_rate', 0):.2e}"
    if kind == EVAL:
        shown = " ".join(f"{k.removeprefix('eval_')} {v:.4f}" for k, v in e.items()
                         if k.startswith("eval_") and isinstance(v, (int, float)) and "runtime" not in k)
        return f"{clock} eval at step {e['step']}: {shown}"
    if kind == STARTED:
        return f"{clock} started" + (f", resumed from {e['resumed_from']}" if e.get("resumed_from") else "")
    if kind == STAGE:
        return f"{clock} {e['message']}"
    if kind == HEALTH:
        return f"{clock} warning: {e['message']}"
    return f"{clock} {kind}" + (f": {e['error']}" if e.get("error") else "")


def _health(run: dict) -> str:
    return "\n".join(f"⚠️ {as_text(e['message'])}  " for e in run["health"])


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
    pace = ""
    if eta:
        samples = f" · {eta[1] * run['samples_per_step']:.1f} samples/s" if run["samples_per_step"] else ""
        pace = f" · about {_duration(eta[0])} left · {eta[1]:.2f} steps/s{samples}"
    return f"🏃 {as_text(run['stage'])} · step {last['step']}/{last['max_steps']} · loss {last['loss']:.4f}{pace}"


def _final_line(run: dict, status: dict) -> str:
    kind = status["status"]
    if kind == "failed":
        return error_box("Training failed: " + (run.get("error") or status.get("error", "")))
    if kind == "stopped":
        return "⏹️ Stopped early. The model reached so far is saved and usable in the Playground; Resume continues it."
    return "✅ Finished. Try the model in the Playground tab."


def _progress(run: dict, done: bool = False) -> str:
    last = run["logs"][-1] if run["logs"] else None
    share = 1.0 if done and run["status"] == "finished" else (last["step"] / last["max_steps"] if last else 0.0)
    return (f'<div class="ft-progress"><div style="width:{share * 100:.1f}%"></div></div>'
            f'<span>{share * 100:.0f}%</span>')


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def show_estimate(data: dict, task: str, model: str, *knobs) -> str:
    """Memory and time per epoch for the chosen model, settings, data and this machine."""
    from ..estimate import describe, estimate_run
    from ..data.columns import text_values
    from ..data.tables import read_table

    try:
        config = RunConfig.from_dict(config_from_widgets(task, model, *knobs))
        texts, settings = None, (data or {}).get("settings") or {}
        if settings.get("data_file") and settings.get("text_column"):
            texts = text_values(read_table(settings["data_file"]), settings["text_column"]).head(500).tolist()
        result = estimate_run(config, rows=(data or {}).get("rows") or 1000,
                              num_labels=len((data or {}).get("labels") or {}) or 2, texts=texts)
    except (*USER_ERRORS, OSError, ValueError) as e:  # runs on every change: a line, never a pop-up
        return error_box(f"No estimate: {e}")
    rows = "" if (data or {}).get("rows") else " (for 1,000 rows until data is loaded)"
    return describe(result) + rows


def render(data_state, model_inputs, timer: gr.Timer, saved_run: gr.BrowserState, playground_run,
           playground_text, tabs):
    run = gr.State(dict(EMPTY_RUN))
    estimate = gr.Markdown("", elem_id="train-estimate")
    with gr.Row():
        start = gr.Button("Start training", variant="primary", elem_id="start-training")
        stop = gr.Button("Stop", variant="stop", elem_id="stop-training")
        kill = gr.Button("Kill", elem_id="kill-training")
        resume = gr.Button("Resume", elem_id="resume-training")
    status = gr.Markdown("Load data, pick a model, then Start.", elem_id="train-status")
    progress = gr.HTML(_progress(EMPTY_RUN), elem_id="train-progress")
    health = gr.Markdown(elem_id="train-health")
    plot = gr.Plot(label="Loss and accuracy", elem_id="train-plot")
    tail = gr.Textbox(label="Log (latest events)", lines=4, max_lines=TAIL_LINES, interactive=False,
                      elem_id="train-log")
    report_outputs = report.render(run, playground_text, tabs)
    load_inputs, load_outputs = runs_panel.render(saved_run, model_inputs)

    gr.on([data_state.change, *[c.change for c in model_inputs]], show_estimate, [data_state, *model_inputs],
          estimate, api_visibility="private", show_progress="hidden", trigger_mode="always_last")
    started = start.click(start_training, [data_state, run, *model_inputs], [run, timer, status, report_outputs[0]],
                          api_visibility="private")
    started.success(remember_run, [run, saved_run], saved_run, api_visibility="private")
    stop.click(stop_training, run, status, api_visibility="private")
    kill.click(kill_training, run, status, api_visibility="private")
    resume.click(resume_training, run, [run, timer, status, report_outputs[0]], api_visibility="private")
    timer.tick(follow_run, run, [run, timer, status, progress, plot, health, tail, *report_outputs,
                                 playground_run], api_visibility="private", show_progress="hidden")
    return run, (runs_panel.refresh, load_inputs, load_outputs), (show_estimate, [data_state, *model_inputs],
                                                                  estimate)


PROGRESS_CSS = """
.ft-progress { display:inline-block; width:85%; height:12px; background:#eee; border-radius:6px; overflow:hidden;
               vertical-align:middle; margin-right:8px; }
.ft-progress > div { height:100%; background:#2b7bd6; transition: width .5s; }
"""
