"""Runs as separate processes, watched only through their folders."""
import time

from finetune.runs.folder import RunPaths, list_runs, new_run_dir, trained_models
from finetune.control.processes import is_alive, kill_run, run_status, start_run


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
    assert run_status(run).status == "running"
    assert wait_for(lambda: run_status(run).status != "running")
    status = run_status(run)
    assert status.status == "finished", status
    assert status.results.metrics["accuracy"] >= 0.9
    assert list_runs() == [run] and trained_models() == [run]


def test_killed_process_is_reported_as_failed(runs_dir, fast_config):
    run = new_run_dir("classification")
    start_run(fast_config.updated(epochs=50.0), run)
    assert wait_for(lambda: b'"log"' in RunPaths(run).events.read_bytes() if RunPaths(run).events.exists() else False)
    kill_run(run)
    assert wait_for(lambda: run_status(run).status == "failed", timeout=30)
    assert "ended without saying why" in run_status(run).error
    assert trained_models() == []


def test_bad_model_fails_with_the_reason(runs_dir, fast_config):
    run = new_run_dir("classification")
    start_run(fast_config.updated(model="/no/such/folder"), run)
    assert wait_for(lambda: run_status(run).status != "running")
    status = run_status(run)
    assert status.status == "failed" and "No model folder at /no/such/folder" in status.error


def test_run_folders_are_unique_and_sorted(runs_dir):
    first, second = new_run_dir("classification"), new_run_dir("classification")
    assert first != second and first.parent == runs_dir


def test_a_killed_run_resumes_from_its_last_checkpoint(runs_dir, fast_config):
    from finetune.control.processes import resume_run

    run = new_run_dir("classification")
    start_run(fast_config.updated(epochs=30.0, eval_steps=9), run)
    assert wait_for(lambda: any(RunPaths(run).checkpoints.glob("checkpoint-*/trainer_state.json")))
    kill_run(run)
    assert wait_for(lambda: run_status(run).status == "failed", timeout=30)
    resume_run(run)
    assert wait_for(lambda: run_status(run).status != "running" and not is_alive(run), timeout=300)
    status = run_status(run)
    assert status.status == "finished", status
    assert status.results.steps == 270


def test_the_run_limit_refuses_a_launch_with_a_clear_message(runs_dir, fast_config, monkeypatch):
    import pytest

    from finetune.config import ConfigError

    monkeypatch.setenv("FINETUNE_MAX_RUNS", "1")
    first = new_run_dir("classification")
    start_run(fast_config.updated(epochs=50.0), first)
    with pytest.raises(ConfigError, match="FINETUNE_MAX_RUNS=1"):
        start_run(fast_config, new_run_dir("classification"))
    kill_run(first)
    assert wait_for(lambda: not is_alive(first), timeout=30)


def test_delete_only_ended_run_folders_under_the_root(runs_dir, tmp_path, fast_config):
    import pytest

    from finetune.config import ConfigError
    from finetune.control.summary import delete_run

    run = new_run_dir("classification")
    start_run(fast_config.updated(epochs=50.0), run)
    with pytest.raises(ConfigError, match="still training"):
        delete_run(run)
    with pytest.raises(ConfigError, match="not a run folder"):
        delete_run(tmp_path)
    kill_run(run)
    assert wait_for(lambda: not is_alive(run), timeout=30)
    delete_run(run)
    assert not run.exists() and tmp_path.exists()


def test_resume_or_stop_of_a_deleted_run_says_so_in_one_sentence(tmp_path):
    """Issue 27: Resume on a deleted run answered with a raw Errno 2 and a server path."""
    import pytest

    from finetune.errors import ConfigError
    from finetune.control.processes import resume_run, stop_run

    gone = tmp_path / "20260101-000000-classification-gone"
    for action in (resume_run, stop_run):
        with pytest.raises(ConfigError) as raised:
            action(gone)
        assert str(raised.value) == f"The run {gone.name} no longer exists (it was deleted); start a new run."
