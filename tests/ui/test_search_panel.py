"""The "Find good settings" panel: start a search from the tabs' settings, follow sweep.json, load the best."""
import json
import time

import gradio as gr
import pytest

from finetune.control import processes
from finetune.config import RunConfig
from finetune.sweeps.record import COMPLETE, FINISHED, PRUNED, RUNNING, Sweep, TrialRecord, write_sweep
from finetune.ui import data_loading, model_tab, search_panel
from finetune.ui.data_state import DataState
from tests.ui.test_train_and_playground import model_settings
from tests.ui.views import by_setting, model_inputs, search_view


INPUTS, VIEW = model_inputs(), search_view()


def fake_sweep(root, status=FINISHED, best_run="trial-001"):
    """A sweep folder as `tune` leaves it: two trials whose folders hold their config.json."""
    sweep = Sweep(metric="accuracy", direction="maximize", budget_s=600, trials_asked=2, status=status,
                  space={"learning_rate": "learning_rate 2e-05 to 0.0005 (log)", "epochs": "epochs 1 to 5"},
                  trials=[TrialRecord(0, "trial-000", {"learning_rate": 1e-4, "epochs": 3.0}, COMPLETE, 0.8,
                                      seconds=40),
                          TrialRecord(1, best_run, {"learning_rate": 3e-4, "epochs": 2.0}, COMPLETE, 0.9,
                                      seconds=30),
                          TrialRecord(2, "trial-002", {"learning_rate": 2e-5, "epochs": 1.0}, PRUNED, 0.5)])
    for trial, lr in (("trial-000", 1e-4), ("trial-001", 3e-4)):
        (root / trial).mkdir(parents=True)
        RunConfig(learning_rate=lr, epochs=3.0 if lr == 1e-4 else 2.0, batch_size=32).save(root / trial / "config.json")
    write_sweep(root, sweep)
    return {"sweep_dir": str(root)}


def test_load_best_fills_the_model_tab_with_the_best_trials_settings(tmp_path):
    updates = by_setting(INPUTS, search_panel.load_best(INPUTS, fake_sweep(tmp_path / "sweep")))
    chosen = {name: u.get("value") for name, u in updates.items()}  # the GPU knobs stay as they are
    assert chosen["task"] == "classification" and chosen["learning_rate"] == 3e-4 and chosen["epochs"] == 2.0
    assert chosen["batch_size"] == 32 and chosen["report_to"] == []  # the multi-select's empty list


def test_load_best_before_any_trial_finished_says_so(tmp_path):
    with pytest.raises(gr.Error, match="No trial has finished yet"):
        search_panel.load_best(INPUTS, {"sweep_dir": None})


def test_a_best_trial_outside_the_sweep_folder_is_refused(tmp_path):
    search = fake_sweep(tmp_path / "sweep", best_run="../elsewhere")
    (tmp_path / "elsewhere").mkdir()
    RunConfig().save(tmp_path / "elsewhere" / "config.json")
    with pytest.raises(gr.Error, match="missing from the search folder"):
        search_panel.load_best(INPUTS, search)


def test_following_a_search_shows_its_trials_and_plots_them(tmp_path):
    ticked = search_panel.follow_search(VIEW, fake_sweep(tmp_path / "sweep"))
    timer, status, table, figure = (ticked[c] for c in (VIEW.timer, VIEW.status, VIEW.table, VIEW.plot))
    assert timer.active is False and "Search finished: 3 trials · best accuracy 0.9000 (trial-001)" in status
    assert list(table.columns) == ["trial", "state", "accuracy", "seconds", "learning_rate", "epochs"]
    assert table["state"].tolist() == [COMPLETE, COMPLETE, PRUNED]
    assert [t.name for t in figure.data] == ["trials", "best so far", None, None]
    assert list(figure.data[1].y) == [0.8, 0.9, 0.9]  # a pruned trial never counts as the best
    assert figure.layout.xaxis2.type == "log"


def test_train_best_starts_a_run_with_the_best_settings(tmp_path, runs_dir, monkeypatch):
    started = {}
    monkeypatch.setattr(processes, "start_run", lambda config, run_dir, owner=None: started.update(config=config, dir=run_dir))
    message = search_panel.train_best(fake_sweep(tmp_path / "sweep"))
    assert started["config"].learning_rate == 3e-4 and started["dir"].parent == runs_dir
    assert started["dir"].name in message


def test_a_search_starts_from_the_ui_and_runs_to_its_end(runs_dir, tmp_path, keyword_csv, tiny_model):
    state = data_loading.load_file(str(keyword_csv), DataState())[0]
    config = RunConfig(model=tiny_model, freeze_embeddings=False, epochs=2.0, batch_size=8, learning_rate=2e-3, precision="fp32")
    with pytest.raises(gr.Error, match="Cannot search lora_rank"):
        search_panel.start_search(VIEW, state, {}, 1, 2, ["lora_rank"], None, model_settings(config))
    with pytest.raises(gr.Error, match="No usable data yet"):
        search_panel.start_search(VIEW, DataState(), {}, 1, 2, ["learning_rate"], None, model_settings(config))
    started = search_panel.start_search(VIEW, state, {}, 1, 2, ["learning_rate"], None, model_settings(config))
    search, timer, table, plot, message = (started[c] for c in (VIEW.search, VIEW.timer, VIEW.table, VIEW.plot,
                                                                 VIEW.message))
    # issue 27: a new search clears the last one's table, figure and message; the table has named headers
    assert list(table.columns) == search_panel.TRIAL_COLUMNS and table.empty and plot is None and message == ""
    assert timer.active and json.loads((tmp_path / "runs").joinpath(
        search["sweep_dir"], "base_config.json").read_text())["learning_rate"] == 2e-3
    deadline = time.time() + 240
    while time.time() < deadline:
        ticked = search_panel.follow_search(VIEW, search)
        timer, status, table = ticked[VIEW.timer], ticked[VIEW.status], ticked[VIEW.table]
        if not timer.active:
            break
        time.sleep(1)
    assert "Search finished: 1 trials" in status, status
    assert table["trial"].tolist() == ["trial-000"] and table["state"].tolist() == [COMPLETE]
    assert by_setting(INPUTS, search_panel.load_best(INPUTS, search))["learning_rate"]["value"] == 2e-3
    assert RUNNING not in table["state"].tolist()
