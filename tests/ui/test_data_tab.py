import gradio as gr

from finetune.ui import data_tab
from tests.conftest import keyword_rows, write_csv


def test_loading_a_sample_detects_columns_and_draws_balance():
    state, preview, chart, report, details, text_col, label_col = data_tab.load_sample(
        "legal_medical_financial.csv", {})
    assert state["ready"] and state["labels"] == {"financial": 120, "legal": 120, "medical": 120}
    assert text_col["value"] == "text" and label_col["value"] == "label"
    assert list(chart.data[0].x) == ["financial", "legal", "medical"]
    assert len(preview) == data_tab.PREVIEW_ROWS and "No problems found" in report


def test_small_and_imbalanced_classes_are_warned_in_plain_words(tmp_path):
    rows = keyword_rows(per_class=40)[:55]  # 40 financial, 15 legal
    state, *_, report, _, _, _ = data_tab.load_file(str(write_csv(tmp_path / "s.csv", rows)), {})
    assert "Fewer than 100 examples" in report and "legal (15)" in report


def test_bad_file_shows_why_and_keeps_the_loaded_data(tmp_path):
    good, *_ = data_tab.load_sample("legal_medical_financial.csv", {})
    (tmp_path / "bad.csv").write_bytes(b"")
    state, preview, chart, report, *rest = data_tab.load_file(str(tmp_path / "bad.csv"), good)
    assert state == good and "is empty" in report
    assert preview == gr.update() and chart == gr.update()


def test_html_in_a_file_name_or_cell_is_shown_as_text(tmp_path):
    rows = [("<script>alert(1)</script>", "x")] * 6 + [("fine text", "y")] * 6
    *_, report, _, _, _ = data_tab.load_file(str(write_csv(tmp_path / "<b>evil<b>.csv", rows)), {})
    assert "<b>" not in report and "&lt;b&gt;evil" in report


def test_picking_other_columns_rechecks(tmp_path):
    path = write_csv(tmp_path / "c.csv", [(f"text {i}", "a" if i % 2 else "b", "same") for i in range(20)],
                     header=("text", "label", "constant"))
    state, *_ = data_tab.load_file(str(path), {})
    state, _, _, report, _ = data_tab.change_columns(state, "text", "constant")
    assert not state["ready"] and "Only one label" in report
