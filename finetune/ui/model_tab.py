"""Model tab: task, base model, preset and every hyperparameter, with the hardware it will run on.

The widgets are built from RunConfig's field metadata, so a new config field shows up here with its
range and help, and `config_from_widgets` turns the values back into a RunConfig. ModelInputs names each widget
by its field: handlers get the values and answer the updates by name.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import gradio as gr

from ..config import PRESETS, RunConfig, task_defaults
from ..machine.hardware import detect
from ..tasks import DEFAULT_TASK, TASKS, get_task
from .knobs import knob_widget, widget_value
from .views import bind

# Data settings live in the Data tab; "language_model" knobs only matter for text generation. Checkpoint knobs
# come next: they sit in their own accordion below the others. Then how many GPUs to use (shown with several);
# several machines are a command-line matter (README, Bigger hardware).
GPU_KNOBS = ("processes", "fsdp")
_ORDER = {"checkpoints": 1, "hardware": 2}
TUNED = sorted((f for f in fields(RunConfig) if f.metadata["group"] in ("method", "training", "language_model", "checkpoints")
                or f.name in GPU_KNOBS), key=lambda f: _ORDER.get(f.metadata["group"], 0))
DEFAULT_PRESET = "Quick demo (CPU)"


@dataclass(frozen=True)
class ModelInputs:
    """The Model tab's widgets: task, base model and every knob by its RunConfig field name (TUNED's order,
    which iterating follows too); `help` is the model's description below them."""
    task: gr.Dropdown
    model: gr.Dropdown
    knobs: dict
    help: gr.Markdown = None

    def __iter__(self):
        return iter((self.task, self.model, *self.knobs.values()))

    def knob(self, name: str):
        """The widget of one RunConfig field, e.g. knob("method")."""
        return self.knobs[name]

    def named(self) -> dict:
        """The inputs by name: "task", "model" and the knobs' field names (views.by_name's `named`)."""
        return {"task": self.task, "model": self.model, **self.knobs}

    def updates(self, by_name: dict) -> dict:
        """{name: update} as {component: update}, a handler's answer."""
        named = self.named()
        return {named[name]: update for name, update in by_name.items()}


def preset_values(name: str, task: str = DEFAULT_TASK) -> dict:
    """The preset's values; the quick demo takes the task's own defaults (e.g. 1 epoch for generation)."""
    values = {**RunConfig().to_dict(), **PRESETS.get(name, {})}
    return {**values, **task_defaults(task)} if name == DEFAULT_PRESET else values


def apply_preset(view: ModelInputs, name: str, task: str = DEFAULT_TASK) -> dict:
    values = preset_values(name, task)  # a preset says nothing about the GPUs: those stay as they are
    return view.updates(knob_updates(values, task))


def knob_updates(values: dict, task: str) -> dict:
    """Every knob set to `values`, by field name (the GPU knobs left as they are); the language-model knobs
    shown only for a task that generates text."""
    return {f.name: gr.update() if f.name in GPU_KNOBS else
            gr.update(value=widget_value(f, values[f.name]), visible=shown_for(f, task)) for f in TUNED}


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


def task_updates(task: str, preset: str) -> dict:
    """The task's model list and default model, and the preset's values for it, by setting name."""
    default = get_task(task).embedded_model
    return {"model": gr.update(choices=model_choices(task), value=default), **knob_updates(preset_values(preset, task), task)}


def change_task(view: ModelInputs, task: str, preset: str) -> dict:
    """The task's models, its guidance, and the preset's values for it."""
    return {**view.updates(task_updates(task, preset)), view.help: describe_model(get_task(task).embedded_model, task)}


def show_preset_help(task: str):
    return gr.update(info=preset_help(task))


def model_choices(task: str) -> list[str]:
    return [name for name, _ in get_task(task).catalog]


def follow_task(view: ModelInputs, current: str, task: str) -> dict:
    """The Data tab's task changed: the same task here, with its models and default settings."""
    if task in ("", None, current):  # nothing new to follow (an empty dict would read as one value)
        return {view.task: gr.update()}
    return view.updates({"task": gr.update(value=task), **task_updates(task, DEFAULT_PRESET)})


def describe_model(choice: str, task: str) -> str:
    hint = get_task(task).guidance().get(choice)
    if hint:
        return hint
    return "A Hub id (downloaded when online) or a local folder with a saved model."


def config_from_widgets(values: dict) -> dict:
    """The Model tab's part of a RunConfig from its widgets' values by name (task, model, TUNED's fields)."""
    task, model = values["task"], values.get("model")
    default = model == get_task(task).embedded_model  # "" in config.json: the task's embedded model
    settings = {"task": task, "model": "" if default else (model or "").strip()}
    settings.update({f.name: values[f.name] for f in TUNED if f.name in values})
    return settings


def settings_updates(values: dict) -> dict:
    """The reverse of config_from_widgets: a saved run's settings as updates of the Model tab's widgets, by
    name (ModelInputs.updates turns the names into the components)."""
    config = RunConfig.from_dict({k: v for k, v in values.items() if k in {f.name for f in fields(RunConfig)}})
    default = get_task(config.task).embedded_model
    return {"task": gr.update(value=config.task),
            "model": gr.update(choices=model_choices(config.task), value=config.model or default),
            **knob_updates(config.to_dict(), config.task)}


def widgets_from_config(values: dict) -> list:
    """settings_updates in ModelInputs' order, for a listener whose outputs are [*model_inputs, ...]."""
    return list(settings_updates(values).values())


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


def render() -> ModelInputs:
    """The tab's widgets (ui/__init__.py adds the "Find good settings" panel below them)."""
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

    def widgets(chosen) -> dict:  # the language-model knobs wait for a task that generates text
        return {f.name: knob_widget(f, values[f.name], visible=shown_for(f, DEFAULT_TASK)) for f in TUNED if chosen(f)}

    knobs = widgets(lambda f: f.metadata["group"] == "method")  # TUNED's first
    with gr.Accordion("Advanced: every setting", open=False):  # the GPU knobs come last (gpu_widgets)
        knobs.update(widgets(lambda f: f.metadata["group"] not in ("method", "checkpoints") and f.name not in GPU_KNOBS))
    with gr.Accordion("Checkpoints, early stopping, tracking (TensorBoard, trackio, W&B, MLflow)", open=False):
        knobs.update(widgets(lambda f: f.metadata["group"] == "checkpoints"))
    knobs.update(zip(GPU_KNOBS, gpu_widgets(hardware, values)))
    inputs = ModelInputs(task, model, {f.name: knobs[f.name] for f in TUNED}, model_help)
    model.change(describe_model, [model, task], model_help, api_visibility="private")
    preset.input(bind(apply_preset, inputs), [preset, task], list(knobs.values()), api_visibility="private")
    task.input(bind(change_task, inputs), [task, preset], [model, model_help, *knobs.values()], api_visibility="private")
    task.change(show_preset_help, task, preset, api_visibility="private")  # also when the Data tab sets the task
    return inputs
