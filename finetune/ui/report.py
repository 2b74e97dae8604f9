"""The report at the end of a run: metrics, per-class scores, confusion matrix, the most confident
mistakes (select one to try it in the Playground), the model card, and the model folder as a zip.

Everything comes from the run folder (results.json, model/README.md), so a reload shows the same report.
What a task's results hold beyond the common summary, the task describes (Task.results_view: plain tables,
Task.against: what the model is compared with); this module draws it, whatever the task. Handlers return
their outputs by component.
"""
from __future__ import annotations

import html
import re
from typing import NamedTuple

import gradio as gr
import pandas as pd

from ..runs.records import Results, RunStatus
from ..runs.folder import RunPaths
from ..config import load_run_config
from ..services.export import zip_model
from ..services.verdict import Verdict, run_verdict
from ..tasks import MISTAKE_COLUMNS, ResultsView, get_task
from .followed_run import FollowedRun
from . import export_panel, share_panel
from .figures import MANY_LABELS, confusion_matrix, most_confused
from .messages import USER_ERRORS, as_text, user_error
from .model_tab import widgets_from_config

class ReportView(NamedTuple):
    """The report's components that fill() updates."""
    group: gr.Group
    verdict: gr.Markdown
    action: gr.Button  # the verdict's next step, when it is a settings change
    summary: gr.Markdown
    per_class: gr.Dataframe
    matrix: gr.Plot
    matrix_box: gr.Accordion  # open for a few labels, closed (on demand) for many
    mistakes: gr.Dataframe
    card: gr.Markdown
    zip: gr.DownloadButton  # the shown run's model, one click


class Elsewhere(NamedTuple):
    """The components in other tabs the report's buttons fill: the Playground's text box, the tabs, the
    Model tab's settings (in model_tab.widgets_from_config's order)."""
    playground_text: gr.Textbox
    tabs: gr.Tabs
    model_inputs: list


def verdict_markdown(verdict: Verdict | None) -> str:
    if not verdict:
        return ""
    return f"**Verdict:** {as_text(verdict.line)} Next: {as_text(verdict.next_step)}"


def summary_markdown(results: Results) -> str:
    """The metrics beside what they should beat (the Task's: TF-IDF for classification, the base model for
    generation)."""
    against = get_task(results.task).against(results)
    base, title = (against.scores, against.title) if against else ({}, "")
    shown_base = against.base_model if against else False  # the base model's scores are metrics too: one column
    metrics = {k: v for k, v in results.metrics.items() if not (shown_base and k.startswith("base_"))}
    split = results.report_split
    if base:
        rows = "\n".join(f"| {as_text(k)} | {v:.4f} | {base[k]:.4f} |" if k in base else f"| {as_text(k)} | {v:.4f} | |"
                         for k, v in metrics.items())
        table = f"| metric ({split} set) | fine-tuned | {title} |\n|---|---|---|\n{rows}"
    else:
        rows = "\n".join(f"| {as_text(k)} | {v:.4f} |" for k, v in metrics.items())
        table = f"| metric ({split} set) | fine-tuned |\n|---|---|\n{rows}"
    ending = {"stopped": "stopped early (usable)", "finished": "finished"}.get(results.status, results.status)
    if results.early_stopped:
        ending += " by early stopping"
    took = f"{results.elapsed_s:.0f} s" + (f" (estimated {results.estimate_s:.0f} s at the start)"
                                            if results.estimate_s else "")
    return (f"{table}\n\n"
            f"Run {ending} at step {results.steps} of {results.planned_steps} · "
            f"{results.train_rows} training rows, {results.eval_rows} validation rows · {took} · "
            f"max length {results.max_length} · {results.precision} · {as_text(results.device)}"
            f"{trained_with_markdown(results.trained_with)}")


def trained_with_markdown(settings: dict | None) -> str:
    """What training actually used (SetFit: pairs at its body's learning rate, not the config's epochs)."""
    if not settings:
        return ""
    shown = " · ".join(f"{as_text(k.replace('_', ' '))} {as_text(v)}" for k, v in settings.items() if v is not None)
    return f"\n\n**Trained with:** {shown}"


def results_view(results: Results) -> ResultsView:
    """The task's tables for these results (per-part scores, confusion matrix, mistakes)."""
    return get_task(results.task).results_view(results)


def model_card_text(run_dir: str) -> str:
    """The card without its YAML front matter (that is for the Hub, not for reading)."""
    try:
        text = RunPaths(run_dir).model_card.read_text(encoding="utf-8")
    except OSError:
        return "No model card (the run saved no model)."
    text = text.split("---\n", 2)[2] if text.startswith("---\n") else text
    return plain_links(text)


def plain_links(markdown: str) -> str:
    """The card's images and links as plain text (labels and file names in it are the user's): nothing
    loads from elsewhere, and no link leads off the page disguised."""
    markdown = re.sub(r"!\[([^\]]*)\]\(([^)]*)\)", r"\1 (image: \2)", markdown)
    markdown = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 (\2)", markdown)
    return html.escape(markdown, quote=False)


