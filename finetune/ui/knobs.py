"""Widgets built from RunConfig's field metadata: a new config field shows up with its range and help."""
from __future__ import annotations

import gradio as gr


def knob_widget(f, value, **extra):
    meta = f.metadata
    options = dict(label=f.name.replace("_", " "), info=meta["help"],
                   elem_id="knob-" + f.name.replace("_", "-"), **extra)
    if isinstance(f.default, bool):
        return gr.Checkbox(value=value, **options)
    if meta.get("multiple"):
        return gr.Dropdown(list(meta["choices"]), value=widget_value(f, value), multiselect=True, **options)
    if meta.get("choices"):
        titles = meta.get("titles") or {}
        return gr.Dropdown([(titles.get(c, c), c) for c in meta["choices"]], value=value, **options)
    if isinstance(f.default, str):  # free text, e.g. the label review's edits (JSON)
        return gr.Textbox(value=value, **options)
    if isinstance(f.default, float) and meta.get("step"):
        return gr.Slider(meta["min"], meta["max"], value=value, step=meta["step"], **options)
    return gr.Number(value=value, minimum=meta.get("min"), maximum=meta.get("max"),
                     precision=0 if isinstance(f.default, int) else None, **options)


def widget_value(f, value):
    """A config value as its widget holds it: a comma-separated field is a multi-select's list."""
    if f.metadata.get("multiple") and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value
