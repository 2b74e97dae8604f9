"""Playground tab: type a text, see the label and every class's confidence beside the TF-IDF baseline's
(or, for an NER run, the entities highlighted with their types and scores; for a generation run, base and
fine-tuned text side by side), for any trained run. Below: whole files and PDFs (batch_panel)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr

from ..data.byte_caps import MAX_CELL_CHARS
from ..errors import ConfigError
from ..hosting import owners
from ..services.predictions import baseline_scores, predict_texts, run_task
from ..runs.records import Results
from ..runs.folder import RunPaths, run_name as listed_name, trained_models, trial_state
from ..control.processes import run_status
from ..tasks import get_task
from .entity_colors import color_map
from . import batch_panel, generation_playground, visitor
from .messages import USER_ERRORS, user_error

BASELINE_LABEL = "TF-IDF baseline trained on the same split"
ENTITIES_LABEL = "Entities (type and confidence)"
VISITORS_AT_ONCE = 32  # Predicts answered at once (Gradio threads waiting on the batcher); the rest queue


class Answer(NamedTuple):
    """What Predict shows, by name (render() builds one of the components, the handlers one of values)."""
    label: Any     # gr.Label: the fine-tuned model's confidence per class
    baseline: Any  # gr.Label: the TF-IDF baseline's (hidden for runs saved without one)
    entities: Any  # gr.HighlightedText: an NER run's entities


class Controls(NamedTuple):
    """What a run change shows: the controls for its task, and its examples."""
    classify: Any  # the labelling column (classification and NER)
    generate: Any  # the side-by-side generator (generation)
    examples: Any  # gr.Dataset of held-out texts


def run_choices(token: str | None = None) -> list[str]:
    """The trained runs this visitor may use: their own and the shared demo run (locally: every run)."""
    return [listed_name(p) for p in owners.visible(visitor.owner(token), trained_models())]


def run_options(token: str | None = None) -> list[tuple[str, str]]:
    """The dropdown's (shown, value) pairs: a stopped run or a search trial says so beside its name."""
    options = []
    for path in owners.visible(visitor.owner(token), trained_models()):
        trial, status = trial_state(path), run_status(path).status
        marks = [m for m, yes in (("stopped", status == "stopped" or trial in ("stopped", "pruned")),
                                  ("search trial", bool(trial))) if yes]
        name = listed_name(path)
        options.append((f"{name} ({', '.join(marks)})" if marks else name, name))
    return options


def preselected(options: list[tuple[str, str]]) -> str | None:
    """The newest finished run of its own: never a stopped run or a trial unless the user picks one."""
    return next((value for shown, value in options if shown == value), None)


def refresh_runs(current: str | None, token: str | None = None):
    options = run_options(token)
    kept = current if current in {value for _, value in options} else preselected(options)
    return gr.update(choices=options, value=kept)


def _prediction(run_name: str | None, text: str, token: str | None) -> tuple[dict, str, Path]:
    """(the run's prediction for the text, its task, its folder); gr.Error with what to do when it cannot run."""
    if not run_name:
        raise gr.Error("No trained model yet: train one in the Train tab, or pick a run.", print_exception=False)
    if not (text or "").strip():
        raise gr.Error("Type a text to classify.", print_exception=False)
    if len(text) > MAX_CELL_CHARS:  # like the generation prompt: refused, not read (20 MB took 34 s)
        raise gr.Error(f"The text is {len(text):,} characters; the Playground reads at most {MAX_CELL_CHARS:,}. "
                       "Paste a shorter passage, or label a whole file below.", print_exception=False)
    # The gate's check of this one name, not a listing of every run a visitor may see: on a Space with many
    # visitors' runs, listing them (a folder scan and an owner file read per run) was each Predict's cost.
    folder = visitor.run_dir(token, run_name)  # "no run named ..." for a missing run or another visitor's
    if not RunPaths(folder).has_model:
        raise gr.Error(f"No trained model in {str(run_name)[:60]} yet: pick a finished run.", print_exception=False)
    try:
        return predict_texts(folder, [text])[0], run_task(folder), folder
    except USER_ERRORS as e:
        raise user_error(e) from None


def predict(run_name: str | None, text: str, token: str | None = None):
    """{label: confidence} for gr.Label (a classification run)."""
    return _prediction(run_name, text, token)[0]["scores"]


def predict_api(run: str, text: str, visitor_id: str = "") -> dict:
    """The prediction endpoint for scripts (api_name="predict"): the run's name, a text, and on a Space the
    visitor id its page was given. Returns {"label", "score", "scores"}, {"entities": [...]} for an NER run,
    or {"generated_text"} for a generation run."""
    from ..hosting import gate

    try:
        owner = visitor.owner(visitor_id)
        gate.require_visitor(owner)
        if not (text or "").strip():
            raise ConfigError("Send a text to predict.")
        folder = gate.run_for(owner, run)
        return predict_texts(folder, [text])[0]
    except USER_ERRORS as e:
        raise user_error(e) from None


def highlight(text: str, entities: list[dict]) -> dict:
    """gr.HighlightedText's value: each entity marked with its type and score."""
    return {"text": text, "entities": [{"entity": f"{e['label']} {e['score']:.2f}", "start": e["start"],
                                        "end": e["end"]} for e in entities]}


