"""The runs history: table, compare, settings back into the Model tab, delete; on hand-made run folders."""
import json

import gradio as gr
import pandas as pd
import pytest

from finetune.config import RunConfig
from finetune.runs.events import EVAL, FINISHED, LOG, STARTED, EventWriter
from finetune.runs.folder import RunPaths
from finetune.ui import runs_panel
from tests.ui.views import by_setting, runs_view

VIEW = runs_view()


def fake_run(root, name, epochs, accuracy):
    paths = RunPaths(root / name)
    paths.root.mkdir()
    RunConfig(data_file="x.csv", epochs=epochs).save(paths.config)
    events = EventWriter(paths.events)
    events.write(STARTED, pid=0)
    for step in range(1, 6):
        events.write(LOG, step=step, max_steps=5, loss=1.0 / step)
    events.write(EVAL, step=5, max_steps=5, eval_loss=0.3, eval_accuracy=accuracy)
    paths.results.write_text(json.dumps({"status": "finished", "main_metric": "accuracy", "steps": 5,
                                         "metrics": {"accuracy": accuracy}}))
    events.write(FINISHED)
    return str(paths.root)


@pytest.fixture
def two_runs(runs_dir):
    return [fake_run(runs_dir, "20260101-000000-classification-aaaa", 2.0, 0.8),
            fake_run(runs_dir, "20260102-000000-classification-bbbb", 5.0, 0.9)]


def test_table_shows_this_browsers_runs_or_all(two_runs):
    saved = {"run_dir": two_runs[0], "runs": [two_runs[0]]}
    table = runs_panel.refresh(VIEW, saved, True)[VIEW.table]
    assert list(table["run"]) == ["20260101-000000-classification-aaaa"]
    table = runs_panel.refresh(VIEW, saved, False)[VIEW.table]
    assert list(table["run"]) == ["20260102-000000-classification-bbbb", "20260101-000000-classification-aaaa"]
    assert list(table["status"]) == ["finished", "finished"] and list(table["value"]) == [0.9, 0.8]
    assert list(table["epochs"]) == [5.0, 2.0]


def test_compare_overlays_two_runs(two_runs):
    names = [p.rsplit("/", 1)[1] for p in two_runs]
    figure = runs_panel.compare(names)
    assert {t.name for t in figure.data} == {f"{n} {kind}" for n in names for kind in ("train", "validation")}
    with pytest.raises(gr.Error, match="two or more"):
        runs_panel.compare(names[:1])


def test_settings_go_back_into_the_model_tab(two_runs):
    outputs = runs_panel.load_settings(VIEW, "20260102-000000-classification-bbbb")
    values = {name: u.get("value") for name, u in by_setting(VIEW.model_inputs, outputs).items()}
    assert values["task"] == "classification" and values["epochs"] == 5.0 and "loaded" in outputs[VIEW.message]


def test_delete_removes_the_folder_and_refuses_unknown_names(two_runs, runs_dir):
    outputs = runs_panel.delete(VIEW, "20260101-000000-classification-aaaa", {}, False)
    assert "Deleted" in outputs[VIEW.message]
    assert list(outputs[VIEW.table]["run"]) == ["20260102-000000-classification-bbbb"]
    assert not (runs_dir / "20260101-000000-classification-aaaa").exists()
    with pytest.raises(gr.Error, match="Pick a run"):
        runs_panel.delete(VIEW, "../../etc", {}, False)


def test_a_run_whose_config_has_an_unknown_key_still_lists_and_loads(two_runs):
    """A run folder written by another version: its unknown setting is ignored, the rest is read."""
    config = RunPaths(two_runs[1]).config
    config.write_text(json.dumps({**json.loads(config.read_text()), "setting_from_the_future": 1}))
    table = runs_panel.refresh(VIEW, {}, False)[VIEW.table]
    assert list(table["epochs"]) == [5.0, 2.0] and list(table["task"]) == ["classification"] * 2
    assert "loaded" in runs_panel.load_settings(VIEW, "20260102-000000-classification-bbbb")[VIEW.message]


def test_a_run_with_an_unreadable_config_lists_without_its_settings(two_runs):
    RunPaths(two_runs[0]).config.write_text("{not json")
    table = runs_panel.refresh(VIEW, {}, False)[VIEW.table]
    row = table[table["run"] == "20260101-000000-classification-aaaa"].iloc[0]
    assert row["status"] == "finished" and row["value"] == 0.8 and pd.isna(row["epochs"])


def test_every_finished_run_has_its_verdict_in_the_table(runs_dir):
    import json

    from finetune.config import RunConfig
    from finetune.ui import runs_panel

    run = runs_dir / "20990101-000000-classification-aaaa"
    run.mkdir()
    RunConfig(data_file="x.csv").save(run / "config.json")
    (run / "events.jsonl").write_text(json.dumps({"event": "finished", "time": 1}) + "\n")
    (run / "results.json").write_text(json.dumps({"task": "classification", "status": "finished",
                                                  "main_metric": "macro_f1", "metrics": {"macro_f1": 0.4},
                                                  "baseline": {"macro_f1": 0.72}}))
    row = dict(zip(runs_panel.COLUMNS, runs_panel._row(run.name)))
    assert row["verdict"] == "worse than baseline" and row["value"] == 0.4
