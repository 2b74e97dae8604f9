"""Answering many callers at once: one micro-batcher per loaded model.

Every caller (a Playground visitor, the API, a batch file) hands its texts to the model's Batcher and waits
for its own answers. One worker at a time runs the model: it waits WAIT_S for others to arrive, then scores
everything that came (up to MAX_TEXTS texts) in one call, and hands each caller its share. So the model is
never used from two threads at once, twenty visitors cost about one forward pass of twenty texts instead of
twenty one at a time, and a visitor's bad input fails only that visitor's call.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

MAX_TEXTS = 32   # texts per model call: a bigger batch no longer gets cheaper per text on a CPU
WAIT_S = 0.004   # how long the worker waits for more callers before it runs


@dataclass
class _Ask:
    texts: list[str]
    options: dict
    answer: Future = field(default_factory=Future)


class Batcher:
    """predict(texts, **options) -> one result per text, shared by every thread that calls this object."""

    def __init__(self, predict, max_texts: int = MAX_TEXTS, wait_s: float = WAIT_S, before=None):
        self.predict, self.max_texts, self.wait_s, self.before = predict, max_texts, wait_s, before
        self._lock = threading.Lock()
        self._waiting: list[_Ask] = []
        self._working = False

    def __call__(self, texts: list[str], **options) -> list:
        ask = _Ask(list(texts), options)
        with self._lock:
            self._waiting.append(ask)
            start, self._working = not self._working, True
        if start:
            threading.Thread(target=self._work, name="batcher", daemon=True).start()
        return ask.answer.result()

    def _work(self):
        while True:
            time.sleep(self.wait_s)  # callers arriving now join this batch
            with self._lock:
                batch = self._take()
                if not batch:
                    self._working = False
                    return
            self._answer(batch)

    def _take(self) -> list[_Ask]:
        """The oldest callers first, up to max_texts texts, all with the first one's options (generation
        settings); a caller with other options waits for the next batch. Call with the lock held."""
        batch, count = [], 0
        for ask in list(self._waiting):
            if batch and (ask.options != batch[0].options or count + len(ask.texts) > self.max_texts):
                continue
            batch.append(ask)
            count += len(ask.texts)
            self._waiting.remove(ask)
        return batch

    def _answer(self, batch: list[_Ask]):
        texts = [t for ask in batch for t in ask.texts]
        try:
            if self.before:
                self.before()
            results = self.predict(texts, **batch[0].options) if texts else []
        except Exception as e:
            if len(batch) > 1:  # one caller's texts broke the batch: each caller alone, so only theirs fails
                for ask in batch:
                    self._answer([ask])
                return
            batch[0].answer.set_exception(e)  # raised in the caller's own thread (e.g. a ConfigError to show)
            return
        start = 0
        for ask in batch:
            ask.answer.set_result(results[start:start + len(ask.texts)])
            start += len(ask.texts)


class Batchers:
    """The batchers of the most recently used models (a few), keyed by what identifies each model."""

    def __init__(self, keep: int = 4):
        self.keep = keep
        self._lock = threading.Lock()
        self._by_key: dict[tuple, Batcher] = {}

    def get(self, key: tuple, build) -> Batcher:
        """The batcher for key, made with build() (outside the lock: loading a model takes a second)."""
        with self._lock:
            found = self._by_key.pop(key, None)
            if found:
                self._by_key[key] = found  # newest last
                return found
        made = build()
        with self._lock:
            made = self._by_key.setdefault(key, made)
            while len(self._by_key) > self.keep:
                self._by_key.pop(next(iter(self._by_key)))  # an evicted one finishes its batch and stops
        return made
