"""Model tab: task, base model, preset and every hyperparameter, with the hardware it will run on.

The widgets are built from RunConfig's field metadata, so a new config field shows up here with its
range and help, and `config_from_widgets` turns the values back into a RunConfig.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import gradio as gr

from ..config import PRESETS, RunConfig, task_defaults
from ..machine.hardware import detect
from ..tasks import DEFAULT_TASK, TASKS, get_task
from .knobs import knob_widget, widget_value

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
    return knob_updates(values, task)


def knob_updates(values: dict, task: str) -> list:
    """Every knob set to `values` (the GPU knobs left as they are); the language-model knobs shown only for
    a task that generates text."""
    return [gr.update() if f.name in GPU_KNOBS else
            gr.update(value=widget_value(f, values[f.name]), visible=shown_for(f, task)) for f in TUNED]


def shown_for(f, task: str) -> bool:
    """A knob applies to the task: the language-model ones to generation, the method (SetFit) to the tasks
    that have one (issue 27: the method picker showed for NER and generation)."""
    task = get_task(task)
    group = f.metadata["group"]
    return (task.generates_text or group != "language_model") and (task.few_shot or group != "method")


def preset_help(task: str) -> str:
    """The presets in words, with the numbers the Quick demo really uses for this task."""
    quick = preset_values(DEFAULT_PRESET, task)
    epochs = f"{quick['epochs']:g} epoch{'' if quick['epochs'] == 1 else 's'}" if quick["epochs"] else \
        f"epochs from the data ({get_task(task).length.describe()})"
    return (f"Quick demo: {epochs} at learning rate {quick['learning_rate']:g}, suited to this task's small "
            "models, minutes on a CPU. Conservative: the guide's safe start. Aggressive: for lots of data.")


def change_task(task: str, preset: str):
    """The task's model list and default model, its guidance, and the preset's values for it."""
    default = get_task(task).embedded_model
    models = gr.update(choices=model_choices(task), value=default)
    return [models, describe_model(default, task), *apply_preset(preset, task)]


def show_preset_help(task: str):
    return gr.update(info=preset_help(task))


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
            *knob_updates(config.to_dict(), config.task)]


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
    found = f"{hardware.gpus} GPUs found" if hardware.gpus > 1 else "1 GPU found" if hardware.gpus else \
        "No GPU found, so training runs on the CPU"
    return f"**Hardware:** {hardware.describe()}. {found}."


def render(data_state=None, token=None) -> ModelInputs:
    """The tab's widgets; with the Data tab's state it also holds the "Find good settings" panel."""
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
                      info=preset_help(DEFAULT_TASK),
                      elem_id="preset")
    values = preset_values(DEFAULT_PRESET)
    knobs = [knob_widget(f, values[f.name]) for f in TUNED if f.metadata["group"] == "method"]  # TUNED's first
    with gr.Accordion("Advanced: every setting", open=False):
        knobs += [knob_widget(f, values[f.name]) for f in TUNED  # the GPU knobs come last (gpu_widgets)
                  if f.metadata["group"] not in ("method", "checkpoints") and f.name not in GPU_KNOBS]
        for f, knob in zip(TUNED, knobs):  # the language-model knobs wait for a task that generates text
            knob.visible = shown_for(f, DEFAULT_TASK)
    with gr.Accordion("Checkpoints, early stopping, tracking (TensorBoard, trackio, W&B, MLflow)", open=False):
        knobs += [knob_widget(f, values[f.name]) for f in TUNED if f.metadata["group"] == "checkpoints"]
    knobs += gpu_widgets(hardware, values)
    model.change(describe_model, [model, task], model_help, api_visibility="private")
    preset.input(apply_preset, [preset, task], knobs, api_visibility="private")
    task.input(change_task, [task, preset], [model, model_help, *knobs], api_visibility="private")
    task.change(show_preset_help, task, preset, api_visibility="private")  # also when the Data tab sets the task
    inputs = ModelInputs(task, model, tuple(knobs))
    if data_state is not None:
        from . import search_panel  # it reads this module's widget mapping

        search_panel.render(data_state, inputs, token)
    return inputs
