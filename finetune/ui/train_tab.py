"""Train tab: an estimate before Start; Start, Stop, Kill and Resume a run; follow it live from its
events file (curves, progress with ETA, health warnings, log tail); then the report and earlier runs.

The run lives in its own process; this tab only reads the run folder. The run folder's path is kept
in gr.State (per tab) and gr.BrowserState (survives a reload, with the list of runs this browser
started), so a reloaded page re-attaches. No state is shared between sessions here: the run limit
lives in runs.py.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import gradio as gr

from ..config import ConfigError, RunConfig, load_run_config
from ..control.processes import is_alive, kill_run, run_status, stop_run
from ..hosting import gate, owners
from ..runs.folder import run_name
from ..runs.records import RunStatus
from ..tasks import DEFAULT_TASK, get_task
from . import report, runs_panel, space_queue, visitor
from .data_state import DataState
from .figures import training_curves
from .followed_run import TAIL_LINES, FollowedRun, follow, read_new
from .messages import USER_ERRORS, as_text, error_box, user_error
from .model_tab import ModelInputs, config_from_widgets
from .playground_tab import refresh_runs, run_options
from .run_lines import final_line, health_lines, progress_bar, status_line
from .views import bind, by_name, components

REMEMBERED_RUNS = 50
ASSUMED_ROWS = 1000  # the estimate's row count before data is loaded


class TrainView(NamedTuple):
    """What the Train tab's handlers update; each returns {component: value} for the ones it changes."""
    run: gr.State
    timer: gr.Timer
    status: gr.Markdown
    progress: gr.HTML
    plot: gr.Plot
    health: gr.Markdown
    tail: gr.Textbox
    report: report.ReportView
    playground_run: gr.Dropdown


def _running(run: FollowedRun) -> bool:
    return bool(run.run_dir) and run_status(run.run_dir).running


def _started(view: TrainView, run_dir: str, line: str) -> dict:
    return {view.run: follow(run_dir), view.timer: gr.Timer(active=True), view.status: line,
            view.report.group: gr.update(visible=False)}


def start_training(view: TrainView, data: DataState, run: FollowedRun, token: str | None, settings: dict) -> dict:
    """Start a run from the Data tab's state and the Model tab's settings (by name), owned by the visitor
    `token` signs: the new run state, the timer on, the report hidden."""
    owner = visitor.owner(token)
    try:
        gate.require_visitor(owner)
    except ConfigError as e:
        raise user_error(e) from None
    if not data.loaded:
        raise gr.Error("No data yet: load a file or a sample in the Data tab first.", print_exception=False)
    if not data.ready and not data.few_shot_ready:
        raise gr.Error("The data has a problem that blocks training; see the Data tab.", print_exception=False)
    if data.task != settings["task"]:
        raise gr.Error(f"The Data tab checked the file for {data.task}, but the Model tab is set "
                       f"to {settings['task']}. Pick the same task in both.", print_exception=False)
    if _running(run) or run.queued:
        raise gr.Error("A run is still going. Stop it first, or wait for it to finish.", print_exception=False)
    try:
        config = RunConfig.from_dict({**data.data_config(), **config_from_widgets(settings)})
        if not data.ready and not get_task(config.task).method(config.method).few_rows:  # ready for SetFit only
            raise ConfigError("Some classes have too few rows to fine-tune on (see the Data tab); pick SetFit "
                              "as the training method in the Model tab, or add rows.")
        started = gate.start_run(config, owner)  # on a Space: the limits, and a place in its queue
    except USER_ERRORS as e:  # a bad setting, or the run limit reached
        raise user_error(e) from None
    if started.position:
        return space_queue.waiting(view, started)
    return _started(view, started.run_dir, "Starting…")


def remember_run(run: FollowedRun, saved: dict | None) -> dict:
    """The BrowserState after a start: the run to re-attach to, and the runs this browser started."""
    runs = [r for r in (saved or {}).get("runs", []) if r != run.run_dir] + [run.run_dir]
    return {"run_dir": run.run_dir, "runs": runs[-REMEMBERED_RUNS:]}


def _mine(run: FollowedRun, token) -> bool:
    """The followed run is this visitor's to change (the state is the server's; checked again all the same)."""
    return bool(run.run_dir) and owners.may_use(visitor.owner(token), run.run_dir)


def stop_training(run: FollowedRun, token: str | None = None) -> str:
    if not run.run_dir:
        return "Nothing is running."
    if run.queued:
        return space_queue.leave(run)
    if not _mine(run, token):
        return "This run is not yours to stop."
    try:
        stop_run(run.run_dir)
    except USER_ERRORS as e:
        return as_text(str(e))
    return "Stopping after the current step; the model reached so far will be saved."


