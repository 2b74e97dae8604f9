from finetune.config import PRESETS, RunConfig
from finetune.models.catalog import EMBEDDED
from finetune.ui import model_tab
from tests.ui.views import by_setting, model_inputs

INPUTS = model_inputs()


def widgets(task: str, model: str, values: dict | None = None) -> dict:
    """The Model tab's values by name: task, model and every knob (RunConfig's defaults unless given)."""
    return {"task": task, "model": model, **{f.name: (values or RunConfig().to_dict())[f.name] for f in model_tab.TUNED}}


def test_every_tuned_setting_has_a_widget_and_returns_to_the_config():
    settings = model_tab.config_from_widgets(widgets("classification", EMBEDDED))
    assert settings["model"] == "" and RunConfig.from_dict(settings) == RunConfig()


def test_preset_fills_its_values():
    updates = by_setting(INPUTS, model_tab.apply_preset(INPUTS, "Aggressive"))
    chosen = {name: u.get("value") for name, u in updates.items()}
    assert chosen["processes"] is None  # the GPUs to use are not a preset's business
    assert chosen["learning_rate"] == PRESETS["Aggressive"]["learning_rate"] and chosen["epochs"] == 5.0


def test_custom_model_text_is_kept_and_explained():
    settings = model_tab.config_from_widgets(widgets("classification", " distilbert-base-uncased "))
    assert settings["model"] == "distilbert-base-uncased"
    assert "internet" in model_tab.describe_model("distilbert-base-uncased", "classification")
    assert "local folder" in model_tab.describe_model("my/model", "classification")


def test_a_saved_runs_settings_fill_the_widgets_back():
    saved = RunConfig(model="/some/model", epochs=7.0, early_stopping=True, data_file="x.csv").to_dict()
    updates = model_tab.settings_updates(saved)
    values = {name: u.get("value") for name, u in updates.items()}  # the GPU knobs stay as they are (no value)
    settings = model_tab.config_from_widgets(values)
    assert settings["model"] == "/some/model" and settings["epochs"] == 7.0 and settings["early_stopping"] is True
    assert model_tab.settings_updates(RunConfig().to_dict())["model"]["value"] == EMBEDDED
    # the positional form (report.py's verdict button) follows ModelInputs' order
    assert model_tab.widgets_from_config(saved) == [updates[name] for name in INPUTS.named()]


def test_choosing_generation_lists_its_models_and_its_defaults():
    from finetune.models.catalog import EMBEDDED_LM

    answer = model_tab.change_task(INPUTS, "generation", model_tab.DEFAULT_PRESET)
    model, help_text = answer[INPUTS.model], answer[INPUTS.help]
    assert model["value"] == EMBEDDED_LM and "gpt2" in model["choices"] and "works offline" in help_text
    chosen = {name: u.get("value") for name, u in by_setting(INPUTS, answer).items() if name in INPUTS.knobs}
    assert chosen["epochs"] == 1.0 and chosen["batch_size"] == 4 and chosen["block_size"] == 256
    assert "needs internet" in model_tab.describe_model("distilgpt2", "generation")
    settings = model_tab.config_from_widgets({**chosen, "task": "generation", "model": EMBEDDED_LM})
    assert settings["model"] == "" and RunConfig.from_dict(settings).task == "generation"


def test_only_the_tasks_own_embedded_model_is_saved_as_the_default():
    from finetune.models.catalog import EMBEDDED_LM

    assert model_tab.config_from_widgets({"task": "ner", "model": EMBEDDED})["model"] == ""
    assert model_tab.config_from_widgets({"task": "ner", "model": EMBEDDED_LM})["model"] == EMBEDDED_LM  # the cased one
    assert model_tab.config_from_widgets({"task": "generation", "model": EMBEDDED})["model"] == EMBEDDED  # not SmolLM2


