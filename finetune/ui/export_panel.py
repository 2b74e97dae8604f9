"""Export in the Train tab's report: ONNX (checked against PyTorch, the figure shown) with int8 beside it (its
label agreement and latency shown), GGUF for a generation run, and a push to the Hub.

The token is an argument of one call: never kept in gr.State, never written to the run folder or a log,
cleared from its box after the push, and the handlers are private (no public API endpoint).
"""
from __future__ import annotations

import shutil
from typing import Any, NamedTuple

import gradio as gr

from ..errors import ConfigError
from ..services.onnx_export import TOLERANCE, export_onnx
from ..services.hub import push_to_hub
from ..hosting import owners
from ..runs.folder import RunPaths
from ..config import load_run_config
from ..tasks import get_task
from . import visitor
from .followed_run import FollowedRun
from .messages import USER_ERRORS, as_text, error_box


class Exported(NamedTuple):
    """What an export shows, by name (render() builds one of the components)."""
    file: Any     # the file(s) to download
    message: Any  # the check's line, or what went wrong


class Pushed(NamedTuple):
    """What a push to the Hub shows: the message, and the token box emptied."""
    message: Any
    token: Any


def _model_dir(run: FollowedRun, token):
    """(run paths, task) of the current run's saved model, when it is this visitor's; gr.Error otherwise."""
    paths = RunPaths(run.run_dir) if run.run_dir else None
    if paths is None or not paths.has_model:
        raise gr.Error("No trained model yet: train one first.", print_exception=False)
    if not owners.may_use(visitor.owner(token), paths.root):
        raise gr.Error("This run is not yours to export.", print_exception=False)
    try:
        task = load_run_config(paths.root).task
    except ConfigError:
        task = ""  # the default task
    return paths, task


def export_to_onnx(run: FollowedRun, token: str | None = None) -> Exported:
    """Export, check against PyTorch, zip: the zip for download, the parity line."""
    paths, task = _model_dir(run, token)
    try:
        result = export_onnx(paths.model, get_task(task))
    except USER_ERRORS as e:
        return Exported(file=None, message=error_box(e))
    int8 = _int8_line(paths)
    archive = shutil.make_archive(str(paths.onnx_zip.with_suffix("")), "zip", paths.onnx)
    return Exported(file=archive, message=f"Done: ONNX export checked: its outputs differ from PyTorch's by at most "
                    f"{result['max_abs_diff']:.1e} (allowed {TOLERANCE:g}) on the same texts · opset {result['opset']}."
                    f"  \n{int8}")


def _int8_line(paths) -> str:
    """The int8 file beside the fp32 one, with its check's figures (or why there is none)."""
    from ..services.onnx_int8 import export_int8

    try:
        r = export_int8(paths.root)
    except USER_ERRORS as e:
        return f"No int8 file: {as_text(e)}"
    return (f"int8 (model.int8.onnx, {r.int8_mb:g} MB against {r.fp32_mb:g} MB): labels agree with fp32 on "
            f"{r.agreement:.1%} of {r.rows} held-out rows; {r.int8_ms:.1f} ms per text against {r.fp32_ms:.1f} ms.")


def export_to_gguf(run: FollowedRun, token: str | None = None) -> Exported:
    """A generation run as one GGUF file and an Ollama Modelfile: the files, the check's line."""
    from ..services.gguf_export import export_gguf

    paths, _ = _model_dir(run, token)
    try:
        result = export_gguf(paths.model)
    except USER_ERRORS as e:
        return Exported(file=None, message=error_box(e))
    return Exported(file=[result.path, result.modelfile], message=(
        f"Done: GGUF ({result.size_mb:g} MB, {result.tensors} tensors, f16) read back: next-token logits differ "
        f"from PyTorch's by at most {result.max_abs_diff:.1e}, same next token. `ollama create my-model -f "
        f"Modelfile` in a folder with both files; llama.cpp: `llama-cli -m model.gguf`."))


def push_model(run: FollowedRun, repo_id: str, token: str, private: bool, visitor_id: str | None = None) -> Pushed:
    """Upload the model folder: a message, an empty token box. Offline it says so and uploads nothing."""
    paths, _ = _model_dir(run, visitor_id)
    try:
        url = push_to_hub(paths.model, repo_id or "", token or "", private=private)
    except USER_ERRORS as e:
        return Pushed(message=error_box(e), token="")
    return Pushed(message=f"Done: pushed to [{as_text(url)}]({url}).", token="")


def render(run: gr.State, visitor_id: gr.BrowserState) -> None:
    with gr.Accordion("Export: ONNX (fp32 and int8), GGUF, or push to the Hugging Face Hub", open=False):
        with gr.Row():
            onnx_button = gr.Button("Export to ONNX", size="sm", elem_id="export-onnx")
            onnx_file = gr.File(label="ONNX model (zip, with the tokenizer)", interactive=False, elem_id="onnx-file")
        onnx_message = gr.Markdown(elem_id="onnx-message")
        with gr.Row():
            gguf_button = gr.Button("Export to GGUF (llama.cpp, Ollama; generation runs)", size="sm",
                                    elem_id="export-gguf")
            gguf_files = gr.File(label="GGUF model and Ollama Modelfile", file_count="multiple", interactive=False,
                                 elem_id="gguf-files")
        gguf_message = gr.Markdown(elem_id="gguf-message")
        with gr.Row():
            repo_id = gr.Textbox(label="Hub repository", placeholder="your-name/model-name", elem_id="hub-repo")
            token = gr.Textbox(label="Hugging Face token (write access; used once, never stored)",
                               type="password", elem_id="hub-token")
            private = gr.Checkbox(True, label="Private repository", elem_id="hub-private")
            push_button = gr.Button("Push to the Hub", size="sm", elem_id="hub-push")
        push_message = gr.Markdown(elem_id="hub-message")
    onnx_button.click(export_to_onnx, [run, visitor_id], list(Exported(onnx_file, onnx_message)),
                      api_visibility="private")
    gguf_button.click(export_to_gguf, [run, visitor_id], list(Exported(gguf_files, gguf_message)),
                      api_visibility="private")
    push_button.click(push_model, [run, repo_id, token, private, visitor_id], list(Pushed(push_message, token)),
                      api_visibility="private")
