"""hardware: how many CPU threads a run gets on a busy machine."""
import os

import pytest

from finetune.training.arguments import training_arguments
from finetune.machine import hardware


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


# --- the precision each machine trains in, with the hardware facts faked (bench/gpu_check.sh runs it for real) ---
@pytest.mark.parametrize("flags, kind, precision", [
    ({"avx2", "avx512f", "amx_bf16", "avx512_bf16"}, "AMX", "bf16"),
    ({"avx2", "avx512f", "avx512_bf16"}, "AVX512-BF16", "bf16"),  # this project's AMD EPYC
    ({"avx2", "fma"}, "AVX2", "fp32"),                             # bf16 emulated: ~600x slower
    ({"neon"}, "", "fp32"),
])
def test_each_kind_of_cpu_gets_its_precision_and_says_why(monkeypatch, flags, kind, precision):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(hardware, "_cpu_flags", lambda: flags)
    hardware.detect.cache_clear()
    try:
        found = hardware.detect()
    finally:
        hardware.detect.cache_clear()
    assert (found.device, found.precision) == ("cpu", precision)
    assert found.name.endswith(f"({kind})") if kind else "(" not in found.name
    assert f"trains in {precision} (" in found.describe()
    assert ("emulated" in found.why) == (kind == "AVX2")


class FakeProps:
    name, total_memory = "Fake GPU", 16 * 2**30


@pytest.mark.parametrize("capability, precision", [((9, 0), "bf16"), ((8, 0), "bf16"), ((7, 5), "fp16")])
def test_a_gpu_trains_in_bf16_from_ampere_on_and_in_fp16_before(monkeypatch, capability, precision):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: FakeProps())
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda i: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # says yes where only emulated
    hardware.detect.cache_clear()
    try:
        found = hardware.detect()
    finally:
        hardware.detect.cache_clear()
    assert (found.device, found.gpus, found.precision) == ("cuda", 2, precision)
    assert found.describe().startswith("2 x Fake GPU, 16 GB each, trains in " + precision)


def fake_gpu(monkeypatch, precision="bf16"):

    monkeypatch.setattr(hardware, "has_accelerator", lambda: True)
    return hardware.Hardware("cuda", "GPU", 8, 80.0, precision == "bf16", gpus=1, fast_fp16=precision == "fp16")


def test_auto_trains_in_the_hardwares_precision_and_fp16_is_refused_on_a_cpu(monkeypatch):
    from finetune.config import ConfigError, RunConfig

    avx2 = hardware.Hardware("cpu", "CPU (AVX2)", 2, 24.0, False)
    assert RunConfig().training_precision(avx2) == "fp32"
    assert RunConfig(precision="bf16").training_precision(avx2) == "bf16"  # asked for: the user's call
    assert RunConfig().training_precision(fake_gpu(monkeypatch, "fp16")) == "fp16"
    with pytest.raises(ConfigError, match="fp16 mixed precision needs a CUDA GPU"):
        RunConfig(precision="fp16").training_precision(avx2)


def test_the_plan_hands_fp16_to_the_trainer_on_an_older_gpu(monkeypatch, tmp_path):
    from finetune.config import RunConfig
    from finetune.runs.folder import RunPaths
    from finetune.training.trainer_setup import plan_run

    gpu = fake_gpu(monkeypatch, "fp16")
    monkeypatch.setattr("transformers.TrainingArguments.__post_init__", lambda self: None)  # no GPU to check
    plan = plan_run(RunConfig(), RunPaths(tmp_path), gpu, train_rows=160)
    assert (plan.precision, plan.args.fp16, plan.args.bf16) == ("fp16", True, False)


def test_fsdp_with_one_process_is_refused_on_a_gpu(monkeypatch, tmp_path):
    from finetune.config import ConfigError, RunConfig

    fake_gpu(monkeypatch)
    with pytest.raises(ConfigError, match="this run has one process. Set processes to the number of GPUs"):
        training_arguments(RunConfig(fsdp=True), tmp_path, steps_per_epoch=10, use_bf16=True)


def test_gpus_talk_over_nccl_and_cpu_processes_over_gloo(monkeypatch, tmp_path):
    from finetune.machine import launch
    from finetune.config import RunConfig

    assert (launch.backend(True), launch.backend(False)) == ("nccl", "gloo")
    monkeypatch.setattr("transformers.TrainingArguments.__post_init__", lambda self: None)
    fake_gpu(monkeypatch)
    args = training_arguments(RunConfig(processes=4), tmp_path, steps_per_epoch=10, use_bf16=True, world_size=4)
    assert args.ddp_backend == "nccl" and args.per_device_train_batch_size == 4
    line = launch.command(RunConfig(processes=4), ["train", "--output", "r"])
    assert "--nproc-per-node=4" in line and "--standalone" in line