def kill_training(run: FollowedRun, token: str | None = None) -> str:
    """For a run that no longer answers Stop: end its process now (no model is saved)."""
    if not run.run_dir or not is_alive(run.run_dir):
        return "Nothing is running."
    if not _mine(run, token):
        return "This run is not yours to kill."
    kill_run(run.run_dir)
    return "Killed. The run will show as failed; Resume continues it from its last checkpoint."


def resume_training(view: TrainView, run: FollowedRun, token: str | None = None) -> dict:
    """Continue the current run (stopped or crashed) from its last checkpoint, in the same folder. On a
    Space it goes through the queue like a new run (one run per visitor, one at a time)."""
    if not run.run_dir:
        raise gr.Error("No run to resume: start one, or reload the page to re-attach.", print_exception=False)
    if not _mine(run, token):
        raise gr.Error("This run is not yours to resume.", print_exception=False)
    try:
        started = gate.resume_run(run.run_dir, visitor.owner(token))
    except USER_ERRORS as e:
        raise user_error(e) from None
    if started.position:
        return space_queue.waiting(view, started)
    return _started(view, started.run_dir, "Resuming from the last checkpoint…")


def let_go(view: TrainView, deleted: str | None, run: FollowedRun, token: str | None = None) -> dict:
    """After a delete in the runs table: a tab that follows the deleted run lets go of it (status, plot,
    report, the Playground's list), so nothing on screen names a run that is gone."""
    playground = refresh_runs(None, token)
    if not deleted or not run.run_dir or Path(run.run_dir).name != Path(str(deleted)).name:
        return {view.playground_run: playground}
    return {view.run: FollowedRun(), view.timer: gr.Timer(active=False),
            view.status: f"The run {as_text(Path(str(deleted)).name)} was deleted. Load data, pick a model, then Start.",
            view.progress: progress_bar(FollowedRun()), view.plot: None, view.health: "", view.tail: "",
            **report.fill(view.report, "", RunStatus("deleted")), view.playground_run: playground}


def new_data(view: TrainView, data: DataState, run: FollowedRun) -> dict:
    """Other data in the Data tab: an ended run's verdict and report go (they judged the previous data);
    the run itself stays in Earlier runs and in the Playground. A running run keeps its screen."""
    if not run.run_dir or _running(run) or not data.loaded:
        return {view.status: gr.update()}  # (an empty dict would read as one value, not as no change)
    return {view.status: f"New data loaded ({as_text(data.name or 'a file')}): Start trains on it. "
                         "The previous run stays under Earlier runs and in the Playground.",
            **report.fill(view.report, "", RunStatus("replaced"))}


def reattach(view: TrainView, saved: dict | None, token: str | None = None) -> dict:
    """On page load: follow the run this browser started before, if it still exists and is this visitor's
    (the run name comes from the browser: only its last part counts, resolved under the runs root)."""
    name = (saved or {}).get("run_dir") if isinstance(saved, dict) else None
    try:
        run_dir = gate.run_for(visitor.owner(token), name, change=owners.hosted())
    except ConfigError:
        return {view.run: FollowedRun(), view.timer: gr.Timer(active=False)}
    return {view.run: follow(str(run_dir)), view.timer: gr.Timer(active=True)}


def follow_run(view: TrainView, run: FollowedRun, token: str | None = None) -> dict:
    """One timer tick: read new events, redraw, and stop ticking once the run has ended (then the report
    and the Playground's run list too)."""
    if not run.run_dir:
        return {view.timer: gr.Timer(active=False)}
    if run.queued:
        return space_queue.follow(view, run)
    run, events = read_new(run)
    # Running: a cheap liveness check. Ended, or died without an end event: read the folder once.
    status = RunStatus("running") if is_alive(run.run_dir) else run_status(run.run_dir)
    live = {view.run: run, view.health: health_lines(run), view.tail: "\n".join(run.tail)}
    if status.running:
        plot = training_curves(run.logs, run.evals, _metric(run.run_dir)) if events or not run.logs else gr.update()
        return {**live, view.timer: gr.Timer(active=True), view.status: status_line(run),
                view.progress: progress_bar(run), view.plot: plot}
    playground = gr.update(choices=run_options(token), value=_listed(run.run_dir) if status.results else None)
    return {**live, view.timer: gr.Timer(active=False), view.status: final_line(run, status),
            view.progress: progress_bar(run, done=True),
            view.plot: training_curves(run.logs, run.evals, _metric(run.run_dir)),  # the last tick: the whole run
            **report.fill(view.report, run.run_dir, status), view.playground_run: playground}


