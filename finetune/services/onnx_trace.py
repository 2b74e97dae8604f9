"""One torch.onnx.export call for every classifier export (a transformers model, or a sentence model with its
head): the inputs a tokenizer gave, batch and sequence left dynamic, a `logits` output."""
from __future__ import annotations

import warnings
from pathlib import Path

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def trace(model, inputs, path: Path, opset: int) -> dict:
    """Writes `path` and returns the same inputs as numpy arrays, named as the graph names them."""
    import torch

    names = [n for n in INPUTS if n in inputs]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks; the parity check is the real test
        torch.onnx.export(model, tuple(inputs[n] for n in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=opset, dynamo=False)
    return {n: inputs[n].numpy() for n in names}
