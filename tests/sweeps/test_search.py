"""A settings search on the tiny model: trial folders that are real runs, sweep.json, pruning, the budget."""
import json
import time

import pytest

from finetune.config import ConfigError
from finetune.runs.folder import RunPaths
from finetune.control.processes import run_status
from finetune.sweeps.search_space import Param
from finetune.sweeps.launch import tune
from finetune.sweeps.record import COMPLETE, FINISHED, PRUNED, STOPPED, read_sweep, sweep_file
from finetune.sweeps.search import finish_reserve, run_sweep

LR = {"learning_rate": Param("learning_rate", 1e-6, 1e-2, log=True)}


def test_each_trial_is_a_run_folder_and_sweep_json_names_the_best(tmp_path, fast_config):
    sweep = run_sweep(fast_config.updated(epochs=4.0), tmp_path / "sweep", trials=2, budget_minutes=5, space=LR,
                      first=[{"learning_rate": 3e-3}, {"learning_rate": 1e-4}])
    written = json.loads(sweep_file(tmp_path / "sweep").read_text())
    assert written["status"] == FINISHED and [t["run"] for t in written["trials"]] == ["trial-000", "trial-001"]
    for trial in written["trials"]:
        paths = RunPaths(tmp_path / "sweep" / trial["run"])
        assert run_status(paths.root).status == "finished"
        assert (paths.model / "config.json").is_file() and paths.results.is_file()
        assert json.loads(paths.config.read_text())["learning_rate"] == trial["params"]["learning_rate"]
    assert written["best"]["run"] == "trial-000" and written["best"]["value"] > written["trials"][1]["value"]
    assert sweep.best.number == 0


def test_a_trial_trailing_the_first_is_pruned_and_keeps_its_run_folder(tmp_path, fast_config):
    import optuna

    sweep = run_sweep(fast_config, tmp_path / "sweep", trials=2, budget_minutes=5, space=LR,
                      first=[{"learning_rate": 3e-3}, {"learning_rate": 1e-6}],
                      pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0))
    good, bad = sweep.trials
    assert (good.state, bad.state) == (COMPLETE, PRUNED)
    assert sweep.best.number == 0
    results = json.loads(RunPaths(tmp_path / "sweep" / bad.run).results.read_text())
    assert results["early_stopped"] and results["steps"] < results["max_steps"]  # stopped, yet a usable run


def test_the_budget_ends_the_running_trial_and_starts_no_more(tmp_path, fast_config):
    started = time.time()
    sweep = run_sweep(fast_config.updated(epochs=50.0, batch_size=1), tmp_path / "sweep", trials=5,
                      budget_minutes=0.4, space=LR)
    took = time.time() - started
    assert took < 0.4 * 60 + 15, took  # the budget, plus what a stopped trial's final evaluation and save take
    assert sweep.trials[-1].state == STOPPED and len(sweep.trials) < 5
    assert read_sweep(tmp_path / "sweep").status == FINISHED
    assert finish_reserve(600) == 30.0


def test_tune_refuses_a_folder_that_holds_a_search_and_unknown_settings(tmp_path, fast_config):
    with pytest.raises(ConfigError, match="Cannot search dropout; the settings searched here are learning_rate"):
        tune(fast_config, tmp_path / "a", space="dropout")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sweep.json").write_text("{}")
    with pytest.raises(ConfigError, match="already holds a search"):
        tune(fast_config, tmp_path / "b")
    with pytest.raises(ConfigError, match="trials must be between 1 and 100; got 0"):
        tune(fast_config, tmp_path / "c", trials=0)


def test_a_searchs_trials_are_listed_with_the_runs_for_the_runs_panel_and_playground(runs_dir, fast_config):
    from finetune.runs.folder import list_runs, run_name
    from finetune.ui import playground_tab, runs_panel

    run_sweep(fast_config.updated(epochs=2.0), runs_dir / "20261202-030000-search-classification-ab12", trials=1,
              budget_minutes=5, space=LR)
    name = "20261202-030000-search-classification-ab12/trial-000"
    assert [run_name(p) for p in list_runs()] == [name]
    assert playground_tab.run_choices() == [name]
    view = runs_panel.RunsView(table="table", compare_pick="compare", run_pick="pick", message="", model_inputs=())
    assert runs_panel.refresh(view, None, False)["table"]["run"].tolist() == [name]
    assert playground_tab.predict(name, "contract clause tenant court")
