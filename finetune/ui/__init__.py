"""The Gradio app: four tabs over one engine. Per-browser state only (gr.State / gr.BrowserState)."""
from __future__ import annotations

import gradio as gr

from ..hosting import spaces
from . import (data_loading, data_tab, model_tab, playground_tab, quick_panel, search_panel, spaces_panel, train_tab,
               visitor)
from .data_state import DataState
from .run_lines import PROGRESS_CSS
from .views import bind, by_name

TITLE = "Fine-Tune Studio"
CSS = PROGRESS_CSS
MAX_UPLOAD_MB = data_loading.MAX_UPLOAD_MB


def build_app() -> gr.Blocks:
    # transformers' package import is not thread-safe: two handlers importing it at once in Gradio's worker
    # threads get "cannot import name 'AutoTokenizer'". Import it once here, on the caller's thread.
    import transformers  # noqa: F401

    # On a Space: uploads older than the TTL are deleted (run folders: background.start_background).
    with gr.Blocks(title=TITLE, delete_cache=spaces.upload_cache_policy()) as demo:
        gr.Markdown(f"# {TITLE}\nTurn your own data into a working model, on your own machine: a text classifier, "
                    "an entity tagger or a text generator.")
        spaces_panel.render_limits()
        # Top level, not inside a tab: a Timer in a tab only ticks once that tab is opened, and a
        # BrowserState in a tab reaches demo.load as its default (see shared notes on Gradio 6).
        timer = gr.Timer(1.0, active=False)
        saved_run = gr.BrowserState({"run_dir": None, "runs": []}, storage_key="finetune-studio-run")
        token = visitor.render()  # the server-signed visitor id: who owns the runs this page starts
        # the first load: the id checked (or a fresh one); the handlers below verify it again each time. What
        # lists a visitor's runs on load runs after it (.then): on a first visit there is no id before it.
        page_loaded = demo.load(visitor.issue, token, token, api_visibility="private")
        data_state = gr.State(DataState())  # what the Data tab found: every tab reads it
        with gr.Tabs() as tabs:
            with gr.Tab("1. Data", id="data"):
                data = data_tab.render(data_state, token)
            with gr.Tab("2. Model", id="model"):
                model_inputs = model_tab.render()
                search_panel.render(data_state, model_inputs, token)  # "Find good settings", below the knobs
            with gr.Tab("3. Train", id="train"):
                train_slot = gr.Column()
            with gr.Tab("4. Playground", id="playground"):
                playground_run, playground_text = playground_tab.render(token)
        with train_slot:
            train_tab.render(page_loaded, data_state, model_inputs, timer, saved_run, playground_run, playground_text, tabs, token)
        # One task in both tabs: the Data tab checks the file as the Model tab's task, the Model tab lists
        # the Data tab's task's models; and the Data tab counts tokens with the chosen model's tokenizer.
        task, model, length = model_inputs.task, model_inputs.model, model_inputs.knob("max_length")
        # ...and its length chart marks the max length the Model tab sets (0: fitted from the data)
        recheck, inputs = by_name(data_loading.change_model, [data_state, model, task], {"max_length": length})
        gr.on([model.change, task.input, length.change], recheck, inputs, list(data.outputs),
              api_visibility="private", trigger_mode="always_last")
        data.outputs.task.change(bind(model_tab.follow_task, model_inputs), [task, data.outputs.task],
                                 list(model_inputs), api_visibility="private")
        data.quick.pick.click(quick_panel.pick_method, data.quick.recommended, model_inputs.knob("method"),
                              api_visibility="private")  # the Data tab's advice, one click
        page_loaded.then(playground_tab.refresh_runs, [playground_run, token], playground_run, api_visibility="private")
        spaces_panel.wire(page_loaded, data_state, data, playground_run, token)  # demo mode only
    # Waiting visitors hear their place in the queue once a second, not at every answer: "auto" sent each
    # waiting page a message whenever any event started, so with 100 visitors a Predict cost the app
    # 22 ms of CPU against 14.5 ms with 20 (bench/serving.py).
    return demo.queue(status_update_rate=1.0)
