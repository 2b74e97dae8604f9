"""What a Space or demo mode adds to the page: the limits line, and on load a sample in the Data tab and
the pre-trained demo run in the Playground (selected as soon as its background training has finished).

The Data tab is filled through its own handler (data_tab.load_sample); its sample dropdown and baseline
are found by elem_id.
"""
from __future__ import annotations

import gradio as gr

from ..hosting import spaces
from . import data_tab
from .playground_tab import run_choices

DEMO_POLL_S = 2.0


def render_limits() -> None:
    if spaces.on_spaces():
        gr.Markdown(spaces.limits_markdown(), elem_id="space-limits")


def load_demo(state: dict):
    """The sample through the Data tab's handler (its outputs), and its name for the sample dropdown."""
    return (*data_tab.load_sample(spaces.DEMO_SAMPLE.name, state), spaces.DEMO_SAMPLE.name)


def show_demo_run(current: str | None):
    """A tick: once the demo run has a model, select it in the Playground (unless a run is picked) and stop."""
    if not spaces.demo_ready():
        return gr.update(), gr.Timer(active=True)
    choices = run_choices()
    return gr.update(choices=choices, value=current if current in choices else spaces.DEMO_RUN), \
        gr.Timer(active=False)


def _by_elem_id(block, elem_id: str):
    if getattr(block, "elem_id", None) == elem_id:
        return block
    for child in getattr(block, "children", []):
        found = _by_elem_id(child, elem_id)
        if found is not None:
            return found
    return None


def wire(demo: gr.Blocks, data_state: gr.State, data_outputs: list, playground_run: gr.Dropdown) -> None:
    """In demo mode: on page load, the sample in the Data tab, and the demo run in the Playground once ready.

    Call inside the Blocks (it adds a Timer at the top level)."""
    if not spaces.demo_mode():
        return
    sample = _by_elem_id(demo, "data-sample")
    baseline = _by_elem_id(demo, "data-baseline")
    demo.load(load_demo, data_state, [*data_outputs, sample], api_visibility="private") \
        .then(data_tab.run_baseline, data_state, baseline, api_visibility="private")
    timer = gr.Timer(DEMO_POLL_S)
    timer.tick(show_demo_run, playground_run, [playground_run, timer], api_visibility="private",
               show_progress="hidden")
