"""The tabs' figures and the log tail say what they show, in the run's own terms."""
from finetune.ui import figures
from finetune.ui.followed_run import tail_line
from finetune.ui.data_state import DataState

EVALS = [{"step": 5, "eval_loss": 0.9, "eval_f1": 0.4, "eval_accuracy": 0.8}]


def test_the_curve_is_titled_with_the_tasks_main_metric_not_accuracy():
    fig = figures.training_curves([{"step": 5, "loss": 1.0}], EVALS, "eval_f1")
    assert "f1" in {t.name for t in fig.data} and "accuracy" not in {t.name for t in fig.data}
    assert fig.layout.yaxis2.title.text == "f1"


def test_the_recommended_line_has_no_label_over_the_bars():
    fig = figures.label_balance({"a": 120, "b": 40})
    assert not fig.layout.annotations and "100 rows per label" in fig.layout.title.text


def test_many_labels_are_sorted_without_numbers_on_the_bars():
    counts = {f"intent_{i}": i for i in range(77)}
    fig = figures.label_balance(counts)
    assert fig.data[0].x[0] == "intent_76" and fig.data[0].text is None and fig.layout.height > 320


def test_the_log_tail_leaves_out_timings():
    line = tail_line({"event": "eval", "time": 0, "step": 5, "eval_loss": 0.5, "eval_model_preparation_time": 0.014,
                      "eval_runtime": 1.0, "eval_samples_per_second": 9.0})
    assert "loss 0.5000" in line and "preparation" not in line and "per_second" not in line


def test_a_png_renamed_csv_is_not_a_text_file(tmp_path):
    from finetune.ui import data_loading
    from tests.ui.test_data_tab import named

    (tmp_path / "chart.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    out = named(data_loading.load_file(str(tmp_path / "chart.csv"), DataState()))
    assert "chart.csv is not a text file: it looks like a PNG image" in out["report"] and "PNG" in out["report"]