def test_several_gpus_show_how_many_to_use_and_one_hides_it():
    import gradio as gr

    from finetune.machine.hardware import Hardware

    four = Hardware("cuda", "NVIDIA L4", 8, 22.0, True, gpus=4)
    with gr.Blocks():
        processes, fsdp = model_tab.gpu_widgets(four, RunConfig().to_dict())
        hidden, _ = model_tab.gpu_widgets(Hardware("cpu", "CPU, 2 cores", 2, 24.0, True), RunConfig().to_dict())
    assert processes.visible and processes.maximum == 4 and processes.value == 4 and fsdp.visible
    assert not hidden.visible and hidden.value == 1
    assert "4 GPUs found" in model_tab.hardware_text(four) and "4 x NVIDIA L4" in model_tab.hardware_text(four)
    cpu = model_tab.hardware_text(Hardware("cpu", "CPU, 2 cores (AMX)", 2, 24.0, True))
    assert cpu == "**Hardware:** CPU, 2 cores (AMX), 24 GB, trains in bf16. No GPU found, so training runs on the CPU."


def test_the_preset_text_says_each_tasks_own_epochs():
    from finetune.ui import model_tab
from tests.ui.views import by_setting, model_inputs

INPUTS = model_inputs()


def widgets(task: str, model: str, values: dict | None = None) -> dict:
    """The Model tab's values by name: task, model and every knob (RunConfig's defaults unless given)."""
    return {"task": task, "model": model, **{f.name: (values or RunConfig().to_dict())[f.name] for f in model_tab.TUNED}}

    assert "Quick demo: epochs from the data (enough epochs to see about 15,000 rows, 1 to 3 epochs)" in \
        model_tab.preset_help("classification")
    assert "epochs from the data (enough epochs to see about 12,000 sentences, 1 to 10" in model_tab.preset_help("ner")
    assert "Quick demo: 1 epoch at" in model_tab.preset_help("generation")


def test_language_model_settings_show_only_for_generation():
    from finetune.ui import model_tab
from tests.ui.views import by_setting, model_inputs

INPUTS = model_inputs()


def widgets(task: str, model: str, values: dict | None = None) -> dict:
    """The Model tab's values by name: task, model and every knob (RunConfig's defaults unless given)."""
    return {"task": task, "model": model, **{f.name: (values or RunConfig().to_dict())[f.name] for f in model_tab.TUNED}}

    groups = {f.name: f.metadata["group"] for f in model_tab.TUNED}
    for task, shown in (("classification", False), ("generation", True)):
        knobs = by_setting(INPUTS, model_tab.change_task(INPUTS, task, model_tab.DEFAULT_PRESET))
        assert {k["visible"] for n, k in knobs.items() if groups.get(n) == "language_model"} == {shown}
        assert all(k["visible"] for n, k in knobs.items() if groups.get(n, "hardware") not in ("language_model", "hardware", "method"))


def test_the_method_picker_shows_only_for_a_task_that_has_methods():
    """Issue 27: the method picker (fine-tune or SetFit) showed for NER and generation."""
    from finetune.ui import model_tab
from tests.ui.views import by_setting, model_inputs

INPUTS = model_inputs()


def widgets(task: str, model: str, values: dict | None = None) -> dict:
    """The Model tab's values by name: task, model and every knob (RunConfig's defaults unless given)."""
    return {"task": task, "model": model, **{f.name: (values or RunConfig().to_dict())[f.name] for f in model_tab.TUNED}}

    groups = {f.name: f.metadata["group"] for f in model_tab.TUNED}
    for task, shown in (("classification", True), ("ner", False), ("generation", False)):
        knobs = by_setting(INPUTS, model_tab.change_task(INPUTS, task, model_tab.DEFAULT_PRESET))
        assert {k["visible"] for n, k in knobs.items() if groups.get(n) == "method"} == {shown}


def test_the_rendered_knobs_are_named_by_their_settings_so_their_values_reach_the_right_settings():
    import gradio as gr

    with gr.Blocks():
        inputs = model_tab.render()
    assert [k.elem_id for k in inputs.knobs.values()] == ["knob-" + n.replace("_", "-") for n in inputs.knobs]
    assert list(inputs.knobs) == [f.name for f in model_tab.TUNED]  # the order widgets_from_config answers in
    settings = model_tab.config_from_widgets({name: c.value for name, c in inputs.named().items()})
    RunConfig.from_dict(settings)  # before: report_to got early_stopping_patience's 3 and the estimate failed
