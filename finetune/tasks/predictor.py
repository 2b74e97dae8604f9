"""A trained model as a function, texts in and one prediction per text out: the Playground, `predict`
and batch labelling all call it. Built on a transformers pipeline; each task says how to read its output."""
from __future__ import annotations

BATCH = 32


class PipelinePredictor:
    kind = ""          # the transformers pipeline task, e.g. "text-classification"
    options: dict = {}  # pipeline() arguments of this kind
    call: dict = {}     # arguments of each call

    def __init__(self, model_dir):
        from transformers import logging, pipeline

        logging.disable_progress_bar()
        self.pipe = pipeline(self.kind, model=str(model_dir), device="cpu", **self.options)

    def __call__(self, texts: list[str]) -> list[dict]:
        texts = list(texts)
        outputs = self.pipe(texts, batch_size=BATCH, **self.call)
        if len(texts) == 1 and outputs and isinstance(outputs[0], dict):  # one text can come back unwrapped
            outputs = [outputs]
        return [self.read(text, output) for text, output in zip(texts, outputs)]

    def read(self, text: str, output) -> dict:
        raise NotImplementedError
