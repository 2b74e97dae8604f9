"""hardware: how many CPU threads a run gets on a busy machine."""
import os

from finetune import hardware


def test_free_cores_leaves_the_busy_cores_to_the_work_already_running(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.0, 0.0))
    assert hardware.free_cores(2) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert hardware.free_cores(2) == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (6.0, 0.0, 0.0))
    assert hardware.free_cores(2) == 1  # never zero


def test_free_cores_scales_a_hosts_load_to_the_cores_we_are_given(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "getloadavg", lambda: (32.0, 0.0, 0.0))
    assert hardware.free_cores(4) == 2


def test_use_free_cores_keeps_an_explicit_thread_count(monkeypatch):
    import torch

    before = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", str(before))
    monkeypatch.setattr(os, "getloadavg", lambda: (60.0, 0.0, 0.0))  # busy: would drop to 1 thread
    assert hardware.use_free_cores() == before
    assert torch.get_num_threads() == before
