"""Data tab: a file or a sample in; columns mapped; its quality, fixes, split and a baseline out.

The tab's state is the data part of a run config ("settings"), plus what the check found. Every
change re-runs the same check as `python -m finetune check`, so what the user sees is what trains.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import gradio as gr
import pandas as pd

from ..config import RunConfig
from ..quality import check_table
from ..tasks.columns import choose_columns, describe_columns, text_columns
from ..tasks.tables import TABLE_SUFFIXES, read_table
from .data_report import baseline_markdown, need_fine_tuning, report_markdown
from .figures import label_balance, token_lengths
from .knobs import knob_widget
from .messages import USER_ERRORS, error_box

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "sample_data"
MAX_UPLOAD_MB = 100  # also passed to launch(max_file_size=...)
PREVIEW_ROWS = 8
SETTING_FIELDS = [f for f in fields(RunConfig) if f.name in ("val_size", "test_size")] + \
    [f for f in fields(RunConfig) if f.metadata["group"] == "remedies"]


def sample_files() -> dict[str, str]:
    return {p.name: str(p) for p in sorted(SAMPLES_DIR.glob("*.csv"))}


def default_settings() -> dict:
    defaults = RunConfig().to_dict()
    return {f.name: defaults[f.name] for f in SETTING_FIELDS}


def data_config(state: dict) -> dict:
    """The data part of a RunConfig, as the Train tab starts it."""
    return dict(state.get("settings", {}))


# --- handlers -------------------------------------------------------------------------------------
def load_file(path: str | None, state: dict):
    """Read a file, detect its columns, check it. On bad input, say why and keep what was loaded before."""
    if not path:
        return _unchanged(state, "Upload a data file, or pick a sample.")
    size_mb = Path(path).stat().st_size / 2**20 if Path(path).is_file() else 0
    if size_mb > MAX_UPLOAD_MB:
        return _unchanged(state, error_box(f"{Path(path).name} is {size_mb:.0f} MB; the limit is {MAX_UPLOAD_MB} MB. "
                                           "Upload a sample of the rows, or run the CLI on the full file."))
    try:
        frame = read_table(path)
        text_column, label_column = choose_columns(frame)
    except USER_ERRORS as e:
        return _unchanged(state, error_box(e))
    settings = {**default_settings(), **state.get("settings", {}), "data_file": str(path),
                "text_column": text_column, "label_column": label_column, "eval_file": "", "test_file": ""}
    columns = list(frame.columns)
    return (*_checked(frame, settings, state.get("model", "")), gr.update(choices=columns, value=[text_column]),
            gr.update(choices=columns, value=label_column))


def load_sample(name: str | None, state: dict):
    return load_file(sample_files().get(name or ""), state)


def change_settings(state: dict, texts: list[str] | str, label: str, eval_file, test_file, *values):
    """Re-check after the user maps other columns, ticks a fix, moves a split slider or adds a file."""
    if not state.get("settings"):
        return (state, "Load a file first.", *[gr.update()] * 6)
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    if not texts or not label:
        return (state, error_box("Pick at least one text column and a label column."), *[gr.update()] * 6)
    if label in texts:
        return (state, error_box("The label column cannot also be a text column."), *[gr.update()] * 6)
    settings = {**state["settings"], "text_column": ",".join(texts), "label_column": label,
                "eval_file": eval_file or "", "test_file": test_file or "",
                **{f.name: v for f, v in zip(SETTING_FIELDS, values)}}
    try:
        frame = read_table(settings["data_file"])
        text_columns(frame, settings["text_column"])
    except USER_ERRORS as e:
        return (state, error_box(e), *[gr.update()] * 6)
    return _checked(frame, settings, state.get("model", ""))


def change_model(state: dict, model: str):
    """The Model tab's base model changed: count tokens with its tokenizer (what it will read)."""
    state = {**state, "model": model or ""}
    if not state.get("settings"):
        return (state, *[gr.update()] * 7)
    try:
        frame = read_table(state["settings"]["data_file"])
    except USER_ERRORS as e:
        return (state, error_box(e), *[gr.update()] * 6)
    return _checked(frame, state["settings"], state["model"])


def run_baseline(state: dict) -> str:
    """TF-IDF + logistic regression on exactly the split training will use (the engine's read_data)."""
    if not state.get("ready"):
        return ""
    from ..tasks import classification

    try:
        data = classification.read_data(RunConfig.from_dict(data_config(state)))
    except USER_ERRORS as e:
        return baseline_markdown(None, "", error=str(e))
    split = "test" if "test" in data.datasets else "validation"
    return baseline_markdown(classification.baseline(data.datasets["train"], data.datasets[split], data.labels),
                             split)


