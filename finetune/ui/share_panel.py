"""Share in the Train tab's report: the trained model as its own demo app (a zip to run anywhere with one
command), and a push of that app as a Gradio Space when a token is given.

Both handlers pass the gate (gate.run_for with change=True: only the run's owner shares it). The token is
an argument of one call, never kept, cleared from its box after the push; the handlers are private."""
from __future__ import annotations

import shutil

import gradio as gr

from ..services.hub import push_space
from ..hosting import gate
from ..runs.folder import RunPaths
from ..services.share import write_share_app
from . import visitor
from .export_panel import Exported, Pushed
from .followed_run import FollowedRun
from .messages import USER_ERRORS, as_text, error_box, user_error


def _demo_folder(run: FollowedRun, token) -> RunPaths:
    """The current run's demo folder, written afresh (the model may have changed since the last Share)."""
    try:
        owner = visitor.owner(token)
        gate.require_visitor(owner)
        paths = RunPaths(gate.run_for(owner, run.run_dir, change=True))
        shutil.rmtree(paths.share, ignore_errors=True)
        write_share_app(paths.root, paths.share)
    except USER_ERRORS as e:
        raise user_error(e) from None
    return paths


def share_demo(run: FollowedRun, token: str | None = None) -> Exported:
    """The demo app as a zip, and what to do with it."""
    if not run.run_dir:
        raise gr.Error("No trained model yet: train one first.", print_exception=False)
    paths = _demo_folder(run, token)
    archive = shutil.make_archive(str(paths.share_zip.with_suffix("")), "zip", paths.share)
    return Exported(file=archive, message="Done: unzip it and run `pip install -r requirements.txt && python app.py` "
                    "(offline; the README shows the /predict API for scripts).")


def push_demo(run: FollowedRun, repo_id: str, hub_token: str, private: bool, token: str | None = None) -> Pushed:
    """A message, the token box emptied. Offline it says so and uploads nothing."""
    if not run.run_dir:
        raise gr.Error("No trained model yet: train one first.", print_exception=False)
    paths = _demo_folder(run, token)
    try:
        url = push_space(paths.share, repo_id or "", hub_token or "", private=private)
    except USER_ERRORS as e:
        return Pushed(message=error_box(e), token="")
    return Pushed(message=f"Done: the demo is a Space at [{as_text(url)}]({url}).", token="")


def render(run: gr.State, token: gr.BrowserState) -> None:
    with gr.Accordion("Share: this model as its own demo app, or as a Space", open=False):
        with gr.Row():
            share_button = gr.Button("Share as a demo app", size="sm", elem_id="share-demo")
            archive = gr.File(label="Demo app (zip: app.py, the model, requirements.txt, README)",
                              interactive=False, elem_id="share-file")
        message = gr.Markdown(elem_id="share-message")
        with gr.Row():
            repo_id = gr.Textbox(label="Space", placeholder="your-name/my-demo", elem_id="share-space")
            hub_token = gr.Textbox(label="Hugging Face token (write access; used once, never stored)",
                                   type="password", elem_id="share-token")
            private = gr.Checkbox(True, label="Private Space", elem_id="share-private")
            push_button = gr.Button("Push as a Space", size="sm", elem_id="share-push")
        pushed = gr.Markdown(elem_id="share-push-message")
    share_button.click(share_demo, [run, token], list(Exported(archive, message)), api_visibility="private")
    push_button.click(push_demo, [run, repo_id, hub_token, private, token], list(Pushed(pushed, hub_token)),
                      api_visibility="private")
