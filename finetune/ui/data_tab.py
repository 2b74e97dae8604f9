"""Data tab: pick a file or a sample, map the columns, see label balance and warnings."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..quality import check_table
from ..tasks.tables import choose_columns, read_table
from .figures import label_balance
from .messages import USER_ERRORS, as_text, error_box

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "sample_data"
PREVIEW_ROWS = 8


def sample_files() -> dict[str, str]:
    return {p.name: str(p) for p in sorted(SAMPLES_DIR.glob("*.csv"))}


def load_file(path: str | None, state: dict):
    """Read a file and detect its columns. On bad input, say why and keep what was loaded before."""
    if not path:
        return _unchanged(state, "Upload a CSV, TSV or JSONL file, or pick a sample.")
    try:
        frame = read_table(path)
        text_column, label_column = choose_columns(frame)
    except USER_ERRORS as e:
        return _unchanged(state, error_box(e))
    columns = list(frame.columns)
    return (*_summary(frame, path, text_column, label_column),
            gr.update(choices=columns, value=text_column), gr.update(choices=columns, value=label_column))


def load_sample(name: str | None, state: dict):
    return load_file(sample_files().get(name or ""), state)


def change_columns(state: dict, text_column: str, label_column: str):
    """Re-check after the user picks other columns."""
    if not state.get("path") or not text_column or not label_column:
        return state, gr.update(), gr.update(), gr.update(), gr.update()
    if text_column == label_column:
        return state, gr.update(), gr.update(), error_box("Text and label must be different columns."), gr.update()
    try:
        frame = read_table(state["path"])
    except USER_ERRORS as e:
        return state, gr.update(), gr.update(), error_box(e), gr.update()
    return _summary(frame, state["path"], text_column, label_column)


def _summary(frame, path, text_column, label_column):
    report = check_table(frame, text_column, label_column)
    state = {"path": str(path), "name": Path(path).name, "text_column": text_column,
             "label_column": label_column, "rows": report["rows"], "labels": report["labels"],
             "ready": not report["errors"]}
    preview = frame[[text_column, label_column]].head(PREVIEW_ROWS)
    return state, preview, label_balance(report["labels"]), _report_markdown(report, Path(path).name), \
        gr.update(visible=True)


def _report_markdown(report: dict, name: str) -> str:
    lines = [f"**{as_text(name)}**: {report['rows']} rows, {len(report['labels'])} labels. "
             f"Text: `{as_text(report['text_column'])}`, label: `{as_text(report['label_column'])}`."]
    lines += [f"- ❌ {as_text(e['message'])}" for e in report["errors"]]
    for w in report["warnings"]:
        rows = f" (rows {', '.join(map(str, w['rows']))}…)" if w["rows"] else ""
        lines.append(f"- ⚠️ {as_text(w['message'])}{rows}")
    if not report["errors"] and not report["warnings"]:
        lines.append("- ✅ No problems found. Next: the Model tab.")
    elif not report["errors"]:
        lines.append("\nYou can train anyway: a stratified 80/20 train/validation split is made at Start.")
    return "\n".join(lines)


def _unchanged(state, message):
    return state, gr.update(), gr.update(), message, gr.update(), gr.update(), gr.update()


def render(state: gr.State):
    gr.Markdown("Upload your labelled data (one text and one label per row), or start from a sample.")
    with gr.Row():
        upload = gr.File(label="CSV, TSV or JSONL", file_types=[".csv", ".tsv", ".txt", ".jsonl", ".json"],
                         elem_id="data-upload")
        with gr.Column():
            sample = gr.Dropdown(list(sample_files()), value=None, label="…or a bundled sample",
                                 elem_id="data-sample")
            text_column = gr.Dropdown([], label="Text column", elem_id="text-column", interactive=True)
            label_column = gr.Dropdown([], label="Label column", elem_id="label-column", interactive=True)
    report = gr.Markdown(elem_id="data-report")
    with gr.Row(visible=False) as details:
        chart = gr.Plot(label="Label balance", elem_id="label-chart")
        preview = gr.Dataframe(label="Preview", interactive=False, wrap=True, elem_id="data-preview")

    outputs = [state, preview, chart, report, details, text_column, label_column]
    upload.upload(load_file, [upload, state], outputs, api_visibility="private")
    sample.input(load_sample, [sample, state], outputs, api_visibility="private")
    gr.on([text_column.input, label_column.input], change_columns, [state, text_column, label_column],
          outputs[:5], api_visibility="private")
