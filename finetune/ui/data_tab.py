"""Data tab: a file or a sample in; columns mapped; its quality, fixes, split and a baseline out.

The layout and its listeners; the handlers are in data_loading.py, and what the tab knows about the data
(shared with the other tabs) is a DataState (data_state.py).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr

from ..data.tables import TABLE_SUFFIXES
from ..tasks import DEFAULT_TASK, TASKS
from . import quick_panel, review_panel
from .data_loading import (MAX_UPLOAD_MB, SETTING_FIELDS, DataOutputs, change_settings, clear_file, default_settings,
                           load_file, load_sample, no_sample, run_baseline, sample_files, switch_task)
from .knobs import knob_widget
from .views import by_name

TASK_CHOICES = [(task.picker_label, task.name) for task in TASKS.values()]
FILE_TYPES = list(dict.fromkeys(TABLE_SUFFIXES + tuple(s for t in TASKS.values() for s in t.own_suffixes)))


class DataTab(NamedTuple):
    """What render() hands to the rest of the page: the check outputs, the sample picker, the baseline box,
    the "Do you need fine-tuning?" panel (its pick button sets the Model tab's method)."""
    outputs: DataOutputs
    sample: Any
    baseline: Any
    quick: Any = None


def render(state: gr.State, token: gr.BrowserState) -> DataTab:
    gr.Markdown("Pick what the model should do, then upload your data or start from a sample. The check "
                "below runs before any training: it says what will go wrong and offers one-click fixes.")
    task = gr.Radio(TASK_CHOICES, value=DEFAULT_TASK, label="Task", elem_id="data-task",
                    info="Also set in the Model tab; the two stay in step.")
    with gr.Row():
        upload = gr.File(label=f"Data file: CSV, TSV, TXT, JSONL, JSON, Excel, Parquet or CoNLL "
                               f"(up to {MAX_UPLOAD_MB} MB)",
                         file_types=FILE_TYPES, elem_id="data-upload")
        with gr.Column():
            sample = gr.Dropdown(list(sample_files()), value=None, label="…or a bundled sample",
                                 info="NER and generation samples switch the task.", elem_id="data-sample")
            text_column = gr.Dropdown([], multiselect=True, label="Text column(s)", elem_id="text-column",
                                      info="Several columns are joined into one text.", interactive=True)
            label_column = gr.Dropdown([], label="Label column", elem_id="label-column", interactive=True,
                                       info="The answer the model should learn to give.")
    report = gr.Markdown(elem_id="data-report")
    switch = gr.Button(visible=False, variant="primary", size="sm", elem_id="data-switch-task")
    with gr.Column(visible=False) as details:
        baseline = gr.Markdown(elem_id="data-baseline")
        quick = quick_panel.render()
        with gr.Row():
            balance = gr.Plot(label="Label balance", elem_id="label-chart")
            lengths = gr.Plot(label="Text lengths", elem_id="length-chart")
        entities = gr.HighlightedText(label="Entities in the first tagged sentences", visible=False,
                                      elem_id="data-entities")
        defaults = default_settings()
        widgets = {}
        with gr.Accordion("Fix the data (each fix is recorded in the run's config)", open=True) as fixes:
            with gr.Row():
                widgets.update({f.name: knob_widget(f, defaults[f.name]) for f in SETTING_FIELDS
                                if f.metadata["group"] == "remedies"})
        with gr.Column(visible=False) as text_mode:
            widgets["text_mode"] = knob_widget(next(f for f in SETTING_FIELDS if f.name == "text_mode"),
                                               defaults["text_mode"])
        with gr.Accordion("Split: train / validation / test", open=False):
            with gr.Row():
                widgets.update({name: knob_widget(next(f for f in SETTING_FIELDS if f.name == name), defaults[name])
                                for name in ("val_size", "test_size")})
            with gr.Row():
                eval_file = gr.File(label="…or a separate validation file", elem_id="eval-upload",
                                    file_types=FILE_TYPES)
                test_file = gr.File(label="…and/or a separate test file", elem_id="test-upload",
                                    file_types=FILE_TYPES)
        with gr.Tabs():
            with gr.Tab("Examples"):
                samples = gr.Dataframe(interactive=False, wrap=True, elem_id="data-samples")
            with gr.Tab("First rows"):
                preview = gr.Dataframe(interactive=False, wrap=True, elem_id="data-preview")
            with gr.Tab("Columns"):
                columns = gr.Dataframe(interactive=False, elem_id="data-columns")

    checked = DataOutputs(state=state, report=report, balance=balance, lengths=lengths, samples=samples,
                          preview=preview, columns=columns, details=details, entities=entities, task=task, switch=switch,
                          fixes=fixes, text_mode=text_mode, text=text_column, label=label_column)
    new_files = []  # each new file's check: the quick models follow it
    for event, handler, inputs in ((upload.upload, load_file, [upload, state, task, token]),
                                   (sample.input, load_sample, [sample, state]),
                                   (switch.click, switch_task, [state])):
        new_files.append(event(handler, inputs, list(checked), api_visibility="private")
                         .then(run_baseline, [state, token], baseline, api_visibility="private"))
    quick_panel.wire(quick, state, token, new_files)
    upload.upload(no_sample, None, sample, api_visibility="private")
    upload.clear(clear_file, state, list(checked), api_visibility="private") \
        .then(run_baseline, [state, token], baseline, api_visibility="private")
    triggers = [task.input, text_column.input, label_column.input, eval_file.change, test_file.change] + \
        [w.input for w in widgets.values()]
    recheck = by_name(change_settings, [state, task, text_column, label_column, eval_file, test_file, token], widgets)
    # always_last: ticking two fixes quickly must check with both (the default drops the second click)
    gr.on(triggers, *recheck, list(checked), api_visibility="private", trigger_mode="always_last") \
        .then(run_baseline, [state, token], baseline, api_visibility="private") \
        .then(quick_panel.stale, state, quick.outputs, api_visibility="private")
    review_panel.render(state, widgets["label_edits"], recheck, list(checked), token)
    return DataTab(checked, sample, baseline, quick)
