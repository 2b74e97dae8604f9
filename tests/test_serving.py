"""The micro-batcher: callers in many threads share one model call, each gets its own answers."""
import threading
import time

import pytest

from finetune.services.serving import Batcher, Batchers


def test_callers_at_once_share_model_calls_and_each_gets_its_own_answers():
    calls = []

    def predict(texts):
        calls.append(len(texts))
        time.sleep(0.02)  # a model call: others arrive meanwhile
        return [t.upper() for t in texts]

    batcher, answers = Batcher(predict, max_texts=8), {}

    def visitor(i):
        answers[i] = [batcher([f"text {i} {n}"])[0] for n in range(3)]

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert answers == {i: [f"TEXT {i} {n}" for n in range(3)] for i in range(20)}
    assert sum(calls) == 60 and max(calls) <= 8 and len(calls) < 30  # batched, never over the cap


def test_a_caller_whose_text_breaks_the_model_fails_alone():
    def predict(texts):
        time.sleep(0.01)
        if "bad" in texts:
            raise ValueError("cannot read 'bad'")
        return texts

    batcher, results = Batcher(predict), {}

    def call(text):
        try:
            results[text] = batcher([text])
        except ValueError as e:
            results[text] = str(e)

    threads = [threading.Thread(target=call, args=(t,)) for t in ["a", "bad", "c"]]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == {"a": ["a"], "bad": "cannot read 'bad'", "c": ["c"]}


def test_options_differ_so_batches_do_not_mix():
    seen = []
    batcher = Batcher(lambda texts, n=0: seen.append((n, len(texts))) or [n] * len(texts))
    out = {}
    threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, batcher(["x"], n=i % 2))) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert out == {i: [i % 2] for i in range(6)} and sum(k for _, k in seen) == 6


def test_the_registry_keeps_the_newest_few():
    registry = Batchers(keep=2)
    a = registry.get(("a",), lambda: Batcher(list))
    assert registry.get(("a",), pytest.fail) is a
    registry.get(("b",), lambda: Batcher(list))
    registry.get(("c",), lambda: Batcher(list))
    assert registry.get(("a",), lambda: "rebuilt") == "rebuilt"


def test_the_free_cores_are_measured_beside_the_batch_not_inside_it(monkeypatch):
    """A measurement reads /proc for ~0.1 s (much longer on a loaded machine); inside the batch it held every
    waiting visitor's answer. The batch applies the last count at once and a thread measures anew."""
    from finetune.machine import hardware
    from finetune.services import predictions

    monkeypatch.delenv("FINETUNE_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    measured = threading.Event()

    def slow_free_cores(cores, busy=None):
        time.sleep(0.5)
        measured.set()
        return 1

    hardware.detect(), hardware._default_threads()  # torch imported and the machine known before the clock
    monkeypatch.setattr(hardware, "free_cores", slow_free_cores)
    monkeypatch.setattr(hardware, "_last_measured", [time.monotonic() - 60, 1])  # due for a new measurement
    monkeypatch.setattr(predictions, "_CORES", {"measured": -float("inf"), "lock": threading.Lock()}, raising=False)
    started = time.perf_counter()
    predictions._free_cores()
    assert time.perf_counter() - started < 0.25 and not measured.is_set()
    assert measured.wait(5)  # and the measurement did happen, in its own thread


def test_a_run_starts_at_a_lower_cpu_priority_than_the_app_unless_told_otherwise(monkeypatch):
    """Visitors' answers first: a training process yields the CPU to the app (bench/serving.py measured the
    queue wait with a run training beside at the app's priority and below it)."""
    import os
    import subprocess

    from finetune.control import warm_pool

    monkeypatch.delenv(warm_pool.NICENESS_ENV, raising=False)
    process = subprocess.Popen(warm_pool.at_run_priority(["sleep", "30"]))
    try:
        for _ in range(100):  # until `nice` has set the priority and become `sleep`
            name, fields = open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)
            if name.endswith("(sleep"):
                break
            time.sleep(0.05)
        assert int(fields.split()[16]) == min(19, os.nice(0) + warm_pool.RUN_NICENESS)  # field 19: nice
    finally:
        process.kill()
        process.wait()
    monkeypatch.setenv(warm_pool.NICENESS_ENV, "0")
    assert warm_pool.at_run_priority(["python", "-m", "finetune"]) == ["python", "-m", "finetune"]
