"""A trained classifier or tagger as ONNX, checked against PyTorch on a few texts (the logits agree within TOLERANCE)."""
from __future__ import annotations

import warnings
from pathlib import Path

from ..errors import ConfigError

PARITY_TEXTS = ["A short text.", "A somewhat longer text, to check that padding and lengths agree as well."]
TOLERANCE = 1e-3


def export_onnx(model_dir, task) -> dict:
    """Writes model_dir/onnx/model.onnx (+ tokenizer) for a Task that exports (Task.onnx_loader) and returns
    {"path", "max_abs_diff", "opset"}.

    The export is checked at once: the ONNX model and the PyTorch model score the same texts, and
    their logits must agree within TOLERANCE, or the export is refused.
    """
    refuse_unexportable(model_dir, task)
    import torch
    import transformers
    from transformers import AutoTokenizer

    model_dir = Path(model_dir)
    loader = getattr(transformers, task.onnx_loader)
    model = loader.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    out = model_dir / "onnx"
    out.mkdir(exist_ok=True)
    inputs = tokenizer(PARITY_TEXTS, padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in inputs]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    opset = 17
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks; the parity check below is the real test
        torch.onnx.export(model, tuple(inputs[n] for n in names), str(out / "model.onnx"), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=opset, dynamo=False)
        expected = model(**{n: inputs[n] for n in names}).logits.numpy()
    tokenizer.save_pretrained(out)
    model.config.save_pretrained(out)
    difference = float(abs(onnx_logits(out / "model.onnx", {n: inputs[n].numpy() for n in names}) - expected).max())
    if difference > TOLERANCE:
        raise ConfigError(f"The ONNX export disagrees with the PyTorch model (max difference {difference:.2g}); "
                          "it was not kept. Use the PyTorch model folder instead.")
    return {"path": str(out / "model.onnx"), "max_abs_diff": difference, "opset": opset}


def refuse_unexportable(model_dir, task) -> None:
    """A ConfigError saying why when the export would not be this model: another task, or a sentence model
    with its head apart (SetFit, the probe), whose body alone transformers would load with a random head."""
    if task.onnx_loader is None:
        from ..tasks import TASKS

        exported = " and ".join(t.title for t in TASKS.values() if t.onnx_loader)
        raise ConfigError(f"ONNX export is for {exported} runs; this one is {task.title}. "
                          "Download the model folder instead.")
    head = task.separate_head(Path(model_dir)) if task.separate_head else None
    if head:
        raise ConfigError(f"{head.method} keeps a sentence model with a separately fitted head, which ONNX export "
                          "does not cover: download the model folder, or fine-tune to export ONNX.")


def onnx_logits(path, feeds: dict):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})[0]