def show_prediction(run_name: str | None, text: str, token: str | None = None) -> Answer:
    """The fine-tuned label scores and the TF-IDF baseline's, or highlighted entities (an NER run; the label
    boxes hidden)."""
    result, task, folder = _prediction(run_name, text, token)
    if get_task(task).shows_entities:
        hidden = gr.update(visible=False)
        label = ENTITIES_LABEL if result["entities"] else "No entities found in this text"
        value = highlight(text, result["entities"])
        return Answer(label=hidden, baseline=hidden,
                      entities=gr.update(value=value, visible=True, label=label, color_map=color_map(value)))
    try:
        baseline = gr.update(value=baseline_scores(folder, text), label=BASELINE_LABEL)
        baseline["visible"] = baseline["value"] is not None
    except ConfigError as e:  # an older version's pickled baseline: never loaded, said where it would show
        baseline = gr.update(value=None, visible=True, label=f"TF-IDF baseline: {e}")
    return Answer(label=gr.update(value=result["scores"], visible=True), baseline=baseline,
                  entities=gr.update(visible=False))


def clear_answer() -> Answer:
    return Answer(label=None, baseline=None, entities=None)


def show_task_controls(run_name: str | None, token: str | None = None) -> Controls:
    """The labelling controls, the side-by-side generator, and the examples: the run's own held-out
    texts (results.json), else its task's (the default task's with no run). Never the answer boxes: a run
    change's update can land after the next Predict's answer (the demo script saw it hide the label), so
    only the answer itself decides which boxes show."""
    task = get_task(generation_playground.run_task(run_name, token))
    return Controls(classify=gr.update(visible=not task.generates_text), generate=gr.update(visible=task.generates_text),
                    examples=gr.update(samples=example_samples(run_name, token, task), visible=not task.generates_text))


def example_samples(run_name: str | None, token: str | None, task) -> list[list[str]]:
    """gr.Dataset samples: the held-out texts a finished run kept as examples, else its task's (an older
    run, or one this visitor may not read: visitor.run_dir checks that)."""
    kept = []
    if run_name:
        try:
            kept = Results.load(RunPaths(visitor.run_dir(token, run_name)).results).examples or []
        except (*USER_ERRORS, OSError, ValueError):
            pass
    return [[text] for text in kept or task.examples]


def render(token: gr.BrowserState):
    """The tab; its run list is filled per visitor on load (at build time: the shared runs only)."""
    options = run_options()
    first = preselected(options)
    choices = [first] if first else []  # what the tab opens on
    with gr.Row():
        run = gr.Dropdown(options, value=first, label="Trained run",
                          info="The newest first; a finished training selects itself here.", elem_id="play-run")
        refresh = gr.Button("Refresh list", size="sm", elem_id="play-refresh")
    task = get_task(generation_playground.run_task(choices[0] if choices else None))
    with gr.Column(visible=not task.generates_text) as classify:
        text = gr.Textbox(label="Text", lines=3, placeholder="Type or paste a text…", elem_id="play-text")
        button = gr.Button("Predict", variant="primary", elem_id="play-predict")
        with gr.Row():
            label = gr.Label(label="Fine-tuned model", num_top_classes=10, elem_id="play-label")
            baseline = gr.Label(label=BASELINE_LABEL, num_top_classes=10, visible=False, elem_id="play-baseline")
        entities = gr.HighlightedText(label=ENTITIES_LABEL, visible=False, show_legend=False,
                                      elem_id="play-entities")
        examples = gr.Dataset(components=[text], samples=example_samples(choices[0] if choices else None, None, task),
                              label="Examples from the run's "
                              "held-out data (click one)", elem_id="play-examples", type="values")
        batch_panel.render(run, token)
    generate = generation_playground.render(run, token, visible=task.generates_text)
    answer, controls = Answer(label, baseline, entities), Controls(classify, generate, examples)
    refresh.click(refresh_runs, [run, token], run, api_visibility="private")
    run.change(show_task_controls, [run, token], list(controls), api_visibility="private")
    examples.click(lambda sample: sample[0], examples, text, api_visibility="private")
    # The visitor picks another run or edits the text: the answer on screen no longer belongs to it. A clear
    # that read the run, in an ordered .change queue, ran after the next Predict whenever the run change's
    # clear was still pending (a .change listener defers its next trigger until the pending one ends) and
    # wiped its answer: this one reads nothing, is never deferred ("multiple") and skips the queue, so it
    # lands before the Predict that follows it. Not on .change: the Train tab sets the run itself.
    gr.on([run.select, run.input, text.input, examples.click], clear_answer, None, list(answer),
          queue=False, trigger_mode="multiple", api_visibility="private")
    # Every visitor at once (one Predict in flight per page: trigger_mode "once"); their texts meet in the
    # model's micro-batcher (finetune/serving.py), not in a queue of one. Through Gradio's queue: outside it
    # (queue=False) the answers came 1.1-1.6x faster (bench/serving.py), but a refusal's gr.Error reached the
    # page as a bare "Error" badge without its message (tests/browser/test_playground_first_predict.py).
    gr.on([button.click, text.submit], show_prediction, [run, text, token], list(answer),
          concurrency_id="playground-predict", concurrency_limit=VISITORS_AT_ONCE, trigger_mode="once",
          api_visibility="private")
    gr.api(predict_api, api_name="predict", concurrency_id="playground-predict", concurrency_limit=VISITORS_AT_ONCE)
    return run, text
