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
