"""What a Space or demo mode adds to the page: the limits line, and on load a sample in the Data tab and
the pre-trained demo run in the Playground (selected as soon as its background training has finished).

The Data tab is filled through its own handler (data_loading.load_sample); its sample dropdown and baseline
are found by elem_id.
"""
from __future__ import annotations

from typing import NamedTuple

import gradio as gr

from ..hosting import background, spaces
from . import data_loading, data_tab
from .data_state import DataState
from .playground_tab import run_choices
from .views import bind

DEMO_POLL_S = 2.0


def render_limits() -> None:
    if spaces.on_spaces():
        gr.Markdown(spaces.limits_markdown(), elem_id="space-limits")


class DemoView(NamedTuple):
    """What the demo load updates: the Data tab's check outputs and its sample dropdown."""
    data_outputs: data_loading.DataOutputs  # the Data tab's components (data_tab.render())
    sample: gr.Dropdown


def load_demo(view: DemoView, state: DataState) -> dict:
    """The sample through the Data tab's handler (its outputs), and its name for the sample dropdown."""
    checked = data_loading.load_sample(background.DEMO_SAMPLE.name, state)  # a DataOutputs of values
    return {**dict(zip(view.data_outputs, checked)), view.sample: background.DEMO_SAMPLE.name}


class DemoRun(NamedTuple):
    """What the demo run's tick updates, by name."""
    run: gr.Dropdown  # the Playground's run
    timer: gr.Timer


def show_demo_run(current: str | None, token: str | None = None) -> DemoRun:
    """A tick: once the demo run has a model, select it in the Playground (unless a run is picked) and stop."""
    if not background.demo_ready():
        return DemoRun(run=gr.update(), timer=gr.Timer(active=True))
    choices = run_choices(token)
    return DemoRun(run=gr.update(choices=choices, value=current if current in choices else spaces.DEMO_RUN),
                   timer=gr.Timer(active=False))


def wire(page_loaded, data_state: gr.State, data: data_tab.DataTab, playground_run: gr.Dropdown,
         token: gr.BrowserState) -> None:
    """In demo mode: on page load, the sample in the Data tab, and the demo run in the Playground once ready.

    Call inside the Blocks (it adds a Timer at the top level); page_loaded: the load event that issues the
    visitor id (the quick models run as that visitor)."""
    if not spaces.demo_mode():
        return
    view = DemoView(data.outputs, data.sample)
    page_loaded.then(bind(load_demo, view), data_state, [*view.data_outputs, view.sample], api_visibility="private") \
        .then(data_loading.run_baseline, [data_state, token], data.baseline, api_visibility="private")
    timer = gr.Timer(DEMO_POLL_S)
    timer.tick(show_demo_run, [playground_run, token], list(DemoRun(playground_run, timer)), api_visibility="private",
               show_progress="hidden")
