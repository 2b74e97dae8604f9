"""The Data tab's "Do you need fine-tuning?" panel: the quick models measured on the file's own split (with
progress, through the gate, cached per file and settings by quick_models.measure), the probe's learning curve,
and the advice (tasks/advice.py) with a button that picks the recommended method in the Model tab.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr
import plotly.graph_objects as go

from ..config import RunConfig
from ..hosting import gate
from ..planning.quick_models import measure
from ..tasks import get_task
from ..tasks.advice import METHOD_TITLES, advise
from . import visitor
from .data_state import DataState
from .messages import USER_ERRORS, as_text

HEADING = "### Do you need fine-tuning?"


class Measured(NamedTuple):
    """What a measurement updates, by name (QuickPanel.outputs: the components, in this order)."""
    scores: Any
    curve: Any
    advice: Any
    pick: Any
    recommended: Any
    describe: Any


class QuickPanel(NamedTuple):
    descriptions: Any  # label descriptions for zero-shot, "label: words" per line
    measure: Any       # the button that measures (again)
    scores: Any        # Markdown: each model's score and seconds
    curve: Any         # the probe's learning curve
    advice: Any        # Markdown: the advice
    pick: Any          # "Use <method>": sets the Model tab's method
    recommended: Any   # gr.State: the recommended method
    describe: Any      # the descriptions' accordion: shown for a task with zero-shot (classification)

    @property
    def outputs(self) -> list:
        return list(Measured(**{name: getattr(self, name) for name in Measured._fields}))


def parse_descriptions(text: str) -> dict[str, str]:
    """"label: what it means" per line -> {label: description} (lines without a colon are ignored)."""
    pairs = (line.split(":", 1) for line in (text or "").splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}


def idle(message: str = "", zero_shot: bool = True) -> Measured:
    return Measured(scores=message, curve=gr.update(value=None, visible=False), advice="",
                    pick=gr.update(visible=False), recommended="", describe=gr.update(visible=zero_shot))


def stale(state: DataState) -> Measured:
    """After a settings change: the last measurement no longer matches the rows training will see."""
    if not state.ready and not state.few_shot_ready:
        return idle()
    zero_shot = get_task(state.task).few_shot
    return idle(f"{HEADING}\nThe settings changed: press **Measure again** for the quick models on these rows.", zero_shot)


def run_quick(state: DataState, descriptions: str, token: str | None = None, progress=gr.Progress()) -> Measured:
    """The quick models for the checked file and settings (a handler: the gate's per-visitor slot around it)."""
    task = get_task(state.task)
    if not state.ready and not state.few_shot_ready:
        return idle(zero_shot=task.few_shot)
    if task.quick_models is None:
        return idle(zero_shot=False)
    try:
        config = RunConfig.from_dict({**state.data_config(), "model": state.model})
        with gate.work(visitor.owner(token), "quick models"):
            quick = measure(config, progress=lambda share, message: progress(share, desc=message),
                            descriptions=parse_descriptions(descriptions))
    except USER_ERRORS as e:
        return idle(f"{HEADING}\nNot measured: {as_text(str(e))}", task.few_shot)
    advice = advise(task, quick)
    pick = gr.update(visible=task.few_shot, value=f"Use {METHOD_TITLES[advice.method]} (Model tab)")
    figure = curve_figure(quick) if quick.learning_curve else None
    return Measured(scores=scores_markdown(quick), curve=gr.update(value=figure, visible=figure is not None),
                    advice=f"**Advice:** {as_text(advice.reason)}", pick=pick, recommended=advice.method,
                    describe=gr.update(visible=task.few_shot))


def scores_markdown(quick) -> str:
    rows = "\n".join(f"| {as_text(m.title)} | {m.score:.3f} | {m.seconds:.1f} s |" for m in quick.models)
    metric = quick.models[0].metric if quick.models else "score"
    notes = "".join(f"\n\n{as_text(n)}" for n in quick.notes)
    return (f"{HEADING}\nModels that train in seconds, scored on the {quick.eval_rows} {quick.split} {quick.unit} "
            f"the trained model will be scored on ({quick.train_rows} training {quick.unit}):\n\n"
            f"| quick model | {metric} | seconds |\n|---|---|---|\n{rows}{notes}")


def curve_figure(quick) -> go.Figure:
    xs = [f"{p.fraction:.0%}" for p in quick.learning_curve]
    ys = [p.score for p in quick.learning_curve]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines+markers+text", text=[f"{y:.3f}" for y in ys],
                               textposition="top center", hovertemplate="%{x} of the rows: %{y:.3f}<extra></extra>"))
    fig.update_layout(title=dict(text=f"Quick probe: learning curve<br><sup>{as_text(quick.curve_reading)[:110]}</sup>"),
                      xaxis_title="share of the training rows", yaxis_title="held-out accuracy", height=300,
                      margin=dict(l=40, r=20, t=60, b=40), yaxis_range=[max(0.0, min(ys) - 0.1), min(1.0, max(ys) + 0.08)])
    return fig


def pick_method(method: str):
    """The Model tab's method knob set to the advised method."""
    return gr.update(value=method) if method else gr.update()


def render() -> QuickPanel:
    with gr.Group(elem_id="quick-panel"):
        scores = gr.Markdown(f"{HEADING}\nLoad a file: the quick models run after its check.", elem_id="quick-scores")
        with gr.Row():
            curve = gr.Plot(label="Learning curve", visible=False, elem_id="quick-curve")
        advice = gr.Markdown(elem_id="quick-advice")
        with gr.Row():
            pick = gr.Button("Use the recommended method", visible=False, variant="primary", size="sm",
                             elem_id="quick-pick")
            again = gr.Button("Measure again", size="sm", elem_id="quick-measure")
        with gr.Accordion("Describe the labels (zero-shot compares texts with these)", open=False) as describe:
            descriptions = gr.Textbox(lines=3, label="One label per line: 'label: a few words'",
                                      placeholder="legal: contracts, clauses and court rulings", elem_id="quick-descriptions")
    return QuickPanel(descriptions, again, scores, curve, advice, pick, gr.State(""), describe)


def wire(panel: QuickPanel, state, token, checks: list) -> None:
    """Measure after each new file's check (`checks`: the events that check a new file) and on the button."""
    for event in checks:
        event.then(run_quick, [state, panel.descriptions, token], panel.outputs, api_visibility="private")
    panel.measure.click(run_quick, [state, panel.descriptions, token], panel.outputs, api_visibility="private")
