"""The report at the end of a run: metrics, per-class scores, confusion matrix, the most confident
mistakes (select one to try it in the Playground), the model card, and the model folder as a zip.

Everything comes from the run folder (results.json, model/README.md), so a reload shows the same report.
"""
from __future__ import annotations

import html
import re
from typing import NamedTuple

import gradio as gr
import pandas as pd

from ..records import Results, RunStatus
from ..runs import RunPaths, zip_model
from .followed_run import FollowedRun
from . import export_panel, visitor
from ..hosting import owners
from .figures import confusion_matrix
from .messages import USER_ERRORS, as_text, user_error

MISTAKE_COLUMNS = ["text", "label", "predicted", "confidence"]


class ReportView(NamedTuple):
    """The report's components that fill() updates."""
    group: gr.Group
    summary: gr.Markdown
    per_class: gr.Dataframe
    matrix: gr.Plot
    mistakes: gr.Dataframe
    card: gr.Markdown


def summary_markdown(results: Results) -> str:
    """The metrics beside what they should beat: the base model (generation) or TF-IDF (classification)."""
    metrics = dict(results.metrics)
    if "base_perplexity" in metrics:
        base = {"perplexity": metrics.pop("base_perplexity")}
        against = "base model (before training)"
    else:
        base, against = results.baseline or {}, "TF-IDF baseline"
    split = results.report_split
    if base:
        rows = "\n".join(f"| {as_text(k)} | {v:.4f} | {base[k]:.4f} |" if k in base else f"| {as_text(k)} | {v:.4f} | |"
                         for k, v in metrics.items())
        table = f"| metric ({split} set) | fine-tuned | {against} |\n|---|---|---|\n{rows}"
    else:
        rows = "\n".join(f"| {as_text(k)} | {v:.4f} |" for k, v in metrics.items())
        table = f"| metric ({split} set) | fine-tuned |\n|---|---|\n{rows}"
    ending = {"stopped": "stopped early (usable)", "finished": "finished"}.get(results.status, results.status)
    if results.early_stopped:
        ending += " by early stopping"
    return (f"{table}\n\n"
            f"Run {ending} at step {results.steps} of {results.planned_steps} · "
            f"{results.train_rows} training rows, {results.eval_rows} validation rows · {results.elapsed_s:.0f} s · "
            f"max length {results.max_length} · {results.precision} · {as_text(results.device)}")


def per_class_table(results: Results) -> pd.DataFrame:
    return pd.DataFrame([{"label": k, **{m: round(v, 3) for m, v in row.items()}}
                         for k, row in results.scores.items()])


def mistakes_table(results: Results) -> pd.DataFrame:
    """Classification: the most confident mistakes. NER: sentences with a wrong tag, entities as `text (TYPE)`."""
    rows = [[m["text"], m["label"], m["predicted"], round(m["score"], 3)] for m in results.mistakes or []]
    for error in results.error_sentences or []:
        spans = [", ".join(f"{error['text'][e['start']:e['end']]} ({e['entity']})" for e in found) or "none"
                 for found in (error["gold"], error["predicted"])]
        rows.append([error["text"], *spans, None])
    return pd.DataFrame(rows, columns=MISTAKE_COLUMNS)


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
    """The report of an ended run, or the group hidden when it has no results."""
    results = status.results
    if not results:
        return {view.group: gr.update(visible=False), view.summary: "", view.per_class: None, view.matrix: None,
                view.mistakes: None, view.card: ""}
    scores, mistakes, matrix = per_class_table(results), mistakes_table(results), results.confusion_matrix
    return {view.group: gr.update(visible=True),
            view.summary: summary_markdown(results),  # a generation run has only the summary
            view.per_class: gr.update(value=scores, visible=not scores.empty),
            view.matrix: gr.update(value=confusion_matrix(matrix["labels"], matrix["matrix"]) if matrix else None,
                                   visible=bool(matrix)),
            view.mistakes: gr.update(value=mistakes,
                                     visible=results.mistakes is not None or results.error_sentences is not None),
            view.card: model_card_text(run_dir)}


def try_in_playground(mistakes: pd.DataFrame, evt: gr.SelectData):
    """A selected mistake's text goes to the Playground's text box, and the Playground opens."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if mistakes is None or not len(mistakes) or row is None or row >= len(mistakes):
        return gr.update(), gr.update()
    return str(mistakes.iloc[row]["text"]), gr.Tabs(selected="playground")


def model_zip(run: FollowedRun, token: str | None = None):
    """The model folder as a zip, shown for download (the file box stays hidden until there is one). Only
    the run's owner gets it: Gradio serves a returned file to whoever has its (unguessable) URL."""
    if not run.run_dir:
        raise gr.Error("No run yet: train one first.", print_exception=False)
    if not owners.may_use(visitor.owner(token), run.run_dir):
        raise gr.Error("This run is not yours to download.", print_exception=False)
    try:
        return gr.update(value=str(zip_model(run.run_dir)), visible=True)
    except USER_ERRORS as e:
        raise user_error(e) from None


def render(run: gr.State, playground_text: gr.Textbox, tabs: gr.Tabs, token: gr.BrowserState) -> ReportView:
    """The report group (hidden until a run has results); returns the components fill() updates."""
    with gr.Group(visible=False) as group:
        summary = gr.Markdown(elem_id="train-summary")
        with gr.Row():
            per_class = gr.Dataframe(label="Per-class scores", interactive=False, elem_id="per-class")
            matrix = gr.Plot(label="Confusion matrix", elem_id="confusion-matrix")
        mistakes = gr.Dataframe(label="Most confident mistakes: select one to try it in the Playground",
                                headers=MISTAKE_COLUMNS, interactive=False, wrap=True, elem_id="mistakes")
        with gr.Accordion("Model card (README.md in the model folder)", open=False):
            card = gr.Markdown(elem_id="model-card")
        with gr.Row():
            zip_button = gr.Button("Download the model folder as a zip", size="sm", elem_id="zip-model")
            zip_file = gr.File(label="Model zip", interactive=False, visible=False, elem_id="model-zip")
        export_panel.render(run, token)
    mistakes.select(try_in_playground, mistakes, [playground_text, tabs], api_visibility="private")
    zip_button.click(model_zip, [run, token], zip_file, api_visibility="private")
    return ReportView(group, summary, per_class, matrix, mistakes, card)
