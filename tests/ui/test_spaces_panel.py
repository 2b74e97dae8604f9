"""Spaces and demo mode in the UI: the limits line, the queue in the Train tab, the demo load handler."""
import json
import shutil

import gradio as gr
import pytest

from finetune.hosting import background, owners, run_queue, spaces
from finetune.runs.folder import RunPaths
from finetune.ui import build_app, data_loading, spaces_panel, train_tab, visitor
from finetune.ui.data_state import DataState
from tests.ui.test_train_and_playground import VIEW, follow, start
from tests.ui.views import by_elem_id, demo_view


@pytest.fixture
def space(monkeypatch, runs_dir):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.delenv("FINETUNE_MAX_RUNS", raising=False)
    monkeypatch.setenv("FINETUNE_MODEL_DIRS", str(runs_dir.parents[2]))  # the tiny test models' folders
    return runs_dir


def test_demo_load_fills_the_data_tab_with_the_sample(space):
    view = demo_view()
    outputs = spaces_panel.load_demo(view, DataState())
    data = view.data_outputs
    assert outputs[data.state].ready and outputs[data.state].name == "negation_reviews.csv"
    assert "negation_reviews.csv" in outputs[data.report]
    assert outputs[data.text]["value"] == ["text"] and outputs[data.label]["value"] == "label"
    assert outputs[view.sample] == "negation_reviews.csv"


def test_the_demo_run_is_selected_in_the_playground_once_it_has_a_model(space, tiny_model):
    update, timer = spaces_panel.show_demo_run(None)
    assert timer.active and update == gr.update()
    paths = RunPaths(background.demo_run_dir())
    shutil.copytree(tiny_model, paths.model)
    paths.config.write_text(json.dumps({"task": "classification"}))
    owners.record_owner(paths.root, owners.SHARED)  # as ensure_demo_run does
    update, timer = spaces_panel.show_demo_run(None)
    assert not timer.active and update["value"] == spaces.DEMO_RUN and spaces.DEMO_RUN in update["choices"]


def test_the_app_builds_with_the_limits_line_and_demo_wiring_on_a_space(space):
    app = build_app()
    limits = by_elem_id(app, "space-limits")
    assert limits is not None and "one run at a time" in limits.value
    assert by_elem_id(app, "export-onnx") is not None
    assert app.delete_cache == (3600, 24 * 3600)


def test_a_second_start_on_a_space_waits_with_its_position_and_can_leave(space, monkeypatch, fast_config, keyword_csv):
    monkeypatch.setattr(run_queue, "running_runs", lambda: ["someone else's run"])
    token = visitor.issue(None)
    loaded = data_loading.load_file(str(keyword_csv), DataState(), "", token)[0]
    started = start(loaded, fast_config, token=token)
    run = started[VIEW.run]
    assert run.queued and started[VIEW.timer].active and "Queued, position 1" in started[VIEW.status]
    with pytest.raises(gr.Error, match="still going"):
        start(loaded, fast_config, run)
    run, outputs = follow(run)
    assert "position 1" in outputs[VIEW.status] and outputs[VIEW.timer].active
    assert set(outputs) == {VIEW.timer, VIEW.status}  # the rest of the tab is left as it is, by name
    assert train_tab.stop_training(run) == "Left the queue; nothing was trained."
    run, outputs = follow(run)
    assert not outputs[VIEW.timer].active and not run.run_dir


def test_a_run_on_a_space_trains_within_the_limits_and_says_so(space, fast_config, keyword_csv):
    from tests.ui.test_train_and_playground import follow_to_end

    token = visitor.issue(None)
    loaded = data_loading.load_file(str(keyword_csv), DataState(), "", token)[0]
    started = start(loaded, fast_config, token=token)  # 8 epochs asked
    run = started[VIEW.run]
    assert not run.queued and started[VIEW.status] == "Starting…"
    run, outputs = follow_to_end(run)
    assert "Finished" in outputs[VIEW.status]
    assert "epochs lowered from 8 to 3 (Space limit)" in outputs[VIEW.health]
    assert json.loads(RunPaths(run.run_dir).config.read_text())["epochs"] == 3.0
