"""Runs as separate processes, watched only through their folders."""
import time

from finetune.runs import RunPaths, kill_run, list_runs, new_run_dir, run_status, start_run, trained_models


def wait_for(predicate, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_started_run_finishes_and_is_listed(runs_dir, fast_config):
    run = new_run_dir("classification")
    start_run(fast_config, run)
    assert run_status(run)["status"] == "running"
    assert wait_for(lambda: run_status(run)["status"] != "running")
    status = run_status(run)
    assert status["status"] == "finished", status
    assert status["results"]["metrics"]["accuracy"] >= 0.9
    assert list_runs() == [run] and trained_models() == [run]


def test_killed_process_is_reported_as_failed(runs_dir, fast_config):
    run = new_run_dir("classification")
    start_run(fast_config.updated(epochs=50.0), run)
    assert wait_for(lambda: b'"log"' in RunPaths(run).events.read_bytes() if RunPaths(run).events.exists() else False)
    kill_run(run)
    assert wait_for(lambda: run_status(run)["status"] == "failed", timeout=30)
    assert "ended without saying why" in run_status(run)["error"]
    assert trained_models() == []


def test_bad_model_fails_with_the_reason(runs_dir, fast_config):
    run = new_run_dir("classification")
    start_run(fast_config.updated(model="/no/such/folder"), run)
    assert wait_for(lambda: run_status(run)["status"] != "running")
    status = run_status(run)
    assert status["status"] == "failed" and "No model folder at /no/such/folder" in status["error"]


def test_run_folders_are_unique_and_sorted(runs_dir):
    first, second = new_run_dir("classification"), new_run_dir("classification")
    assert first != second and first.parent == runs_dir
