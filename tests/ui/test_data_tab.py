import pytest

from finetune.config import RunConfig
from finetune.ui import data_checks, data_loading
from finetune.ui.data_state import DataState
from tests.conftest import keyword_rows, write_csv

OUTPUTS = data_loading.OUTPUT_NAMES


def named(outputs) -> dict:
    """A handler's outputs by name; a gr.update that sets a value stands for that value."""
    return {name: out["value"] if isinstance(out, dict) and out.get("__type__") == "update" and "value" in out
            else out for name, out in zip(OUTPUTS, outputs)}


def load(path, state=None):
    return named(data_loading.load_file(str(path), state or DataState()))


def change(state, **changes):
    """The Data tab's change handler with the current settings, some of them changed."""
    settings = {**state.data_config(), **changes}
    values = {f.name: settings[f.name] for f in data_loading.SETTING_FIELDS}
    texts = settings["text_column"].split(",")
    return named((data_loading.change_settings(state, settings["task"], texts, settings["label_column"],
                                                      settings["eval_file"], settings["test_file"], None, values)))


def test_loading_a_sample_detects_columns_and_draws_balance_and_lengths():
    out = named(data_loading.load_sample("legal_medical_financial.csv", DataState()))
    assert out["state"].ready and out["state"].labels == {"financial": 120, "legal": 120, "medical": 120}
    assert out["text"] == ["text"] and out["label"] == "label"
    assert list(out["balance"].data[0].x) == ["financial", "legal", "medical"]
    assert sum(out["lengths"].data[0].y) == 360  # every text tokenized
    assert out["lengths"].layout.shapes[0].x0 == 32  # the max length training will use (p99 rounded up to 8)
    assert len(out["preview"]) == data_checks.PREVIEW_ROWS and "No problems found" in out["report"]
    assert set(out["samples"]["label"]) == {"financial", "legal", "medical"}
    assert "enough to fine-tune" not in out["report"]  # row counts never answered it: the quick panel measures


def test_baseline_runs_on_the_split_training_will_use():
    state = data_loading.load_sample("legal_medical_financial.csv", DataState())[0]
    text = data_loading.run_baseline(state)
    assert "TF-IDF + logistic regression" in text and "on the validation rows" in text
    accuracy = float(text.split("accuracy **")[1].split("**")[0])
    assert accuracy > 0.8  # templated sample data is easy for word counts too


def test_small_and_imbalanced_classes_are_warned_in_plain_words(tmp_path):
    rows = keyword_rows(per_class=150)[:165]  # 150 financial, 15 legal
    out = load(write_csv(tmp_path / "s.csv", rows))
    assert "Fewer than 100 examples" in out["report"] and "legal (15)" in out["report"]
    assert "imbalanced: the largest has 10.0x" in out["report"]
    assert out["balance"].data[0].marker.color[1] == "#d62728"  # the small class drawn in red


def test_a_tiny_file_is_ready_and_the_report_guesses_no_method_from_row_counts(tmp_path):
    out = load(write_csv(tmp_path / "t.csv", keyword_rows(per_class=12)))  # the quick panel measures zero-shot
    assert out["state"].ready and "Fine-tuning rarely beats" not in out["report"]


def test_ticking_fixes_clears_their_warnings_and_records_them_for_the_run(tmp_path):
    rows = keyword_rows(per_class=20) + [keyword_rows(per_class=20)[0]] * 3 + [("court ruling today", "Legal ")] * 12
    state = load(write_csv(tmp_path / "d.csv", rows))["state"]
    before = change(state)
    assert "repeat an earlier row" in before["report"] and "spelled more than one way" in before["report"]
    after = change(state, drop_duplicates=True, merge_label_variants=True)
    assert "repeat an earlier row" not in after["report"] and "spelled more than one way" not in after["report"]
    assert "Merged label variants" in after["report"]
    config = RunConfig.from_dict(after["state"].data_config())
    assert config.drop_duplicates and config.merge_label_variants and config.data_file.endswith("d.csv")


def test_several_text_columns_are_joined(tmp_path):
    rows = [(f"title {i}", f"body {i}", "a" if i % 2 else "b") for i in range(30)]
    state = load(write_csv(tmp_path / "m.csv", rows, header=("title", "body", "label")))["state"]
    out = change(state, text_column="title,body")
    assert out["state"].settings["text_column"] == "title,body"
    assert list(out["preview"].columns) == ["label", "title", "body"]  # the label never scrolls off


def test_a_bad_file_replaces_the_loaded_one_on_screen(tmp_path):
    good = data_loading.load_sample("legal_medical_financial.csv", DataState())[0]
    (tmp_path / "bad.csv").write_bytes(b"")
    out = load(tmp_path / "bad.csv", good)
    assert "is empty" in out["report"] and out["state"].name == "bad.csv" and not out["state"].ready
    assert out["preview"] is None and out["balance"] is None and out["details"]["visible"] is False


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(data_loading, "MAX_UPLOAD_MB", 0.001)
    out = load(write_csv(tmp_path / "big.csv", keyword_rows(per_class=30)))
    assert "the limit is 0.001 MB" in out["report"] and out["state"] == DataState()


def test_html_in_a_file_name_or_cell_is_shown_as_text(tmp_path):
    rows = [("<script>alert(1)</script>", "x")] * 12 + [("fine text", "y")] * 12
    out = load(write_csv(tmp_path / "<b>evil<b>.csv", rows))
    assert "<b>" not in out["report"] and "&lt;b&gt;evil" in out["report"]


def test_picking_other_columns_rechecks_and_blocks_a_single_class(tmp_path):
    path = write_csv(tmp_path / "c.csv", [(f"text {i}", "a" if i % 2 else "b", "same") for i in range(20)],
                     header=("text", "label", "constant"))
    state = load(path)["state"]
    out = change(state, label_column="constant")
    assert not out["state"].ready and "Only one label" in out["report"]


@pytest.mark.parametrize("texts, label, message", [([], "label", "at least one text column"),
                                                   (["label"], "label", "cannot also be a text column")])
def test_impossible_column_choices_are_explained(texts, label, message):
    state = data_loading.load_sample("legal_medical_financial.csv", DataState())[0]
    values = {f.name: state.settings[f.name] for f in data_loading.SETTING_FIELDS}
    out = named(data_loading.change_settings(state, "classification", texts, label, "", "", None, values))
    assert message in out["report"] and out["state"] == state


def test_choosing_another_model_recounts_tokens_with_its_tokenizer(tmp_path, tiny_model):
    state = data_loading.load_sample("legal_medical_financial.csv", DataState())[0]
    out = named(data_loading.change_model(state, str(tiny_model)))
    assert out["state"].model == str(tiny_model) and out["state"].ready
    before = named(data_loading.load_sample("legal_medical_financial.csv", DataState()))["lengths"].layout.annotations[0].text
    assert before == "max length 32" and out["lengths"].layout.annotations[0].text == "max length 24"
    assert "model" not in out["state"].data_config()  # the Model tab owns the model setting


def test_the_length_chart_marks_the_max_length_the_model_tab_sets(tiny_model):
    state = data_loading.load_sample("legal_medical_financial.csv", DataState())[0]
    chart = lambda out: named(out)["lengths"].layout.annotations[0].text  # noqa: E731
    assert chart(data_loading.change_model(state, str(tiny_model), "", {"max_length": 16})) == "max length 16"  # the setting
    assert chart(data_loading.change_model(state, str(tiny_model), "", {"max_length": 0})) == "max length 24"  # 0: fitted
