"""hardware: how many CPU threads a run gets on a busy machine."""
import os

import pytest

from finetune import hardware


def fake_proc(root, threads: dict):
    """A /proc with {pid: [state of each thread]}; names with spaces and parentheses, as real ones have."""
    for pid, states in threads.items():
        for tid, state in enumerate(states):
            task = root / str(pid) / "task" / str(pid * 100 + tid)
            task.mkdir(parents=True)
            (task / "stat").write_text(f"{pid} (py (thread {tid})) {state} 1 2 3 4 5\n")
    (root / "self").mkdir()  # not a pid: ignored
    return root


def test_runnable_elsewhere_counts_running_threads_of_other_processes_only(tmp_path):
    proc = fake_proc(tmp_path, {10: ["R", "S", "R"], 20: ["S", "D"], 30: ["R"], 99: ["R", "R", "R"]})
    assert hardware.runnable_elsewhere(proc, own_pid=99) == 3  # 99's own threads are ours


def test_a_finished_job_leaves_no_trace_unlike_the_load_average(tmp_path):
    proc = fake_proc(tmp_path, {10: ["S", "S"], 99: ["R"]})  # the job before ours has just ended: asleep/gone
    busy = hardware.busy_cores(lambda: hardware.runnable_elsewhere(proc, own_pid=99), gap_s=0)
    assert busy == 0 and hardware.free_cores(2, busy) == 2


def test_busy_cores_averages_several_readings():
    readings = iter([2, 0, 1, 1, 1])
    assert hardware.busy_cores(lambda: next(readings), samples=5, gap_s=0) == 1.0


def test_free_cores_leaves_the_busy_cores_to_the_work_already_running(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert hardware.free_cores(2, busy=0.2) == 2
    assert hardware.free_cores(2, busy=1.0) == 1
    assert hardware.free_cores(2, busy=6.0) == 1  # never zero


def test_free_cores_scales_a_hosts_load_to_the_cores_we_are_given(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert hardware.free_cores(4, busy=32.0) == 2


def test_use_free_cores_keeps_an_explicit_thread_count(monkeypatch):
    import torch

    before = torch.get_num_threads()
    monkeypatch.delenv(hardware.THREADS_ENV, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", str(before))
    monkeypatch.setattr(hardware, "busy_cores", lambda: 60.0)  # busy: would drop to 1 thread
    assert hardware.use_free_cores() == before
    assert torch.get_num_threads() == before


def test_finetune_threads_overrides_the_measurement(monkeypatch):
    import torch

    before = torch.get_num_threads()
    monkeypatch.setenv(hardware.THREADS_ENV, "1")
    monkeypatch.setattr(hardware, "busy_cores", lambda: 0.0)  # idle: would keep every core
    try:
        assert hardware.use_free_cores() == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_a_bad_finetune_threads_says_what_it_wants(monkeypatch):
    monkeypatch.setenv(hardware.THREADS_ENV, "two")
    with pytest.raises(hardware.ConfigError, match="FINETUNE_THREADS must be a whole number of threads"):
        hardware.use_free_cores()


def test_a_recent_measurement_is_reused(monkeypatch):
    monkeypatch.delenv(hardware.THREADS_ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    calls = []
    monkeypatch.setattr(hardware, "busy_cores", lambda: calls.append(1) or 0.0)
    monkeypatch.setattr(hardware, "_last_measured", [-float("inf"), 0])
    hardware.use_free_cores(max_age_s=60)
    hardware.use_free_cores(max_age_s=60)
    assert len(calls) == 1


def test_batches_are_padded_to_a_multiple_of_8_on_a_gpu_only(monkeypatch, tiny_model):
    from transformers import AutoTokenizer

    from finetune.tasks import classification

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    features = [tokenizer("contract clause"), tokenizer("patient doctor surgery dose")]  # 4 and 6 tokens
    monkeypatch.setattr(hardware, "detect", lambda: hardware.Hardware("cpu", "CPU", 2, 24.0, True))
    assert hardware.pad_multiple() is None
    assert classification.collator(tokenizer)(features)["input_ids"].shape == (2, 6)  # the longest, no more
    monkeypatch.setattr(hardware, "detect", lambda: hardware.Hardware("cuda", "GPU", 8, 80.0, True, gpus=1))
    assert classification.collator(tokenizer)(features)["input_ids"].shape == (2, 8)
