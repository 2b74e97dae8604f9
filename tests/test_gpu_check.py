"""bench/gpu_check.sh: its CPU part (bench/gpu_facts.py --cpu-dry-run) runs here, a GPU faked where one is needed;
the GPU steps run only on a lent GPU (README, Bigger hardware)."""
import subprocess
import sys

from finetune.machine import hardware

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import gpu_facts  # noqa: E402


def test_the_script_is_valid_bash_and_names_its_steps():
    assert subprocess.run(["bash", "-n", str(ROOT / "bench" / "gpu_check.sh")]).returncode == 0
    script = (ROOT / "bench" / "gpu_check.sh").read_text()
    assert "bench/speed.py --device cuda --quick" in script and "bench/gpu_facts.py" in script


def test_the_dry_run_checks_every_decision_and_skips_what_needs_a_gpu(capsys):
    assert gpu_facts.main(["--cpu-dry-run", "--step=suite=skip:would run"]) == 0
    table = capsys.readouterr().out
    for check in ("precision chosen", "FSDP, 1 process", "process backend", "launch command, 2 GPUs"):
        assert any(line.startswith(f"| {check}") and "| ok " in line for line in table.splitlines()), check
    for needs_gpu in ("estimate vs max_memory_allocated", "Playground tokens/s", "suite"):
        assert any(line.startswith(f"| {needs_gpu}") and "| skipped" in line for line in table.splitlines())


def test_a_wrong_precision_choice_fails_the_check(monkeypatch, capsys):
    hardware.detect()  # what the real flags chose, cached before the facts are faked
    flags = hardware._cpu_flags()
    monkeypatch.setattr(hardware, "cpu_kind", lambda f: ("AVX2", "fp32", "emulated") if "avx512_bf16" in flags
                        else ("AMX", "bf16", "fast"))  # the facts say the other precision than detect() chose
    assert gpu_facts.main(["--cpu-dry-run"]) == 1
    assert "| precision chosen" in capsys.readouterr().out


def test_a_failed_shell_step_fails_the_table(capsys):
    assert gpu_facts.main(["--cpu-dry-run", "--step=suite, CUDA-relevant tests=1:2 failed, 40 passed"]) == 1
    assert "| FAIL" in capsys.readouterr().out
