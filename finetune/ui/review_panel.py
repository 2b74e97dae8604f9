"""The Data tab's "Review labels" panel: the rows whose label is probably wrong, and what to do with each.

review_labels (finetune/review.py) ranks the loaded rows by how likely their given label is wrong:
out-of-fold TF-IDF by default, or a finished run's model. Select a row, then pick its action (keep, relabel
or drop) and its new label from the choices below the table (nothing is typed: issue 27). Apply records the
decisions as the Data tab's
`label_edits` setting (so training uses them and the run's config.json says what changed), re-runs the
data check, and offers the corrected file for download.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..data.label_edits import LabelEdits
from ..hosting import gate, owners
from ..services.review import review_labels, reviews_labels, write_corrected
from ..runs.folder import trained_models
from . import visitor
from .data_state import DataState
from .messages import USER_ERRORS, as_text, user_error

TFIDF = "TF-IDF (fast, out-of-fold)"
ACTIONS = ("keep", "relabel", "drop")
COLUMNS = ["row", "text", "given", "suggested", "score", "action", "new label"]
# the text takes what the short columns leave, wrapped, so the table fits a 1280 px window (it was 1,716 px)
COLUMN_WIDTHS = ["6%", "46%", "11%", "11%", "7%", "8%", "11%"]
SHOWN = 100  # rows in the table: the most likely wrong first
NO_ROW = "Select a row in the table, then choose its action and new label here."


class Reviewed(NamedTuple):
    """What a review shows, by name (render() builds one of the components, run_review one of values)."""
    table: Any    # the rows to decide on, as an editable table
    message: Any
    labels: Any   # gr.State: the file's labels, what a relabel may name


class Picked(NamedTuple):
    """The decision controls below the table, by name: the selected row and its action and new label."""
    selected: Any  # gr.State: the row's position in the table, None before a click
    row: Any       # which row, in words
    action: Any    # gr.Radio of ACTIONS
    new_label: Any  # gr.Dropdown of the file's labels


class Applied(NamedTuple):
    """What Apply updates, by name."""
    label_edits: Any  # the Data tab's label_edits setting (JSON)
    corrected: Any    # the corrected file, for download
    message: Any


def sources(token=None) -> list[str]:
    """What scores the rows: TF-IDF, or a finished run's model (by run name) of those this visitor may read."""
    return [TFIDF] + [path.name for path in owners.visible(visitor.owner(token), trained_models())]


def _config(state: DataState) -> RunConfig:
    """The Data tab's settings, without edits: a review always looks at the rows as the file has them."""
    if not state.ready or not reviews_labels(state.task):
        raise gr.Error("Load a classification file first (the Data tab's check must pass).", print_exception=False)
    return RunConfig.from_dict({**state.data_config(), "label_edits": ""})


def _model_dir(source: str | None, owner: str | None):
    """None for TF-IDF; else the run folder gate.run_for resolves for this visitor (their own runs and the
    shared demo), never a path the browser named."""
    if not source or source == TFIDF:
        return None
    folder = gate.run_for(owner, source)
    if folder not in trained_models():
        raise gr.Error(f"No finished run named {folder.name!r}: pick one from the list.", print_exception=False)
    return folder


def run_review(state: DataState, source: str | None, token=None, progress=gr.Progress()) -> Reviewed:
    """The ranked issues as an editable table (every action "keep", the new label the suggestion)."""
    owner = visitor.owner(token)
    try:
        with gate.work(owner, "label review"):
            review = review_labels(_config(state), model_dir=_model_dir(source, owner), limit=SHOWN,
                                   on_step=lambda message: progress(None, desc=message))
    except USER_ERRORS as e:
        raise user_error(e) from None
    table = pd.DataFrame([[i.row, i.text, i.given, i.suggested, round(i.score, 3), "keep", i.suggested]
                          for i in review.issues], columns=COLUMNS)
    message = (f"Reviewed {review.rows} rows: {review.flagged} look mislabelled, the {len(review.issues)} most "
               f"likely shown. Select a row to keep, relabel or drop it (below the table), then Apply.")
    return Reviewed(table=table, message="\n\n".join([message, *review.notes[-1:]]), labels=review.labels)


def select_row(table: pd.DataFrame, labels: list[str], evt: gr.SelectData = None) -> Picked:  # Gradio reads evt's type
    """A click on a row: the controls below show its decision, the new label offered from the file's labels."""
    position = evt.index[0] if evt is not None and isinstance(evt.index, (list, tuple)) else None
    if table is None or position is None or not 0 <= int(position) < len(table):
        return Picked(selected=None, row=NO_ROW, action=gr.update(), new_label=gr.update())
    record = table.iloc[int(position)]
    choices = list(labels or [])
    new = str(record["new label"] or record["suggested"])
    return Picked(selected=int(position),
                  row=f"Row **{_number(record['row'])}** (given *{as_text(record['given'])}*): {as_text(str(record['text'])[:160])}",
                  action=gr.update(value=str(record["action"]) if record["action"] in ACTIONS else "keep"),
                  new_label=gr.update(choices=choices, value=new if new in choices else None))


def _number(value) -> str:
    """A row number as the table shows it (the browser may send the table's numbers back as text)."""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return as_text(str(value))


