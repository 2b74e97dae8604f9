"""The warm training process: a run takes it over (its pid, its log), and the next one starts at once."""
import json

import pytest

from finetune.control import warm_pool as warm
from finetune.runs.folder import RunPaths, new_run_dir
from finetune.control.processes import run_status, start_run
from tests.test_runs import wait_for


@pytest.fixture
def warm_pool(monkeypatch):
    pool = warm.WarmPool()
    monkeypatch.setattr(warm, "POOL", pool)  # what runs._launch takes from
    yield pool
    pool.shutdown()


def test_a_run_becomes_the_warm_process_and_a_new_one_waits(runs_dir, fast_config, warm_pool):
    warm_pool.prewarm()
    ready = warm_pool.process
    run = new_run_dir("classification")
    process = start_run(fast_config, run)
    assert process is ready and warm_pool.process is not ready and warm_pool.process.poll() is None
    assert wait_for(lambda: run_status(run).status != "running")
    assert run_status(run).status == "finished"
    events = [json.loads(line) for line in RunPaths(run).events.read_text().splitlines()]
    assert events[0]["pid"] == ready.pid  # the warm process itself trained
    assert '"status": "finished"' in RunPaths(run).log.read_text()  # its stdout went to the run's log


def test_a_dead_or_differently_configured_warm_process_means_a_cold_start(runs_dir, fast_config, warm_pool):
    warm_pool.prewarm()
    warm_pool.process.kill()
    warm_pool.process.wait()
    dead = warm_pool.process
    run = new_run_dir("classification")
    assert start_run(fast_config, run) is not dead
    assert wait_for(lambda: run_status(run).status != "running")
    assert run_status(run).status == "finished"
    stale = warm_pool.process  # e.g. the runs folder moved since it started: it would train elsewhere
    assert warm_pool.take(["runs"], RunPaths(run).log, {"FINETUNE_RUNS_DIR": "/elsewhere"}) is None
    assert stale.wait(10) is not None


def test_variables_that_libraries_set_in_the_app_do_not_retire_it(warm_pool, monkeypatch):
    warm_pool.prewarm()
    ready = warm_pool.process
    monkeypatch.setenv("KMP_DUPLICATE_LIB_OK", "True")  # what importing torch does to os.environ
    from finetune.control.warm_pool import launch_env

    assert warm._settings(launch_env()) == ready.finetune_env


def test_without_prewarm_nothing_waits(runs_dir, fast_config, warm_pool):
    assert warm_pool.take(["runs"], runs_dir / "log", {}) is None and warm_pool.process is None
