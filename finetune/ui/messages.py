"""How the UI shows engine messages: always as escaped text, never as HTML a file could inject."""
from __future__ import annotations

import re

import gradio as gr

from ..errors import ConfigError, DataError
from ..hosting import owners
from ..tasks import as_text  # noqa: F401 (the one escape for user text in Markdown; tasks word their views with it)

USER_ERRORS = (ConfigError, DataError)
# an absolute path of two parts or more (not the // of a URL): on a Space only its last part is shown
SERVER_PATH = re.compile(r"(?<![\w:/.~])/(?:[\w.@+=-]+/)+([\w.@+=-]+)")


def without_paths(message: str) -> str:
    """On a Space, a message with each server path cut to its last part (a file or run name); locally the
    paths are the user's own and stay."""
    return SERVER_PATH.sub(r"\1", str(message)) if owners.hosted() else str(message)


def error_box(message: str) -> str:
    return f"**Error:** {as_text(without_paths(message))}"


def user_error(error: Exception) -> gr.Error:
    """A gr.Error a handler can raise, with the engine's message as plain text (no server path on a Space)."""
    return gr.Error(without_paths(error), print_exception=False)
