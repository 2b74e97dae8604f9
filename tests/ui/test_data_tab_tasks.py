"""The Data tab for NER and generation data: the task picks the check, and a run starts from the UI."""
import gradio as gr
import pytest

from finetune.config import RunConfig
from finetune.ui import data_loading, model_tab, train_tab
from finetune.ui.data_state import DataState
from tests.conftest import STORY, ner_rows, write_ner_jsonl
from tests.ui.test_data_tab import named
from tests.ui.test_train_and_playground import VIEW, follow_to_end, model_settings, start
from tests.ui.views import by_setting, model_inputs


def test_an_ner_sample_switches_the_task_and_highlights_its_entities():
    out = named(data_loading.load_sample("ner_sample.jsonl", DataState()))
    assert out["task"] == "ner" and out["state"].ready and out["state"].task == "ner"
    assert set(out["state"].labels) >= {"PER", "ORG", "LOC", "DRUG"}
    assert "Entities per type" in out["report"] and out["balance"].layout.title.text.startswith("Entities per type")
    preview = out["entities"]
    assert preview["entities"] and all(preview["text"][e["start"]:e["end"]].strip() for e in preview["entities"])
    assert out["fixes"]["visible"] is False and out["lengths"] is None  # classification's pictures give way
    # NER finds its own columns: no empty pickers; its Examples tab lists sentences with their entities
    raw = data_loading.load_sample("ner_sample.jsonl", DataState())
    assert raw.text["visible"] is False and raw.label["visible"] is False
    examples = out["samples"]
    assert list(examples.columns) == ["sentence", "text", "entities"] and len(examples) == len(preview["text"].split("\n"))
    assert all("(" in e for e in examples["entities"] if e != "none")


def test_a_classification_file_shows_its_pickers_again_after_ner():
    data_loading.load_sample("ner_sample.jsonl", DataState())
    raw = data_loading.load_sample("legal_medical_financial.csv", DataState())
    assert raw.text["visible"] is True and raw.text["value"] == ["text"] and raw.label["visible"] is True


def test_conll_with_a_broken_sentence_is_blocked_with_its_number(tmp_path):
    path = tmp_path / "broken.conll"
    path.write_text("-DOCSTART- O\n\nAna B-PER\nworks O\n\n" * 12 + "Bob B-PER\nI-XYZ-\n\n")
    out = named(data_loading.load_file(str(path), DataState()))
    assert out["task"] == "ner" and not out["state"].ready and "**Blocking:**" in out["report"]


def test_a_generation_sample_shows_examples_and_its_text_mode():
    out = named(data_loading.load_sample("support_replies.jsonl", DataState()))
    assert out["task"] == "generation" and out["state"].ready
    assert "examples" in out["report"] and "prompt" in out["report"] and len(out["samples"]) > 0
    assert out["text_mode"]["visible"] is True and out["balance"] is None


def test_switching_the_task_rechecks_the_same_file(tmp_path):
    state = named(data_loading.load_sample("product_reviews_sentiment.csv", DataState()))["state"]
    assert state.ready and state.task == "classification"
    out = named(data_loading.change_model(state, "", "generation"))  # its text column is text to learn from
    assert out["state"].task == "generation" and out["task"] == "generation"
    assert "tokens" in out["report"] and out["fixes"]["visible"] is False


def test_a_text_file_checked_as_classification_says_to_pick_the_task_first(tmp_path):
    (tmp_path / "story.txt").write_text(STORY)
    out = named(data_loading.load_file(str(tmp_path / "story.txt"), DataState()))
    assert "Text generation data" in out["report"] and out["switch"] == "Switch to Text generation and check story.txt"
    assert not out["state"].ready and out["state"].suggest == "generation"


def test_the_model_tab_follows_the_data_tabs_task():
    inputs = model_inputs()
    updates = by_setting(inputs, model_tab.follow_task(inputs, "classification", "ner"))
    assert updates["task"]["value"] == "ner" and "bert-base-cased" in updates["model"]["choices"]
    assert updates["epochs"]["value"] == 0.0  # from the data
    assert all(u == gr.update() for u in model_tab.follow_task(inputs, "ner", "ner").values())


def test_an_ner_run_starts_from_the_ui_and_a_task_mismatch_is_refused(runs_dir, tmp_path, tiny_ner_model):
    path = write_ner_jsonl(tmp_path / "ner.jsonl", ner_rows(120))
    state = data_loading.load_file(str(path), DataState(task="ner"))[0]
    config = RunConfig(task="ner", model=tiny_ner_model, freeze_embeddings=False, epochs=1.0, batch_size=16, learning_rate=3e-3,
                       precision="fp32")
    with pytest.raises(gr.Error, match="Pick the same task"):
        start(state, config, task="classification")
    run, outputs = follow_to_end(start(state, config, task="ner")[VIEW.run])
    assert "Finished" in outputs[VIEW.status] and "| f1 |" in outputs[VIEW.report.summary]


def test_a_generation_run_starts_from_the_ui_and_reports_perplexity(runs_dir, tmp_path, tiny_gpt2):
    (tmp_path / "story.txt").write_text(STORY)
    state = data_loading.load_file(str(tmp_path / "story.txt"), DataState(task="generation"))[0]
    assert state.ready
    config = RunConfig(task="generation", model=tiny_gpt2, epochs=1.0, batch_size=4, learning_rate=3e-3,
                       block_size=32, precision="fp32")
    assert "per epoch" in train_tab.show_estimate(state, None, model_settings(config, "generation"))
    run, outputs = follow_to_end(start(state, config, task="generation")[VIEW.run])
    plot, summary, per_class = outputs[VIEW.plot], outputs[VIEW.report.summary], outputs[VIEW.report.per_class]
    assert "Finished" in outputs[VIEW.status] and "| perplexity |" in summary and "base model" in summary
    assert per_class["visible"] is False and any("loss" in t.name for t in plot.data)


def test_a_table_first_checked_as_ner_finds_its_columns_when_switched_to_classification():
    state = named(data_loading.load_file(str(data_loading.SAMPLES_DIR / "legal_medical_financial.csv"),
                                     DataState(task="ner")))["state"]
    assert not state.ready  # no entity spans in it
    out = named(data_loading.change_settings(state, "classification", [], None, None, None, None,
                                         {f.name: state.settings[f.name] for f in data_loading.SETTING_FIELDS}))
    assert out["state"].ready and out["text"] == ["text"] and out["label"] == "label"
