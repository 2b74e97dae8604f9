"""Playground tab: type a text, see the label and every class's confidence (or, for an NER run, the
entities highlighted with their types and scores; for a generation run, base and fine-tuned text side by
side), for any trained run."""
from __future__ import annotations

import gradio as gr

from ..predictions import predict_texts, run_task
from ..runs import runs_root, trained_models
from . import generation_playground
from .messages import USER_ERRORS, user_error

EXAMPLES = [
    "This software license agreement covers usage rights",
    "Patient shows normal vital signs and recovery",
    "Quarterly revenue increased by 15% this period",
    "I love these headphones, worth every penny.",
]


def run_choices() -> list[str]:
    return [p.name for p in trained_models()]


def refresh_runs(current: str | None):
    choices = run_choices()
    return gr.update(choices=choices, value=current if current in choices else (choices[0] if choices else None))


def _prediction(run_name: str | None, text: str) -> tuple[dict, str]:
    """(the run's prediction for the text, its task); gr.Error with what to do when it cannot run."""
    if not run_name:
        raise gr.Error("No trained model yet: train one in the Train tab, or pick a run.", print_exception=False)
    if not (text or "").strip():
        raise gr.Error("Type a text to classify.", print_exception=False)
    if run_name not in run_choices():
        raise gr.Error(f"No trained run named {run_name}.", print_exception=False)
    try:
        folder = runs_root() / run_name
        return predict_texts(folder, [text])[0], run_task(folder)
    except USER_ERRORS as e:
        raise user_error(e) from None


def predict(run_name: str | None, text: str):
    """{label: confidence} for gr.Label (a classification run)."""
    return _prediction(run_name, text)[0]["scores"]


def highlight(text: str, entities: list[dict]) -> dict:
    """gr.HighlightedText's value: each entity marked with its type and score."""
    return {"text": text, "entities": [{"entity": f"{e['label']} {e['score']:.2f}", "start": e["start"],
                                        "end": e["end"]} for e in entities]}


def show_prediction(run_name: str | None, text: str):
    """Label scores for a classification run, highlighted entities for an NER run (the other one hidden)."""
    result, task = _prediction(run_name, text)
    if task == "ner":
        return gr.update(visible=False), gr.update(value=highlight(text, result["entities"]), visible=True)
    return gr.update(value=result["scores"], visible=True), gr.update(visible=False)


def show_task_controls(run_name: str | None):
    """Classification controls for a classification run, the side-by-side generator for a generation run."""
    generating = generation_playground.run_task(run_name) == "generation"
    return gr.update(visible=not generating), gr.update(visible=generating)


def render():
    choices = run_choices()
    with gr.Row():
        run = gr.Dropdown(choices, value=choices[0] if choices else None, label="Trained run",
                          info="The newest first; a finished training selects itself here.", elem_id="play-run")
        refresh = gr.Button("Refresh list", size="sm", elem_id="play-refresh")
    generating = generation_playground.run_task(choices[0] if choices else None) == "generation"
    with gr.Column(visible=not generating) as classify:
        text = gr.Textbox(label="Text", lines=3, placeholder="Type or paste a text…", elem_id="play-text")
        button = gr.Button("Predict", variant="primary", elem_id="play-predict")
        label = gr.Label(label="Prediction", num_top_classes=10, elem_id="play-label")
        entities = gr.HighlightedText(label="Entities (type and confidence)", visible=False, show_legend=False,
                                      elem_id="play-entities")
        gr.Examples(EXAMPLES, inputs=text)
    generate = generation_playground.render(run, visible=generating)
    refresh.click(refresh_runs, run, run, api_visibility="private")
    run.change(show_task_controls, run, [classify, generate], api_visibility="private")
    gr.on([button.click, text.submit], show_prediction, [run, text], [label, entities], api_visibility="private")
    return run, text
