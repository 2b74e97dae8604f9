"""A trained classifier or tagger as ONNX, checked against PyTorch on a few texts (the logits agree within TOLERANCE)."""
from __future__ import annotations

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
    model_dir, opset = Path(model_dir), 17
    out = model_dir / "onnx"
    out.mkdir(exist_ok=True)
    head = task.separate_head(model_dir) if task.separate_head else None
    if head:  # SetFit, the probe: body, pooling and head in one graph, checked on probabilities
        from .onnx_sentence import export_with_head, softmax

        feeds, expected = export_with_head(model_dir, task, head, out, PARITY_TEXTS, opset)
        difference = float(abs(softmax(onnx_logits(out / "model.onnx", feeds)) - expected).max())
    else:
        difference = _export_transformers(model_dir, task, out, opset)
    if difference > TOLERANCE:
        raise ConfigError(f"The ONNX export disagrees with the PyTorch model (max difference {difference:.2g}); "
                          "it was not kept. Use the PyTorch model folder instead.")
    return {"path": str(out / "model.onnx"), "max_abs_diff": difference, "opset": opset}


def _export_transformers(model_dir: Path, task, out: Path, opset: int) -> float:
    """A transformers model with its head (Task.onnx_loader) as out/model.onnx; the largest logit difference."""
    import torch
    import transformers
    from transformers import AutoTokenizer

    from .onnx_trace import trace

    model = getattr(transformers, task.onnx_loader).from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    inputs = tokenizer(PARITY_TEXTS, padding=True, return_tensors="pt")
    feeds = trace(model, inputs, out / "model.onnx", opset)
    with torch.no_grad():
        expected = model(**{n: inputs[n] for n in feeds}).logits.numpy()
    tokenizer.save_pretrained(out)
    model.config.save_pretrained(out)
    return float(abs(onnx_logits(out / "model.onnx", feeds) - expected).max())


def refuse_unexportable(model_dir, task) -> None:
    """A ConfigError saying why when the export would not be this model: a task without ONNX export."""
    if task.onnx_loader is None:
        from ..tasks import TASKS

        exported = " and ".join(t.title for t in TASKS.values() if t.onnx_loader)
        raise ConfigError(f"ONNX export is for {exported} runs; this one is {task.title}. "
                          "Download the model folder instead.")


def onnx_logits(path, feeds: dict):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})[0]
