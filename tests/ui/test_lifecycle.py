"""Issue 27's lifecycle: a delete takes two clicks and every screen lets go of the deleted run; actions on a
missing run answer in one plain sentence; stopped runs and search trials say so and are never preselected."""
import json

import gradio as gr
import pytest

from finetune.config import RunConfig
from finetune.runs.events import EVAL, FINISHED, LOG, STARTED, STOPPED, EventWriter
from finetune.runs.folder import RunPaths
from finetune.ui import playground_tab, runs_panel, train_tab
from finetune.ui.followed_run import FollowedRun, follow
from finetune.ui.data_state import DataState
from tests.ui.views import runs_view, train_view

RUNS, TRAIN = runs_view(), train_view()


def fake_run(folder, ended=FINISHED, accuracy=0.9, model=True):
    paths = RunPaths(folder)
    paths.root.mkdir(parents=True)
    RunConfig(data_file="x.csv").save(paths.config)
    events = EventWriter(paths.events)
    events.write(STARTED, pid=0)
    events.write(LOG, step=5, max_steps=10, loss=0.5)
    events.write(EVAL, step=5, max_steps=10, eval_loss=0.3, eval_macro_f1=accuracy)
    paths.results.write_text(json.dumps({"task": "classification", "status": ended, "main_metric": "macro_f1",
                                         "steps": 5, "max_steps": 10, "metrics": {"macro_f1": accuracy}}))
    if model:
        (paths.model).mkdir()
        (paths.model / "config.json").write_text("{}")
    events.write(ended)
    return paths.root


def test_delete_asks_first_then_deletes_and_names_the_run_for_the_other_screens(runs_dir):
    name = "20260101-000000-classification-aaaa"
    fake_run(runs_dir / name)
    asked = runs_panel.ask_delete(RUNS, name)
    assert asked[RUNS.confirm_row]["visible"] and "for good" in asked[RUNS.message]
    assert (runs_dir / name).is_dir()  # the first click deletes nothing
    assert "Nothing was deleted" in runs_panel.cancel_delete(RUNS)[RUNS.message]
    done = runs_panel.delete(RUNS, name, {}, False)
    assert not (runs_dir / name).exists() and done[RUNS.deleted] == name
    assert not done[RUNS.confirm_row]["visible"] and list(done[RUNS.table]["run"]) == []


def test_the_train_tab_and_the_playground_let_go_of_a_deleted_run(runs_dir):
    """Issue 27: the Train tab kept showing the deleted run."""
    kept, gone = fake_run(runs_dir / "20260101-000000-classification-keep"), \
        fake_run(runs_dir / "20260102-000000-classification-gone")
    followed = follow(str(gone))
    runs_panel.delete(RUNS, gone.name, {}, False)
    outputs = train_tab.let_go(TRAIN, gone.name, followed)
    assert outputs[TRAIN.run] == FollowedRun() and not outputs[TRAIN.timer].active
    assert "was deleted" in outputs[TRAIN.status] and str(runs_dir) not in outputs[TRAIN.status]
    assert not outputs[TRAIN.report.group]["visible"] and outputs[TRAIN.plot] is None
    playground = outputs[TRAIN.playground_run]
    assert [value for _, value in playground["choices"]] == [kept.name] and playground["value"] == kept.name
    other = train_tab.let_go(TRAIN, gone.name, follow(str(kept)))  # a tab on another run keeps it
    assert TRAIN.run not in other


def test_resume_and_stop_on_a_deleted_run_answer_in_one_plain_sentence(runs_dir):
    """Issue 27: Resume on a deleted run answered with a raw Errno 2 and a server path."""
    folder = fake_run(runs_dir / "20260101-000000-classification-dead", ended=STOPPED)
    followed = follow(str(folder))
    runs_panel.delete(RUNS, folder.name, {}, False)
    with pytest.raises(gr.Error) as raised:
        train_tab.resume_training(TRAIN, followed)
    message = str(raised.value.message)  # the gate's answer (or runs.must_exist's, where no gate asks first)
    assert folder.name in message and message.count(". ") <= 1
    assert "Errno" not in message and str(runs_dir) not in message
    stopped = train_tab.stop_training(followed)
    assert "no longer exists" in stopped and "Errno" not in stopped


def test_stopped_runs_and_trials_are_labelled_and_never_preselected(runs_dir):
    """Issue 27: runs listed a stopped trial as finished; the Playground preselected it (the newest)."""
    fake_run(runs_dir / "20260101-000000-classification-done")
    fake_run(runs_dir / "20260102-000000-classification-half", ended=STOPPED)
    search = runs_dir / "20260103-000000-search-ab12"
    fake_run(search / "trial-000")  # its own files say finished
    (search / "sweep.json").write_text(json.dumps({"status": "finished", "trials": [
        {"number": 0, "run": "trial-000", "params": {}, "state": "stopped"}]}))
    options = playground_tab.run_options()
    assert options == [("20260103-000000-search-ab12/trial-000 (stopped, search trial)",
                        "20260103-000000-search-ab12/trial-000"),
                       ("20260102-000000-classification-half (stopped)", "20260102-000000-classification-half"),
                       ("20260101-000000-classification-done", "20260101-000000-classification-done")]
    assert playground_tab.refresh_runs(None)["value"] == "20260101-000000-classification-done"
    table = runs_panel.refresh(RUNS, {}, False)[RUNS.table]
    rows = dict(zip(table["run"], zip(table["status"], table["verdict"])))
    assert rows["20260103-000000-search-ab12/trial-000"] == ("stopped (search trial)", "stopped")
    assert rows["20260102-000000-classification-half"] == ("stopped", "stopped")


def test_new_data_takes_the_previous_runs_verdict_off_the_train_tab(runs_dir):
    """Issue 27: the previous verdict stayed after new data."""
    followed = follow(str(fake_run(runs_dir / "20260101-000000-classification-old")))
    outputs = train_tab.new_data(TRAIN, DataState(settings={"data_file": "new.csv"}, name="new.csv"), followed)
    assert "New data loaded (new.csv)" in outputs[TRAIN.status]
    assert not outputs[TRAIN.report.group]["visible"] and outputs[TRAIN.report.verdict] == ""
    assert train_tab.new_data(TRAIN, DataState(), followed) == {TRAIN.status: gr.update()}  # no data yet: nothing changes
