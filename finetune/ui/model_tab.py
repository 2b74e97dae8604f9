"""Model tab: task, base model, preset and every hyperparameter, with the hardware it will run on.

The widgets are built from RunConfig's field metadata, so a new config field shows up here with its
range and help, and `config_from_widgets` turns the values back into a RunConfig.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import gradio as gr

from ..config import PRESETS, RunConfig, task_defaults
from ..hardware import detect
from ..tasks import DEFAULT_TASK, TASKS, get_task
from .knobs import knob_widget

# Data settings live in the Data tab; "language_model" knobs only matter for text generation. Checkpoint knobs
# come next: they sit in their own accordion below the others. Then how many GPUs to use (shown with several);
# several machines are a command-line matter (README, Bigger hardware).
GPU_KNOBS = ("processes", "fsdp")
_ORDER = {"checkpoints": 1, "hardware": 2}
TUNED = sorted((f for f in fields(RunConfig) if f.metadata["group"] in ("method", "training", "language_model", "checkpoints")
                or f.name in GPU_KNOBS), key=lambda f: _ORDER.get(f.metadata["group"], 0))
DEFAULT_PRESET = "Quick demo (CPU)"


def preset_values(name: str, task: str = DEFAULT_TASK) -> dict:
    """The preset's values; the quick demo takes the task's own defaults (e.g. 1 epoch for generation)."""
    values = {**RunConfig().to_dict(), **PRESETS.get(name, {})}
    return {**values, **task_defaults(task)} if name == DEFAULT_PRESET else values


def apply_preset(name: str, task: str = DEFAULT_TASK):
    values = preset_values(name, task)  # a preset says nothing about the GPUs: those stay as they are
    return [gr.update() if f.name in GPU_KNOBS else gr.update(value=values[f.name]) for f in TUNED]


def change_task(task: str, preset: str):
    """The task's model list and default model, its guidance, and the preset's values for it."""
    default = get_task(task).embedded_model
    models = gr.update(choices=model_choices(task), value=default)
    return [models, describe_model(default, task), *apply_preset(preset, task)]


def model_choices(task: str) -> list[str]:
    return [name for name, _ in get_task(task).catalog]


def follow_task(current: str, task: str):
    """The Data tab's task changed: the same task here, with its models and default settings."""
    if task in ("", None, current):  # nothing new to follow
        return [gr.update()] * (2 + len(TUNED))
    model, _, *knobs = change_task(task, DEFAULT_PRESET)
    return [gr.update(value=task), model, *knobs]


def describe_model(choice: str, task: str) -> str:
    hint = get_task(task).guidance().get(choice)
    if hint:
        return hint
    return "A Hub id (downloaded when online) or a local folder with a saved model."


def config_from_widgets(task: str, model: str, *values) -> dict:
    """The Model tab's part of a RunConfig, as a dict of field values."""
    default = model == get_task(task).embedded_model  # "" in config.json: the task's embedded model
    settings = {"task": task, "model": "" if default else (model or "").strip()}
    settings.update({f.name: v for f, v in zip(TUNED, values)})
    return settings


def widgets_from_config(values: dict) -> list:
    """The reverse of config_from_widgets: a saved run's settings back into the Model tab's widgets."""
    config = RunConfig.from_dict({k: v for k, v in values.items() if k in {f.name for f in fields(RunConfig)}})
    default = get_task(config.task).embedded_model
    return [gr.update(value=config.task), gr.update(choices=model_choices(config.task), value=config.model or default),
            *[gr.update(value=getattr(config, f.name)) for f in TUNED]]


@dataclass(frozen=True)
class ModelInputs:
    """The Model tab's widgets: task, base model and every knob (TUNED's order). Iterating gives them in
    that order, the order config_from_widgets and widgets_from_config use."""
    task: gr.Dropdown
    model: gr.Dropdown
    knobs: tuple

    def __iter__(self):
        return iter((self.task, self.model, *self.knobs))

    def knob(self, name: str):
        """The widget of one RunConfig field, e.g. knob("method")."""
        return self.knobs[[f.name for f in TUNED].index(name)]


def gpu_widgets(hardware, values: dict) -> list:
    """How many of the GPUs found to train on (one process each) and whether to shard the model; hidden
    with fewer than two GPUs, where a run is one process."""
    several = hardware.gpus > 1
    by_name = {f.name: f for f in TUNED}
    processes = gr.Slider(1, max(2, hardware.gpus), value=hardware.gpus if several else 1, step=1,
                          label="GPUs to use", info=by_name["processes"].metadata["help"], visible=several,
                          elem_id="knob-processes")
    return [processes, knob_widget(by_name["fsdp"], values["fsdp"], visible=several)]


def hardware_text(hardware) -> str:
    found = f"{hardware.gpus} GPUs found" if hardware.gpus > 1 else "1 GPU found" if hardware.gpus else "no GPU found"
    return f"**Hardware:** {hardware.describe()} ({found})"


def render() -> ModelInputs:
    hardware = detect()
    gr.Markdown(hardware_text(hardware))
    with gr.Row():
        task = gr.Dropdown([(t.title, t.name) for t in TASKS.values()], value=DEFAULT_TASK, label="Task",
                           info="Classification: sentiment, topics, legal/medical/financial... "
                                "NER: names, places, drugs... marked in the text. "
                                "Generation: a language model that writes like your text.", elem_id="task")
        default = get_task(DEFAULT_TASK).embedded_model
        model = gr.Dropdown(model_choices(DEFAULT_TASK), value=default,
                            allow_custom_value=True, label="Base model",
                            info="Pick one, or type a Hub id or a local folder.", elem_id="base-model")
    model_help = gr.Markdown(describe_model(default, DEFAULT_TASK))
    preset = gr.Radio(list(PRESETS), value=DEFAULT_PRESET, label="Preset",
                      info="Quick demo: 3 epochs at a learning rate suited to small models, minutes on a "
                           "CPU. Conservative: the guide's safe start. Aggressive: for lots of data.",
                      elem_id="preset")
    values = preset_values(DEFAULT_PRESET)
    knobs = [knob_widget(f, values[f.name]) for f in TUNED if f.metadata["group"] == "method"]  # TUNED's first
    with gr.Accordion("Advanced: every setting", open=False):
        knobs += [knob_widget(f, values[f.name]) for f in TUNED if f.metadata["group"] not in ("method", "checkpoints")]
    with gr.Accordion("Checkpoints, early stopping, TensorBoard", open=False):
        knobs += [knob_widget(f, values[f.name]) for f in TUNED if f.metadata["group"] == "checkpoints"]
    knobs += gpu_widgets(hardware, values)
    model.change(describe_model, [model, task], model_help, api_visibility="private")
    preset.input(apply_preset, [preset, task], knobs, api_visibility="private")
    task.input(change_task, [task, preset], [model, model_help, *knobs], api_visibility="private")
    return ModelInputs(task, model, tuple(knobs))
