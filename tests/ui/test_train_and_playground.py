"""The Train and Playground tabs' handlers, called directly, on the tiny model."""
import time

import gradio as gr
import pytest

from finetune.config import RunConfig
from finetune.ui import data_tab, model_tab, playground_tab, train_tab


def knob_values(config: RunConfig):
    return [config.to_dict()[f.name] for f in model_tab.TUNED]


def follow_to_end(run, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        outputs = train_tab.follow_run(run)
        run, timer = outputs[0], outputs[1]
        if not timer.active:
            return run, outputs
        time.sleep(0.5)
    raise AssertionError("run did not end")


@pytest.fixture
def loaded(keyword_csv):
    return data_tab.load_file(str(keyword_csv), {})[0]


def test_start_follow_and_predict(runs_dir, loaded, fast_config):
    run, timer, saved, status, _ = train_tab.start_training(loaded, {}, "classification", fast_config.model,
                                                            *knob_values(fast_config))
    assert timer.active and saved["run_dir"] == run["run_dir"] and "Starting" in status
    with pytest.raises(gr.Error, match="still going"):
        train_tab.start_training(loaded, run, "classification", fast_config.model, *knob_values(fast_config))
    run, outputs = follow_to_end(run)
    _, _, status, progress, plot, results, summary, per_class, matrix, playground = outputs
    assert "Finished" in status and "100%" in progress
    assert len(run["logs"]) > 5 and run["evals"], "every log and eval event was read"
    assert {t.name for t in plot.data} >= {"train loss", "validation loss", "accuracy"}
    assert results["visible"] and "accuracy" in summary and list(per_class["label"]) == ["financial", "legal", "medical"]
    run_name = playground["value"]
    assert run_name in playground["choices"]
    scores = playground_tab.predict(run_name, "patient fever surgery clinic")
    assert max(scores, key=scores.get) == "medical"


def test_follow_reads_only_new_events(runs_dir, loaded, fast_config):
    run, *_ = train_tab.start_training(loaded, {}, "classification", fast_config.model, *knob_values(fast_config))
    run, _ = follow_to_end(run)
    again = train_tab.follow_run(run)[0]
    assert again["offset"] == run["offset"] and len(again["logs"]) == len(run["logs"])


def test_stop_leaves_a_usable_model(runs_dir, loaded, fast_config):
    slow = fast_config.updated(epochs=50.0)
    run, *_ = train_tab.start_training(loaded, {}, "classification", slow.model, *knob_values(slow))
    end = time.time() + 60
    while not run["logs"] and time.time() < end:
        run = train_tab.follow_run(run)[0]
        time.sleep(0.3)
    assert "Stopping" in train_tab.stop_training(run)
    run, outputs = follow_to_end(run)
    assert "Stopped early" in outputs[2] and outputs[-1]["value"]


def test_start_without_data_says_what_to_do():
    with pytest.raises(gr.Error, match="load a file or a sample"):
        train_tab.start_training({}, {}, "classification", "", *knob_values(RunConfig()))


def test_reload_reattaches_only_to_our_own_run_folders(runs_dir, tmp_path, loaded, fast_config):
    run, *_ = train_tab.start_training(loaded, {}, "classification", fast_config.model, *knob_values(fast_config))
    state, timer = train_tab.reattach({"run_dir": run["run_dir"]})
    assert state["run_dir"] == run["run_dir"] and timer.active
    state, timer = train_tab.reattach({"run_dir": str(tmp_path)})
    assert state["run_dir"] is None and not timer.active
    follow_to_end(state if state["run_dir"] else run)


def test_playground_explains_missing_pieces(runs_dir):
    with pytest.raises(gr.Error, match="No trained model yet"):
        playground_tab.predict(None, "text")
    with pytest.raises(gr.Error, match="No trained run named"):
        playground_tab.predict("20990101-000000-classification-dead", "text")
