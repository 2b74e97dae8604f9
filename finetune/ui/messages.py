"""How the UI shows engine messages: always as escaped text, never as HTML a file could inject."""
from __future__ import annotations

import html

import gradio as gr

from ..errors import ConfigError, DataError

USER_ERRORS = (ConfigError, DataError)


def as_text(message: str) -> str:
    """HTML escaped (a cell holding <script> shows as text) and with no Markdown link or image (a label
    `![x](http://tracker)` shows as text, loads nothing), newlines kept."""
    escaped = html.escape(str(message)).replace("[", "&#91;").replace("]", "&#93;")
    return escaped.replace("\n", "  \n")


def error_box(message: str) -> str:
    return f"**Error:** {as_text(message)}"


def user_error(error: Exception) -> gr.Error:
    """A gr.Error a handler can raise, with the engine's message as plain text."""
    return gr.Error(str(error), print_exception=False)