def _checked(frame: pd.DataFrame, settings: dict, model: str):
    """The check's outputs; the model (the Model tab's choice) only decides how tokens are counted."""
    try:
        config = RunConfig.from_dict({**settings, "model": model})
    except USER_ERRORS as e:
        return ({"settings": settings, "model": model}, error_box(e), *[gr.update()] * 6)
    report = check_table(frame, config)
    state = {"settings": settings, "model": model, "name": Path(settings["data_file"]).name,
             "rows": report["rows"], "labels": report["labels"], "ready": not report["errors"]}
    lengths = report["token_lengths"]
    max_length = config.max_length or min(lengths["limit"], max(16, -(-lengths["p99"] // 8) * 8))
    samples = pd.DataFrame([{"label": k, "text": t} for k, texts in report["samples"].items() for t in texts])
    shown = text_columns(frame, config.text_column) + [config.label_column]
    markdown = report_markdown(report, state["name"]) + "\n\n" + need_fine_tuning(report["usable_rows"])
    return (state, markdown, label_balance(report["labels"]), token_lengths(lengths, max_length), samples,
            frame[shown].head(PREVIEW_ROWS), pd.DataFrame(describe_columns(frame)), gr.update(visible=True))


def _unchanged(state, message):
    return (state, message, *[gr.update()] * 6, gr.update(), gr.update())


# --- layout ---------------------------------------------------------------------------------------
def render(state: gr.State):
    gr.Markdown("Upload labelled data (one text and one label per row), or start from a sample. The check "
                "below runs before any training: it says what will go wrong and offers one-click fixes.")
    with gr.Row():
        upload = gr.File(label=f"Data file: CSV, TSV, TXT, JSONL, JSON, Excel or Parquet (up to {MAX_UPLOAD_MB} MB)",
                         file_types=list(TABLE_SUFFIXES), elem_id="data-upload")
        with gr.Column():
            sample = gr.Dropdown(list(sample_files()), value=None, label="…or a bundled sample",
                                 elem_id="data-sample")
            text_column = gr.Dropdown([], multiselect=True, label="Text column(s)", elem_id="text-column",
                                      info="Several columns are joined into one text.", interactive=True)
            label_column = gr.Dropdown([], label="Label column", elem_id="label-column", interactive=True)
    report = gr.Markdown(elem_id="data-report")
    with gr.Column(visible=False) as details:
        baseline = gr.Markdown(elem_id="data-baseline")
        with gr.Row():
            balance = gr.Plot(label="Label balance", elem_id="label-chart")
            lengths = gr.Plot(label="Text lengths", elem_id="length-chart")
        defaults = default_settings()
        with gr.Accordion("Fix the data (each fix is recorded in the run's config)", open=True):
            with gr.Row():
                fixes = [knob_widget(f, defaults[f.name]) for f in SETTING_FIELDS[2:]]
        with gr.Accordion("Split: train / validation / test", open=False):
            with gr.Row():
                settings = [knob_widget(f, defaults[f.name]) for f in SETTING_FIELDS[:2]] + fixes
            with gr.Row():
                eval_file = gr.File(label="…or a separate validation file", elem_id="eval-upload",
                                    file_types=list(TABLE_SUFFIXES))
                test_file = gr.File(label="…and/or a separate test file", elem_id="test-upload",
                                    file_types=list(TABLE_SUFFIXES))
        with gr.Tabs():
            with gr.Tab("Examples per class"):
                samples = gr.Dataframe(interactive=False, wrap=True, elem_id="data-samples")
            with gr.Tab("First rows"):
                preview = gr.Dataframe(interactive=False, wrap=True, elem_id="data-preview")
            with gr.Tab("Columns"):
                columns = gr.Dataframe(interactive=False, elem_id="data-columns")

    checked = [state, report, balance, lengths, samples, preview, columns, details]
    for event, handler, inputs in ((upload.upload, load_file, [upload, state]),
                                   (sample.input, load_sample, [sample, state])):
        event(handler, inputs, checked + [text_column, label_column], api_visibility="private") \
            .then(run_baseline, state, baseline, api_visibility="private")
    triggers = [text_column.input, label_column.input, eval_file.change, test_file.change] + \
        [w.input for w in settings]
    # always_last: ticking two fixes quickly must check with both (the default drops the second click)
    gr.on(triggers, change_settings, [state, text_column, label_column, eval_file, test_file, *settings],
          checked, api_visibility="private", trigger_mode="always_last").then(run_baseline, state, baseline, api_visibility="private")
    return checked
