"""Several training processes on CPU (gloo), as torchrun starts them: the run folder, Stop, Kill, Resume and
two machines simulated on one host. No GPU here: NCCL and FSDP are not exercised (see README, Bigger hardware)."""
import json
import socket
import subprocess
import sys
import time

import psutil
import pytest

from finetune.training.arguments import training_arguments
from finetune.machine import launch
from finetune.config import ConfigError, RunConfig
from finetune.runs.folder import RunPaths, new_run_dir
from finetune.control.processes import is_alive, kill_run, resume_run, run_status, start_run, stop_run

from .conftest import ROOT
from .test_runs import wait_for


def two(config, **changes):
    return config.updated(processes=2, logging_steps=1, **changes)


def cli(*args, **popen):
    return subprocess.Popen([sys.executable, "-m", "finetune", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def events(run, kind):
    return [e for e in map(json.loads, RunPaths(run).events.read_text().splitlines()) if e["event"] == kind]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the command line -------------------------------------------------------------------------
def test_one_process_runs_without_a_launcher():
    assert launch.command(RunConfig(), ["train"]) == [sys.executable, "-m", "finetune", "train"]


def test_several_processes_run_under_torchrun_on_a_free_port():
    line = launch.command(RunConfig(processes=2), ["train", "--output", "r"])
    assert line[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--nproc-per-node=2" in line and "--standalone" in line
    assert line[-5:] == ["-m", "finetune", "train", "--output", "r"]


def test_several_machines_meet_at_machine_zero():
    line = launch.command(RunConfig(nnodes=2, node_rank=1, master_addr="10.0.0.5", master_port=29601), ["train"])
    assert {"--nnodes=2", "--node-rank=1", "--master-addr=10.0.0.5", "--master-port=29601"} <= set(line)
    assert "--standalone" not in line


def test_a_node_rank_past_the_machines_is_refused():
    with pytest.raises(ConfigError, match=r"node_rank must be below nnodes \(2\); got 2"):
        RunConfig(nnodes=2, node_rank=2)


def test_fsdp_without_gpus_says_why(tmp_path):
    with pytest.raises(ConfigError, match="fsdp shards a model across GPUs and needs them"):
        training_arguments(RunConfig(fsdp=True), tmp_path, steps_per_epoch=10, use_bf16=False)


def test_one_process_agrees_with_itself():
    from finetune.runs.callbacks import agreed

    assert agreed(True) and not agreed(False)


# --- real runs on two CPU processes -----------------------------------------------------------
def test_two_processes_report_like_one(runs_dir, fast_config, tmp_path):
    from finetune.training.engine import train

    one = train(fast_config.updated(logging_steps=1), tmp_path / "one")
    run = runs_dir / "two"
    process = cli("train", "--config", _saved(two(fast_config), tmp_path), "--output", run)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    printed = json.loads(out.strip().splitlines()[-1])
    results = json.loads(RunPaths(run).results.read_text())
    assert printed == results
    assert set(results) == set(one.to_json()) and results["processes"] == 2
    assert (results["train_rows"], results["steps"]) == (one.train_rows, one.steps)  # all ranks counted
    assert [e["step"] for e in events(run, "log")] == list(range(1, one.steps + 1))  # one loss per step, not per rank
    assert len(events(run, "started")) == 1 and events(run, "finished")
    assert abs(results["metrics"]["accuracy"] - one.metrics["accuracy"]) <= 0.1
    assert results["metrics"]["accuracy"] >= 0.9
    assert (RunPaths(run).model / "config.json").is_file()


@pytest.mark.slow  # about 100 s here: two runs of two processes
def test_stop_ends_both_processes_with_a_usable_model_and_resume_finishes(runs_dir, fast_config):
    run = new_run_dir("classification")
    launcher = start_run(two(fast_config, epochs=40.0), run)
    assert wait_for(lambda: RunPaths(run).events.exists() and len(events(run, "log")) >= 3, timeout=240)
    ranks = psutil.Process(launcher.pid).children(recursive=True)
    assert len(ranks) == 2
    stop_run(run)
    assert wait_for(lambda: not is_alive(run), timeout=120)
    assert not [p for p in ranks if _running(p)]
    status = run_status(run)
    assert status.status == "stopped", status
    assert (RunPaths(run).model / "model.safetensors").is_file() and status.results.steps < status.results.max_steps

    resume_run(run)
    assert wait_for(lambda: not is_alive(run), timeout=400)
    status = run_status(run)
    assert status.status == "finished", status
    assert status.results.steps == status.results.max_steps and status.results.processes == 2


def test_kill_leaves_no_process_behind(runs_dir, fast_config):
    run = new_run_dir("classification")
    launcher = start_run(two(fast_config, epochs=50.0), run)
    assert wait_for(lambda: RunPaths(run).events.exists() and events(run, "log"), timeout=240)
    ranks = psutil.Process(launcher.pid).children(recursive=True)
    assert len(ranks) == 2
    kill_run(run)
    assert wait_for(lambda: not is_alive(run) and not [p for p in ranks if _running(p)], timeout=30)
    assert run_status(run).status == "failed"


@pytest.mark.slow  # about 90 s here: two launchers, each starting torch
def test_two_machines_on_one_host_finish_one_run(fast_config, tmp_path):
    port, config = free_port(), _saved(fast_config.updated(epochs=2.0, logging_steps=1), tmp_path)
    machines = [cli("train", "--config", config, "--nnodes", 2, "--node-rank", rank, "--master-port", port,
                    "--output", tmp_path / f"machine-{rank}") for rank in (0, 1)]
    outputs = [m.communicate(timeout=300) for m in machines]
    assert [m.returncode for m in machines] == [0, 0], [err[-2000:] for _, err in outputs]
    results = json.loads((tmp_path / "machine-0" / "results.json").read_text())
    assert results["processes"] == 2 and results["status"] == "finished"
    assert not (tmp_path / "machine-1" / "results.json").exists()  # machine 0 keeps the one record
    assert json.loads(outputs[1][0].strip().splitlines()[-1])["node_rank"] == 1


def _saved(config, folder):
    path = folder / f"config-{time.monotonic_ns()}.json"
    config.save(path)
    return path


def _running(process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
