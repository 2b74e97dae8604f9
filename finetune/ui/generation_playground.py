"""The Playground for a text-generation run: one prompt, the base and the fine-tuned model side by side,
each answer streaming in as it is written."""
from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr

from ..errors import ConfigError
from ..services.predictions import load_predictor, model_folder
from ..hosting import gate, owners
from ..runs.folder import trained_models
from ..tasks import TASKS, get_task
from . import visitor
from .messages import USER_ERRORS, user_error

MAX_PROMPT_CHARS = 4000  # longer prompts are refused: the models see at most a few hundred tokens anyway


class SideBySide(NamedTuple):
    """The two texts, by name (render() builds one of the components, the handlers one of values)."""
    base: Any   # the base model's text
    tuned: Any  # the fine-tuned model's text


def run_task(run_name: str | None, token: str | None = None) -> str | None:
    """The task of a trained run this visitor may use, None when there is no such run."""
    owner = visitor.owner(token)
    if not run_name or run_name not in [p.name for p in owners.visible(owner, trained_models())]:
        return None
    try:
        return model_folder(gate.run_for(owner, run_name))[1]
    except ConfigError:
        return None


def generate_side_by_side(run_name, prompt, max_new_tokens, temperature, top_p, token=None):
    """Inputs: run, prompt, max new tokens, temperature, top-p. Yields SideBySide texts as they grow.

    The fine-tuned model writes first, then the base model gets the same prompt and settings."""
    if not get_task(run_task(run_name, token)).generates_text:
        raise gr.Error("Pick a trained text-generation run first.", print_exception=False)
    if not (prompt or "").strip():
        raise gr.Error("Type a prompt for the models to continue.", print_exception=False)
    if len(prompt) > MAX_PROMPT_CHARS:
        raise gr.Error(f"The prompt has {len(prompt):,} characters; the Playground takes up to "
                       f"{MAX_PROMPT_CHARS:,}. Shorten it.", print_exception=False)
    options = {"max_new_tokens": int(max_new_tokens), "temperature": float(temperature), "top_p": float(top_p)}
    try:
        tuned = load_predictor(str(visitor.run_dir(token, run_name).resolve()))
        tuned_text = ""
        for piece in tuned.stream(prompt, **options):
            tuned_text += piece
            yield SideBySide(base="", tuned=tuned_text)
        base_text = ""
        if not tuned.base_model:
            yield SideBySide(base="(this run does not name its base model)", tuned=tuned_text)
            return
        for piece in tuned.base().stream(prompt, **options):
            base_text += piece
            yield SideBySide(base=base_text, tuned=tuned_text)
    except USER_ERRORS as e:
        raise user_error(e) from None
    except OSError as e:  # the base model folder or Hub cache is gone
        raise gr.Error(f"Could not load a model: {e}", print_exception=False) from None


def render(run, token, visible: bool = False):
    """The generation controls, wired to the Playground's run dropdown. Returns their column."""
    with gr.Column(visible=visible, elem_id="gen-playground") as column:
        prompt = gr.Textbox(label="Prompt", lines=3, placeholder="Start a text, or ask a question…",
                            elem_id="gen-prompt")
        with gr.Row():
            max_new = gr.Slider(1, 512, value=64, step=1, label="Max new tokens", elem_id="gen-max-new-tokens")
            temperature = gr.Slider(0.0, 2.0, value=0.7, step=0.05, label="Temperature",
                                    info="0 = always the likeliest word; higher = more varied.",
                                    elem_id="gen-temperature")
            top_p = gr.Slider(0.05, 1.0, value=0.9, step=0.05, label="Top-p",
                              info="Sample only from the likeliest words that make up this share.",
                              elem_id="gen-top-p")
        button = gr.Button("Generate", variant="primary", elem_id="gen-generate")
        with gr.Row():
            base = gr.Textbox(label="Base model", lines=8, interactive=False, elem_id="gen-base")
            tuned = gr.Textbox(label="Fine-tuned", lines=8, interactive=False, elem_id="gen-tuned")
        gr.Examples([e for task in TASKS.values() if task.generates_text for e in task.examples], inputs=prompt)
    texts = SideBySide(base, tuned)
    gr.on([button.click, prompt.submit], generate_side_by_side, [run, prompt, max_new, temperature, top_p, token],
          list(texts), show_progress="hidden", api_visibility="private")
    # another run or prompt: the texts on screen no longer belong to it
    gr.on([run.change, prompt.change], clear_texts, None, list(texts), api_visibility="private")
    return column


def clear_texts() -> SideBySide:
    return SideBySide(base="", tuned="")