def decide(table: pd.DataFrame, selected: int | None, action: str | None, new_label: str | None,
           relabels: bool = False) -> tuple[pd.DataFrame, Any]:
    """The selected row's action and new label set from the controls; (table, the action radio's update).
    `relabels`: the new label was just picked, which means relabel."""
    if table is None or selected is None or not 0 <= int(selected) < len(table):
        raise gr.Error("Select a row in the table first.", print_exception=False)
    action = "relabel" if relabels else action
    if action not in ACTIONS:
        raise gr.Error(f"The action must be keep, relabel or drop; got {action!r}.", print_exception=False)
    table = table.copy()
    table.iloc[int(selected), COLUMNS.index("action")] = action
    if new_label:
        table.iloc[int(selected), COLUMNS.index("new label")] = new_label
    return table, gr.update(value=action)


def forget_row():
    """A new review: no row is selected."""
    return None, NO_ROW


def pick_label(table: pd.DataFrame, selected: int | None, action: str | None, new_label: str | None):
    return decide(table, selected, action, new_label, relabels=True)


def edits_from_table(table: pd.DataFrame, labels: list[str]) -> LabelEdits:
    """The table's decisions as LabelEdits; an unknown action or label is an error that says what to type."""
    relabel, drop, given = {}, [], {}
    for record in (table if table is not None else pd.DataFrame(columns=COLUMNS)).to_dict("records"):
        if pd.isna(record["row"]) or str(record["row"]).strip() == "":  # an empty row the table grew
            continue
        action, row = str(record["action"]).strip().lower(), int(record["row"])
        if action not in ACTIONS:
            raise gr.Error(f"Row {row}: the action must be keep, relabel or drop; got {record['action']!r}.",
                           print_exception=False)
        new = str(record["new label"] or record["suggested"]).strip()
        if action == "relabel" and labels and new not in labels:
            raise gr.Error(f"Row {row}: relabel to one of {', '.join(labels)}; got {new!r}.", print_exception=False)
        if action == "relabel" and new != record["given"]:
            relabel[row], given[row] = new, record["given"]
        elif action == "drop":
            drop.append(row)
            given[row] = record["given"]
    return LabelEdits(relabel=relabel, drop=drop, given=given)


def apply_edits(table: pd.DataFrame, labels: list[str], state: DataState) -> Applied:
    """The label_edits JSON for the Data tab's setting, the corrected file, a message."""
    edits = edits_from_table(table, labels or [])
    config = _config(state)
    folder = Path(tempfile.mkdtemp(prefix="finetune-review-"))
    name = Path(config.data_file)
    suffix = name.suffix.lower() if name.suffix.lower() in (".csv", ".tsv", ".jsonl") else ".csv"
    try:
        corrected = write_corrected(config, edits, folder / f"{name.stem}-corrected{suffix}")
    except USER_ERRORS as e:
        raise user_error(e) from None
    value = json.dumps(edits.to_json()) if edits else ""
    message = (f"Recorded {len(edits.relabel)} relabelled and {len(edits.drop)} dropped row(s) in the run "
               "settings (label edits): training uses them. The corrected file is below.")
    return Applied(label_edits=value, corrected=gr.update(value=str(corrected), visible=True), message=message)


def render(state: gr.State, label_edits: gr.Textbox, recheck: tuple, recheck_outputs: list, token):
    """The panel, under the data check. Apply writes `label_edits`, then re-runs `recheck` (the Data tab's
    change_settings listener and its inputs, views.by_name) into recheck_outputs, so the counts show the edits."""
    with gr.Accordion("Review labels: find the rows that are probably mislabelled", open=False):
        with gr.Row():
            source = gr.Dropdown([TFIDF], value=TFIDF, label="Score the rows with", elem_id="review-source",
                                 info="TF-IDF never sees the row it scores; a trained run's model is a second "
                                      "opinion (it has seen most rows in training).")
            start = gr.Button("Review labels", elem_id="review-start")
        message = gr.Markdown(elem_id="review-message")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, column_widths=COLUMN_WIDTHS,
                             elem_id="review-table", label="Select a row to decide on it (below)")
        labels = gr.State([])
        with gr.Row(equal_height=True):
            row = gr.Markdown(NO_ROW, elem_id="review-row")
            action = gr.Radio(list(ACTIONS), value="keep", label="Action for this row", elem_id="review-action")
            new_label = gr.Dropdown([], label="Relabel to", elem_id="review-new-label")
        picked = Picked(selected=gr.State(None), row=row, action=action, new_label=new_label)
        apply = gr.Button("Apply: record the edits and re-check", elem_id="review-apply")
        corrected = gr.File(label="Corrected file", interactive=False, visible=False, elem_id="review-corrected")
    reviewed = Reviewed(table=table, message=message, labels=labels)
    applied = Applied(label_edits=label_edits, corrected=corrected, message=message)
    start.click(run_review, [state, source, token], list(reviewed), api_visibility="private") \
        .then(forget_row, None, [picked.selected, picked.row], api_visibility="private")
    table.select(select_row, [table, labels], list(picked), api_visibility="private")
    deciding = [table, picked.selected, action, new_label]
    action.input(decide, deciding, [table, action], api_visibility="private")
    new_label.input(pick_label, deciding, [table, action], api_visibility="private")
    apply.click(apply_edits, [table, labels, state], list(applied), api_visibility="private") \
        .then(*recheck, recheck_outputs, api_visibility="private")
    source.focus(refresh_sources, token, source, api_visibility="private")


def refresh_sources(token=None):
    return gr.update(choices=sources(token))
