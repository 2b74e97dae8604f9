"""Task and file on the Data tab always belong together: a task switch, a wrong-task file, a cleared file."""
from finetune.ui import data_loading
from finetune.ui.data_state import DataState
from tests.conftest import keyword_rows, ner_rows, write_csv, write_ner_jsonl
from tests.ui.test_data_tab import named


def test_an_upload_is_checked_as_the_task_on_screen_not_the_previous_files(tmp_path):
    ner = named(data_loading.load_sample("ner_sample.jsonl", DataState()))
    switched = named(data_loading.change_settings(ner["state"], "classification", [], "", None, None, None,
                                              {f.name: ner["state"].settings[f.name] for f in data_loading.SETTING_FIELDS}))
    assert switched["state"].task == "classification"  # the NER file fails, the choice stays
    cleared = named(data_loading.clear_file(switched["state"]))
    out = named(data_loading.load_file(str(write_csv(tmp_path / "c.csv", keyword_rows())), cleared["state"],
                                   "classification"))
    assert out["task"] == "classification" and out["state"].ready, out["report"]


def test_the_picker_wins_over_a_stale_state(tmp_path):
    ner = named(data_loading.load_sample("ner_sample.jsonl", DataState()))["state"]
    out = named(data_loading.load_file(str(write_csv(tmp_path / "c.csv", keyword_rows())), ner, "classification"))
    assert out["state"].task == "classification" and out["state"].ready


def test_a_wrong_task_file_clears_the_old_one_and_offers_the_switch_in_one_click(tmp_path):
    old = named(data_loading.load_sample("product_reviews_sentiment.csv", DataState()))["state"]
    path = write_ner_jsonl(tmp_path / "tweets.jsonl", ner_rows(60))
    out = named(data_loading.load_file(str(path), old, "classification"))
    assert out["report"].startswith("**Error:**") and "Named entities (NER) data" in out["report"]
    assert out["balance"] is None and out["samples"] is None and out["details"]["visible"] is False
    assert out["text"] == [] and out["label"] is None  # the old file's column pickers go too
    assert out["state"].name == "tweets.jsonl" and out["switch"] == "Switch to Named entities (NER) and check tweets.jsonl"
    switched = named(data_loading.switch_task(out["state"]))
    assert switched["task"] == "ner" and switched["state"].ready and "tweets.jsonl" in switched["report"]
    assert switched["switch"]["visible"] is False


def test_choosing_the_right_task_after_a_wrong_file_checks_that_file(tmp_path):
    old = named(data_loading.load_sample("product_reviews_sentiment.csv", DataState()))["state"]
    failed = named(data_loading.load_file(str(write_ner_jsonl(tmp_path / "t.jsonl", ner_rows(60))), old,
                                      "classification"))["state"]
    out = named(data_loading.change_model(failed, "", "ner"))  # the Model tab's task, or the Data tab's picker
    assert out["state"].ready and "t.jsonl" in out["report"] and "product_reviews" not in out["report"]


def test_start_with_an_unusable_file_says_what_blocks_it(tmp_path):
    import gradio as gr
    import pytest

    from finetune.ui import train_tab
    from tests.ui.test_train_and_playground import VIEW

    (tmp_path / "empty.csv").write_bytes(b"")
    state = named(data_loading.load_file(str(tmp_path / "empty.csv"), DataState(), "classification"))["state"]
    with pytest.raises(gr.Error, match="problem that blocks training"):
        train_tab.start_training(VIEW, state, train_tab.FollowedRun(), None, {"task": "classification", "model": ""})
