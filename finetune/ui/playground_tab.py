"""Playground tab: type a text, see the label and every class's confidence beside the TF-IDF baseline's
(or, for an NER run, the entities highlighted with their types and scores; for a generation run, base and
fine-tuned text side by side), for any trained run. Below: whole files and PDFs (batch_panel)."""
from __future__ import annotations

import gradio as gr

from ..predictions import baseline_scores, predict_texts, run_task
from ..runs import runs_root, trained_models
from . import batch_panel, generation_playground
from .messages import USER_ERRORS, user_error

EXAMPLES = [
    "This software license agreement covers usage rights",
    "Patient shows normal vital signs and recovery",
    "Quarterly revenue increased by 15% this period",
    "I love these headphones, worth every penny.",
]
NER_EXAMPLES = [  # people, organisations, places and drugs, as in sample_data/ner_sample.jsonl
    "Maria Lindqvist joined Bluefield Bank in Oslo last spring .",
    "Dr. Elena Petrova prescribed ibuprofen at Harbor Health Trust in Cape Town .",
    "Tomas Okafor and Fatima Haddad founded Greenleaf Foods in Lagos .",
    "The patient switched from warfarin to metformin after a visit to Boston .",
]
BASELINE_LABEL = "TF-IDF baseline trained on the same split"


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
    """Outputs: fine-tuned label scores, the TF-IDF baseline's (hidden for runs saved without one),
    highlighted entities (an NER run; the label boxes hidden)."""
    result, task = _prediction(run_name, text)
    if task == "ner":
        hidden = gr.update(visible=False)
        return hidden, hidden, gr.update(value=highlight(text, result["entities"]), visible=True)
    baseline = baseline_scores(runs_root() / run_name, text)
    return (gr.update(value=result["scores"], visible=True),
            gr.update(value=baseline, visible=baseline is not None), gr.update(visible=False))


def show_task_controls(run_name: str | None):
    """Outputs: classification/NER controls, the side-by-side generator, classification examples, NER
    examples: each shown only for a run of its task."""
    task = generation_playground.run_task(run_name)
    return (gr.update(visible=task != "generation"), gr.update(visible=task == "generation"),
            gr.update(visible=task != "ner"), gr.update(visible=task == "ner"))


def render():
    choices = run_choices()
    with gr.Row():
        run = gr.Dropdown(choices, value=choices[0] if choices else None, label="Trained run",
                          info="The newest first; a finished training selects itself here.", elem_id="play-run")
        refresh = gr.Button("Refresh list", size="sm", elem_id="play-refresh")
    task = generation_playground.run_task(choices[0] if choices else None)
    with gr.Column(visible=task != "generation") as classify:
        text = gr.Textbox(label="Text", lines=3, placeholder="Type or paste a text…", elem_id="play-text")
        button = gr.Button("Predict", variant="primary", elem_id="play-predict")
        with gr.Row():
            label = gr.Label(label="Fine-tuned model", num_top_classes=10, elem_id="play-label")
            baseline = gr.Label(label=BASELINE_LABEL, num_top_classes=10, visible=False, elem_id="play-baseline")
        entities = gr.HighlightedText(label="Entities (type and confidence)", visible=False, show_legend=False,
                                      elem_id="play-entities")
        with gr.Column(visible=task != "ner", elem_id="play-examples") as examples:
            gr.Examples(EXAMPLES, inputs=text)
        with gr.Column(visible=task == "ner", elem_id="play-ner-examples") as ner_examples:
            gr.Examples(NER_EXAMPLES, inputs=text)
        batch_panel.render(run)
    generate = generation_playground.render(run, visible=task == "generation")
    refresh.click(refresh_runs, run, run, api_visibility="private")
    run.change(show_task_controls, run, [classify, generate, examples, ner_examples], api_visibility="private")
    gr.on([button.click, text.submit], show_prediction, [run, text], [label, baseline, entities],
          api_visibility="private")
    return run, text
