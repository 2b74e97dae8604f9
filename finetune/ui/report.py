"""The report at the end of a run: metrics, per-class scores, confusion matrix, the most confident
mistakes (select one to try it in the Playground), the model card, and the model folder as a zip.

Everything comes from the run folder (results.json, model/README.md), so a reload shows the same report.
"""
from __future__ import annotations

from typing import NamedTuple

import gradio as gr
import pandas as pd

from ..records import Results, RunStatus
from ..runs import RunPaths, zip_model
from .followed_run import FollowedRun
from . import export_panel
from .figures import confusion_matrix, most_confused_pairs
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
    pairs: gr.Dataframe = None     # the most confused pairs (many classes); the matrix then sits in an accordion
    setfit: gr.Column = None       # "try SetFit" when a run with small classes ends below the baseline
    matrix_box: gr.Accordion = None  # the full matrix: closed (on demand) when the pairs lead


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
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


def fill(view: ReportView, run_dir: str, status: RunStatus) -> dict:
    """The report of an ended run, or the group hidden when it has no results."""
    results = status.results
    if not results:
        return {view.group: gr.update(visible=False), view.summary: "", view.per_class: None, view.matrix: None,
                view.mistakes: None, view.card: "", **small_data_updates(view, None)}
    scores, mistakes, matrix = per_class_table(results), mistakes_table(results), results.confusion_matrix
    return {view.group: gr.update(visible=True),
            view.summary: summary_markdown(results),  # a generation run has only the summary
            view.per_class: gr.update(value=scores, visible=not scores.empty),
            view.matrix: gr.update(value=confusion_matrix(matrix["labels"], matrix["matrix"]) if matrix else None,
                                   visible=bool(matrix)),
            view.mistakes: gr.update(value=mistakes,
                                     visible=results.mistakes is not None or results.error_sentences is not None),
            view.card: model_card_text(run_dir), **small_data_updates(view, results)}


def try_in_playground(mistakes: pd.DataFrame, evt: gr.SelectData):
    """A selected mistake's text goes to the Playground's text box, and the Playground opens."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if mistakes is None or not len(mistakes) or row is None or row >= len(mistakes):
        return gr.update(), gr.update()
    return str(mistakes.iloc[row]["text"]), gr.Tabs(selected="playground")


def model_zip(run: FollowedRun):
    """The model folder as a zip, shown for download (the file box stays hidden until there is one)."""
    if not run.run_dir:
        raise gr.Error("No run yet: train one first.", print_exception=False)
    try:
        return gr.update(value=str(zip_model(run.run_dir)), visible=True)
    except USER_ERRORS as e:
        raise user_error(e) from None


def render(run: gr.State, playground_text: gr.Textbox, tabs: gr.Tabs, model_inputs=None) -> ReportView:
    """The report group (hidden until a run has results); returns the components fill() updates."""
    with gr.Group(visible=False) as group:
        summary = gr.Markdown(elem_id="train-summary")
        with gr.Row():
            per_class = gr.Dataframe(label="Per-class scores", interactive=False, elem_id="per-class")
            pairs = gr.Dataframe(label="Most confused pairs", headers=PAIR_COLUMNS, interactive=False,
                                 visible=False, elem_id="confused-pairs")
            with gr.Accordion("Confusion matrix (all classes)", open=True) as matrix_box:
                matrix = gr.Plot(label="Confusion matrix", elem_id="confusion-matrix")
        mistakes = gr.Dataframe(label="Most confident mistakes: select one to try it in the Playground",
                                headers=MISTAKE_COLUMNS, interactive=False, wrap=True, elem_id="mistakes")
        with gr.Accordion("Model card (README.md in the model folder)", open=False):
            card = gr.Markdown(elem_id="model-card")
        with gr.Row():
            zip_button = gr.Button("Download the model folder as a zip", size="sm", elem_id="zip-model")
            zip_file = gr.File(label="Model zip", interactive=False, visible=False, elem_id="model-zip")
        export_panel.render(run)
        setfit = setfit_offer(model_inputs, tabs)
    mistakes.select(try_in_playground, mistakes, [playground_text, tabs], api_visibility="private")
    zip_button.click(model_zip, run, zip_file, api_visibility="private")
    return ReportView(group, summary, per_class, matrix, mistakes, card, pairs, setfit, matrix_box)


# --- small data: many classes, few rows per class (issue 16) ---------------------------------------
PAIR_COLUMNS = ["true", "predicted", "count"]
PAIRS_FROM = 8  # classes from which the most confused pairs lead and the full matrix is one click away


def confused_pairs_table(results: Results) -> pd.DataFrame:
    matrix = results.confusion_matrix or {}
    return pd.DataFrame(most_confused_pairs(matrix.get("labels", []), matrix.get("matrix", [])), columns=PAIR_COLUMNS)


def offers_setfit(results: Results | None) -> bool:
    """A fine-tuned run with small classes that ended below the TF-IDF baseline: SetFit is the next step."""
    from ..tasks.setfit_method import SETFIT, SETFIT_BELOW_ROWS_PER_CLASS

    if not results or not results.baseline or not results.per_class or results.extra.get("method") == SETFIT:
        return False
    metric = results.main_metric.removeprefix("eval_")
    below = results.metrics.get(metric, 1.0) < results.baseline.get(metric, 0.0)
    return below and results.train_rows / len(results.per_class) < SETFIT_BELOW_ROWS_PER_CLASS


def small_data_updates(view: ReportView, results: Results | None) -> dict:
    if view.pairs is None:
        return {}
    many = bool(results and results.confusion_matrix and len(results.confusion_matrix["labels"]) >= PAIRS_FROM)
    return {view.pairs: gr.update(value=confused_pairs_table(results) if many else None, visible=many),
            view.setfit: gr.update(visible=offers_setfit(results)), view.matrix_box: gr.update(open=not many)}


def load_setfit():
    """The Model tab with method setfit, the rest as it was; the user checks it and starts the run."""
    return "setfit", gr.Tabs(selected="model")


def setfit_offer(model_inputs, tabs: gr.Tabs) -> gr.Column:
    from ..tasks.setfit_method import SETFIT_BELOW_ROWS_PER_CLASS

    with gr.Column(visible=False, elem_id="setfit-offer") as offer:
        gr.Markdown(f"Fewer than {SETFIT_BELOW_ROWS_PER_CLASS} training rows per class, and below the TF-IDF "
                    "baseline: SetFit (contrastive few-shot training) usually does much better on so few.")
        button = gr.Button("Train with SetFit on the same data", size="sm", elem_id="try-setfit")
    if model_inputs is not None:
        button.click(load_setfit, None, [model_inputs.knob("method"), tabs], api_visibility="private")
    return offer