def fill(view: ReportView, run_dir: str, status: RunStatus) -> dict:
    """The report of an ended run (its verdict, metrics, tables, card, its own zip), or the group hidden
    when it has no results."""
    results = status.results
    if not results:
        return {view.group: gr.update(visible=False), view.verdict: "", view.action: gr.update(visible=False),
                view.summary: "", view.per_class: None, view.matrix: None,
                view.matrix_box: gr.update(visible=False), view.mistakes: None, view.card: "",
                view.zip: gr.update(value=None, visible=False)}
    tables = results_view(results)
    scores, mistakes, matrix = tables.scores, tables.mistakes, tables.matrix
    verdict = run_verdict(run_dir)
    return {view.group: gr.update(visible=True),
            view.verdict: verdict_markdown(verdict),
            view.action: gr.update(value=verdict.action, visible=True) if verdict and verdict.action
            else gr.update(visible=False),
            view.summary: summary_markdown(results) + most_confused_markdown(matrix),  # generation: the summary only
            view.per_class: gr.update(value=scores, visible=scores is not None and not scores.empty),
            view.matrix: gr.update(value=confusion_matrix(matrix["labels"], matrix["matrix"]) if matrix else None,
                                   visible=bool(matrix)),
            view.matrix_box: gr.update(visible=bool(matrix), open=bool(matrix) and len(matrix["labels"]) <= MANY_LABELS),
            view.mistakes: gr.update(value=mistakes, visible=mistakes is not None),
            view.card: model_card_text(run_dir),
            view.zip: _zip(run_dir)}


def _zip(run_dir: str):
    """This run's model zip on the download button (built now: one click downloads it)."""
    try:
        return gr.update(value=str(zip_model(run_dir)), visible=True)
    except USER_ERRORS:  # a run that saved no model
        return gr.update(value=None, visible=False)


def most_confused_markdown(matrix: dict | None) -> str:
    """The label pairs the model mixes up most, as a table (the full matrix is below, opened on demand
    when there are many labels)."""
    pairs = most_confused(matrix["labels"], matrix["matrix"]) if matrix else []
    if not pairs:
        return ""
    rows = "\n".join(f"| {as_text(t)} | {as_text(p)} | {n} |" for t, p, n in pairs)
    return f"\n\n**Most confused pairs**\n\n| true label | predicted as | examples |\n|---|---|---|\n{rows}"


def apply_verdict(elsewhere: Elsewhere, run: FollowedRun) -> dict:
    """The verdict's button: the run's settings, changed as the verdict says, into the Model tab (opened)."""
    verdict = run_verdict(run.run_dir) if run.run_dir else None
    if not verdict or not verdict.changes:
        raise gr.Error("This run's verdict has no settings to change.", print_exception=False)
    try:
        settings = load_run_config(run.run_dir).to_dict()
    except USER_ERRORS as e:
        raise user_error(e) from None
    for name, change in verdict.changes.items():
        settings[name] = change if isinstance(change, str) else \
            settings[name] + change if name == "epochs" else settings[name] * change
    return {**dict(zip(elsewhere.model_inputs, widgets_from_config(settings))),
            elsewhere.tabs: gr.Tabs(selected="model")}


def try_in_playground(elsewhere: Elsewhere, mistakes: pd.DataFrame, evt: gr.SelectData) -> dict:
    """A selected mistake's text goes to the Playground's text box, and the Playground opens."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if mistakes is None or not len(mistakes) or row is None or row >= len(mistakes):
        return {elsewhere.playground_text: gr.update(), elsewhere.tabs: gr.update()}
    return {elsewhere.playground_text: str(mistakes.iloc[row]["text"]), elsewhere.tabs: gr.Tabs(selected="playground")}


def render(run: gr.State, playground_text: gr.Textbox, tabs: gr.Tabs, model_inputs, token: gr.BrowserState) -> ReportView:
    """The report group (hidden until a run has results); returns the components fill() updates."""
    with gr.Group(visible=False) as group:
        with gr.Row():
            verdict = gr.Markdown(elem_id="train-verdict")
            action = gr.Button(visible=False, size="sm", variant="primary", scale=0, elem_id="verdict-action")
        summary = gr.Markdown(elem_id="train-summary")
        per_class = gr.Dataframe(label="Per-class scores", interactive=False, elem_id="per-class",
                                 max_height=360)
        with gr.Accordion("Confusion matrix (every label)", open=True, elem_id="confusion-box") as matrix_box:
            matrix = gr.Plot(label="Confusion matrix", elem_id="confusion-matrix")
        mistakes = gr.Dataframe(label="Most confident mistakes: select one to try it in the Playground",
                                headers=MISTAKE_COLUMNS, interactive=False, wrap=True, elem_id="mistakes",
                                column_widths=["55%", "15%", "15%", "15%"], max_height=420)
        with gr.Accordion("Model card (README.md in the model folder)", open=False):
            card = gr.Markdown(elem_id="model-card")
        zip_button = gr.DownloadButton("Download the model folder as a zip", size="sm", visible=False,
                                       elem_id="zip-model")
        export_panel.render(run, token)
        share_panel.render(run, token)
    elsewhere = Elsewhere(playground_text, tabs, list(model_inputs))

    def open_mistake(mistakes_shown: pd.DataFrame, evt: gr.SelectData) -> dict:  # a def: Gradio reads evt's type
        return try_in_playground(elsewhere, mistakes_shown, evt)

    def change_settings(followed: FollowedRun) -> dict:
        return apply_verdict(elsewhere, followed)

    mistakes.select(open_mistake, mistakes, [playground_text, tabs], api_visibility="private")
    action.click(change_settings, run, [*model_inputs, tabs], api_visibility="private")
    return ReportView(group, verdict, action, summary, per_class, matrix, matrix_box, mistakes, card, zip_button)