def _listed(run_dir: str) -> str:
    """The run's name in the Playground's list (a trial: SEARCH/trial-NNN)."""
    try:
        return run_name(run_dir)
    except ValueError:  # not under the runs root
        return Path(run_dir).name


@lru_cache(maxsize=64)
def _metric(run_dir: str) -> str:
    """The eval key of the run's Task's main metric: what the plot's second axis shows and is titled."""
    try:
        return "eval_" + get_task(load_run_config(run_dir).task).main_metric
    except USER_ERRORS:
        return "eval_" + get_task(DEFAULT_TASK).main_metric


def show_estimate(data: DataState, token, settings: dict) -> str:
    """Memory and time per epoch for the chosen model, settings (the Model tab's, by name), data and this
    machine (its measured pace from the runs this visitor may read, not every visitor's)."""
    from ..planning.estimate import estimate_run, sample_texts
    from ..planning.estimate_text import describe

    if data.loaded and not data.ready:
        return "No estimate yet: the data has a problem that blocks training (see the Data tab)."
    try:
        model = gate.model_id(settings["model"], settings["task"])
        config = RunConfig.from_dict(config_from_widgets({**settings, "model": model}))
        texts = sample_texts(data.settings["data_file"], data.settings["text_column"]) \
            if data.loaded and data.settings.get("text_column") else data.texts
        result = estimate_run(config, rows=data.rows or ASSUMED_ROWS, num_labels=len(data.labels) or 2, texts=texts,
                              fitted_length=data.max_length)  # the Data tab's max length: one number on both tabs
    except (*USER_ERRORS, OSError, ValueError) as e:  # runs on every change: a line, never a pop-up
        return error_box(f"No estimate: {e}")
    result.assumed_rows = 0 if data.rows else ASSUMED_ROWS
    return describe(result)


def render(page_loaded, data_state, model_inputs: ModelInputs, timer: gr.Timer, saved_run: gr.BrowserState,
           playground_run, playground_text, tabs, token: gr.BrowserState) -> TrainView:
    """The tab, its listeners, and what it does on page load (re-attach, the runs table, the estimate), each
    after `page_loaded`, the load event that issues the visitor id."""
    run = gr.State(FollowedRun())
    estimate = gr.Markdown("", elem_id="train-estimate")
    with gr.Row():
        start = gr.Button("Start training", variant="primary", elem_id="start-training")
        stop = gr.Button("Stop", variant="stop", elem_id="stop-training")
        kill = gr.Button("Kill", elem_id="kill-training")
        resume = gr.Button("Resume", elem_id="resume-training")
    status = gr.Markdown("Load data, pick a model, then Start.", elem_id="train-status")
    progress = gr.HTML(progress_bar(FollowedRun()), elem_id="train-progress")
    health = gr.Markdown(elem_id="train-health")
    plot = gr.Plot(label="Loss and the main metric", elem_id="train-plot")
    tail = gr.Textbox(label="Log (latest events)", lines=4, max_lines=TAIL_LINES, interactive=False,
                      elem_id="train-log")
    view = TrainView(run, timer, status, progress, plot, health, tail,
                     report.render(run, playground_text, tabs, model_inputs, token), playground_run)
    runs = runs_panel.render(page_loaded, saved_run, model_inputs, token,
                             refresh_on=[saved_run.change, view.report.summary.change])
    runs.deleted.change(bind(let_go, view), [runs.deleted, run, token], components(view), api_visibility="private")

    data_state.change(bind(new_data, view), [data_state, run], [view.status, *components(view.report)],
                      api_visibility="private", show_progress="hidden")
    estimating = by_name(show_estimate, [data_state, token], model_inputs.named())
    gr.on([data_state.change, *[c.change for c in model_inputs]], *estimating,
          estimate, api_visibility="private", show_progress="hidden", trigger_mode="always_last")
    starting = [view.run, view.timer, view.status, view.report.group]
    started = start.click(*by_name(start_training, [data_state, run, token], model_inputs.named(), view), starting,
                          api_visibility="private")
    started.success(remember_run, [run, saved_run], saved_run, api_visibility="private")
    stop.click(stop_training, [run, token], status, api_visibility="private")
    kill.click(kill_training, [run, token], status, api_visibility="private")
    resume.click(bind(resume_training, view), [run, token], starting, api_visibility="private")
    timer.tick(bind(follow_run, view), [run, token], components(view), api_visibility="private", show_progress="hidden")
    page_loaded.then(bind(reattach, view), [saved_run, token], [view.run, view.timer], api_visibility="private")
    page_loaded.then(*estimating, estimate, api_visibility="private", show_progress="hidden")
    return view
