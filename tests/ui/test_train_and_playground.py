"""The Train and Playground tabs' handlers, called directly, on the tiny model."""
import time

import gradio as gr
import pytest

from finetune.control import processes
from finetune.config import RunConfig
from finetune.ui import data_loading, model_tab, playground_tab, train_tab, visitor
from finetune.ui.followed_run import FollowedRun
from finetune.ui.data_state import DataState
from tests.ui.views import train_view

VIEW = train_view()


def model_settings(config: RunConfig, task: str = "classification") -> dict:
    """The Model tab's values by name, as views.by_name hands them to a handler."""
    return {"task": task, "model": config.model, **{f.name: config.to_dict()[f.name] for f in model_tab.TUNED}}


def start(data, config: RunConfig, run=None, task="classification", token=None) -> dict:
    """Start as the button does (as a fresh visitor unless `token` says who); the handler's answer, by component."""
    token = token or visitor.issue(None)
    return train_tab.start_training(VIEW, data, run or FollowedRun(), token, model_settings(config, task))


def follow(run) -> tuple:
    """One tick: the run state after it (unchanged when the tick left it out), and the tick's answer."""
    outputs = train_tab.follow_run(VIEW, run)
    return outputs.get(VIEW.run, run), outputs


def follow_to_end(run, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        run, outputs = follow(run)
        if not outputs[VIEW.timer].active:
            return run, outputs
        time.sleep(0.5)
    raise AssertionError("run did not end")


@pytest.fixture
def loaded(keyword_csv):
    return data_loading.load_file(str(keyword_csv), DataState())[0]


def test_start_follow_and_predict(runs_dir, loaded, fast_config):
    started = start(loaded, fast_config)
    run = started[VIEW.run]
    saved = train_tab.remember_run(run, {"run_dir": None, "runs": ["/older/run"]})
    assert started[VIEW.timer].active and saved == {"run_dir": run.run_dir, "runs": ["/older/run", run.run_dir]}
    assert "Starting" in started[VIEW.status] and not started[VIEW.report.group]["visible"]
    with pytest.raises(gr.Error, match="still going"):
        start(loaded, fast_config, run)
    run, outputs = follow_to_end(run)
    status, progress, plot, tail = (outputs[c] for c in (VIEW.status, VIEW.progress, VIEW.plot, VIEW.tail))
    report_view = VIEW.report
    results, summary, per_class, matrix, mistakes, card = (outputs[c] for c in (
        report_view.group, report_view.summary, report_view.per_class, report_view.matrix, report_view.mistakes,
        report_view.card))
    playground = outputs[VIEW.playground_run]
    assert "Finished" in status and "100%" in progress
    assert len(run.logs) > 5 and run.evals, "every log and eval event was read"
    assert {t.name for t in plot.data} >= {"train loss", "train loss (smoothed)", "validation loss", "macro_f1"}
    assert "eval at step 72" in tail and "finished" in tail.splitlines()[-1]
    assert results["visible"] and "| accuracy |" in summary and list(per_class["value"]["label"]) == ["financial", "legal", "medical"]
    assert per_class["visible"] and matrix["visible"] and mistakes["visible"]
    assert list(mistakes["value"].columns) == ["text", "label", "predicted", "confidence"]
    assert "## Intended use" in card and "financial, legal, medical" in card
    run_name = playground["value"]
    assert run_name in [value for _, value in playground["choices"]]  # (shown, name): a stopped run says so
    scores = playground_tab.predict(run_name, "patient fever surgery clinic")
    assert max(scores, key=scores.get) == "medical"


def test_follow_reads_only_new_events(runs_dir, loaded, fast_config):
    run = start(loaded, fast_config)[VIEW.run]
    run, _ = follow_to_end(run)
    again, _ = follow(run)
    assert again.offset == run.offset and len(again.logs) == len(run.logs)


def test_stop_leaves_a_usable_model(runs_dir, loaded, fast_config):
    slow = fast_config.updated(epochs=50.0)
    run = start(loaded, slow)[VIEW.run]
    end = time.time() + 60
    while not run.logs and time.time() < end:
        run, _ = follow(run)
        time.sleep(0.3)
    assert "Stopping" in train_tab.stop_training(run)
    run, outputs = follow_to_end(run)
    assert "Stopped early" in outputs[VIEW.status] and outputs[VIEW.playground_run]["value"]


def test_start_without_data_says_what_to_do():
    with pytest.raises(gr.Error, match="load a file or a sample"):
        start(DataState(), RunConfig())


def test_reload_reattaches_only_to_our_own_run_folders(runs_dir, tmp_path, loaded, fast_config):
    run = start(loaded, fast_config)[VIEW.run]
    attached = train_tab.reattach(VIEW, {"run_dir": run.run_dir})
    assert attached[VIEW.run].run_dir == run.run_dir and attached[VIEW.timer].active
    refused = train_tab.reattach(VIEW, {"run_dir": str(tmp_path)})
    assert refused[VIEW.run].run_dir is None and not refused[VIEW.timer].active
    follow_to_end(run)


def test_playground_explains_missing_pieces(runs_dir):
    with pytest.raises(gr.Error, match="No trained model yet"):
        playground_tab.predict(None, "text")
    with pytest.raises(gr.Error, match="There is no run named '20990101-000000-classification-dead'"):
        playground_tab.predict("20990101-000000-classification-dead", "text")
    unfinished = runs_dir / "20990101-000000-classification-unfinished"
    unfinished.mkdir()
    (unfinished / "config.json").write_text("{}")  # started, no model saved yet
    with pytest.raises(gr.Error, match="No trained model in 20990101-000000-classification-unfinished yet"):
        playground_tab.predict(unfinished.name, "text")


def wait_for_logs(run, timeout=90):
    end = time.time() + timeout
    while not run.logs and time.time() < end:
        run, _ = follow(run)
        time.sleep(0.3)
    assert run.logs, "no loss point came"
    return run


def test_two_sessions_train_at_once_without_mixing(runs_dir, loaded, fast_config, monkeypatch):
    monkeypatch.setenv("FINETUNE_MAX_RUNS", "2")
    four_epochs = fast_config.updated(epochs=4.0)
    first, second = (start(loaded, four_epochs)[VIEW.run] for _ in range(2))
    with pytest.raises(gr.Error, match="FINETUNE_MAX_RUNS=2"):  # a third browser waits, and is told why
        start(loaded, four_epochs)
    assert len([p for p in runs_dir.iterdir() if not p.name.startswith(".")]) == 2  # no folder from the refused start (.secret is the signing key)
    first, first_out = follow_to_end(first)
    second, second_out = follow_to_end(second)
    assert first.run_dir != second.run_dir
    assert "Finished" in first_out[VIEW.status] and "Finished" in second_out[VIEW.status]
    for run in (first, second):  # each state holds its own run's events and nothing else
        events = [line for line in open(f"{run.run_dir}/events.jsonl")]
        assert len(run.logs) == sum('"event": "log"' in line for line in events)


def test_kill_reports_failed_the_tab_keeps_working_and_resume_finishes(runs_dir, loaded, fast_config):
    from finetune.runs.folder import RunPaths

    slow = fast_config.updated(epochs=15.0, eval_steps=9)
    run = start(loaded, slow)[VIEW.run]
    end = time.time() + 120
    while not any(RunPaths(run.run_dir).checkpoints.glob("checkpoint-*/trainer_state.json")) and time.time() < end:
        time.sleep(0.3)
    assert "Killed" in train_tab.kill_training(run)
    run, outputs = follow_to_end(run)
    assert "Training failed" in outputs[VIEW.status] and "ended without saying why" in outputs[VIEW.status]
    resumed = train_tab.resume_training(VIEW, run)
    assert resumed[VIEW.timer].active and "Resuming" in resumed[VIEW.status]
    run, outputs = follow_to_end(resumed[VIEW.run], timeout=240)
    assert "Finished" in outputs[VIEW.status] and "resumed_from" in RunPaths(run.run_dir).events.read_text()
    assert run.logs[0]["step"] == 1 and run.evals[-1]["step"] == 135  # one curve across the resume
    assert "step 135 of 135" in outputs[VIEW.report.summary]
    with pytest.raises(gr.Error, match="already finished"):
        train_tab.resume_training(VIEW, run)


def test_a_selected_mistake_goes_to_the_playground():
    import pandas as pd

    from finetune.ui import report

    mistakes = pd.DataFrame([["bank court", "legal", "financial", 0.9]], columns=report.MISTAKE_COLUMNS)
    event = type("Select", (), {"index": [0, 2]})()
    elsewhere = report.Elsewhere("playground_text", "tabs", [])  # stand-ins for the components: the dict's keys
    out = report.try_in_playground(elsewhere, mistakes, event)
    assert out["playground_text"] == "bank court" and out["tabs"].selected == "playground"


def test_estimate_before_start_uses_the_data_and_the_model(loaded, fast_config):
    text = train_tab.show_estimate(loaded, None, model_settings(fast_config))
    assert "Estimate" in text and "per epoch" in text and "GB" in text and "assumed" not in text
    assert "1,000 rows and the length assumed" in train_tab.show_estimate(DataState(), None, model_settings(fast_config))


def test_health_warnings_and_the_log_tail_show_while_following(runs_dir):
    from finetune.runs.events import HEALTH, LOG, STARTED, STOPPED, EventWriter

    folder = runs_dir / "20260101-000000-classification-beef"
    folder.mkdir()
    RunConfig(data_file="x.csv").save(folder / "config.json")
    events = EventWriter(folder / "events.jsonl")
    events.write(STARTED, pid=0)
    events.write(LOG, step=1, max_steps=10, epoch=0.1, loss=1.1, learning_rate=1e-4)
    events.write(HEALTH, rule="loss_not_falling", level="warning", message="The training loss has not <b>fallen</b>")
    events.write(STOPPED)
    state = train_tab.reattach(VIEW, {"run_dir": str(folder)})[VIEW.run]
    _, outputs = follow(state)
    assert not outputs[VIEW.timer].active and "Stopped early" in outputs[VIEW.status]
    assert "**Warning:** The training loss has not &lt;b&gt;fallen&lt;/b&gt;" in outputs[VIEW.health]  # shown, and as text
    tail = outputs[VIEW.tail]
    assert "step 1/10 loss 1.1000" in tail and tail.endswith("stopped")


def test_classes_too_small_to_fine_tune_can_still_train_with_setfit(runs_dir, tmp_path, tiny_model, monkeypatch):
    from tests.conftest import keyword_rows, write_csv

    # checked for fine-tuning (under the default, auto, 6 rows per class train the quick probe)
    finetune_state = DataState(settings={"method": "finetune"})
    loaded = data_loading.load_file(str(write_csv(tmp_path / "few.csv", keyword_rows(per_class=6))), finetune_state)
    state = loaded.state
    assert not state.ready and state.few_shot_ready and "train with SetFit" in loaded.report
    config = RunConfig(model=tiny_model, epochs=1.0)
    with pytest.raises(gr.Error, match="pick SetFit"):
        start(state, config)
    started = []
    monkeypatch.setattr(processes, "start_run", lambda config, run_dir, owner: started.append(config))  # gate.start_run's launch
    start(state, config.updated(method="setfit"))
    assert started and started[0].method == "setfit"
    rows = keyword_rows(per_class=12)
    rows = [r for r in rows if r[1] != "legal"] + [r for r in rows if r[1] == "legal"][:3]  # 3: too few for SetFit
    too_few = data_loading.load_file(str(write_csv(tmp_path / "fewer.csv", rows)), finetune_state)
    assert not too_few.state.few_shot_ready and "train with SetFit" not in too_few.report
