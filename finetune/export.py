"""Taking a trained model away: ONNX (checked against PyTorch) and a push to the Hugging Face Hub.

The zip of the model folder lives in runs.py; this module holds the exports that need extra libraries.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from .errors import ConfigError

PARITY_TEXTS = ["A short text.", "A somewhat longer text, to check that padding and lengths agree as well."]
TOLERANCE = 1e-3


def export_onnx(model_dir, task) -> dict:
    """Writes model_dir/onnx/model.onnx (+ tokenizer) for a Task that exports (Task.onnx_loader) and returns
    {"path", "max_abs_diff", "opset"}.

    The export is checked at once: the ONNX model and the PyTorch model score the same texts, and
    their logits must agree within TOLERANCE, or the export is refused.
    """
    if task.onnx_loader is None:
        from .tasks import TASKS

        exported = " and ".join(t.title for t in TASKS.values() if t.onnx_loader)
        raise ConfigError(f"ONNX export is for {exported} runs; this one is {task.title}. "
                          "Download the model folder instead.")
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


def export_run(run_dir, kind: str) -> dict:
    """The CLI's export: "onnx" (fp32), "int8" (beside it, checked on held-out rows) or "gguf" (generation);
    the check's figures as a dict."""
    from dataclasses import asdict

    from .predictions import model_folder
    from .tasks import get_task

    folder, task = model_folder(run_dir)
    if kind == "gguf":
        from .gguf_export import export_gguf

        return asdict(export_gguf(folder))
    if kind == "int8":
        from .onnx_int8 import export_int8

        return export_int8(Path(folder).parent).to_json()
    return export_onnx(folder, get_task(task))


def onnx_logits(path, feeds: dict):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})[0]


PICKLES = ("training_args.bin", "*.pkl", "*.pickle", "*.joblib")  # never shared: loading one runs its code


def push_to_hub(model_dir, repo_id: str, token: str, private: bool = True) -> str:
    """Uploads the model folder; returns its URL. The token is used for this call only, never stored or logged."""
    return push_folder(model_dir, repo_id, token, private)


def push_space(app_dir, repo_id: str, token: str, private: bool = True) -> str:
    """Uploads a shared demo folder (share.write_share_app) as a Gradio Space; returns its URL."""
    return push_folder(app_dir, repo_id, token, private, space=True)


def push_folder(folder, repo_id: str, token: str, private: bool = True, space: bool = False) -> str:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from .models import hub_reachable

    if not repo_id.strip() or "/" not in repo_id:
        raise ConfigError("Name the repository as 'your-name/model-name'.")
    if not token.strip():
        raise ConfigError("Paste a Hugging Face token with write access (huggingface.co/settings/tokens).")
    if not hub_reachable():
        raise ConfigError("The Hugging Face Hub is not reachable from this machine, so nothing was uploaded. "
                          "Download the model zip instead and upload it where you have internet.")
    api = HfApi(token=token.strip())
    try:
        kind = {"repo_type": "space", "space_sdk": "gradio"} if space else {}
        api.create_repo(repo_id.strip(), private=private, exist_ok=True, **kind)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id.strip(), commit_message="Fine-Tune Studio model",
                          ignore_patterns=list(PICKLES),  # pickles (training_args.bin) run code when loaded
                          repo_type="space" if space else None)
    except (HfHubHTTPError, OSError, ValueError) as e:
        message = str(e).replace(token.strip(), "***")  # never echo the token back, nor the server's paths
        for folder in {str(Path(model_dir).resolve()), str(model_dir)}:
            message = message.replace(folder, "model")
        raise ConfigError(f"Upload to {repo_id} failed: {(message.splitlines() or [type(e).__name__])[0]}") from None
    except Exception as e:  # httpx's connection and timeout errors are not OSErrors
        if type(e).__module__.split(".")[0] not in ("httpx", "httpcore", "requests", "urllib3"):
            raise
        raise ConfigError(f"Upload to {repo_id} failed: the Hub could not be reached ({type(e).__name__}). "
                          "Check the connection and try again, or download the model zip instead.") from None
    return f"https://huggingface.co/{'spaces/' if space else ''}{repo_id.strip()}"
