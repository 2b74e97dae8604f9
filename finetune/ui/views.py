"""Handlers that update components by name, never by position.

A tab gathers the components its handlers update in a NamedTuple (a "view"). A handler takes the view
first and returns {component: value} for the components it changes; Gradio leaves the other outputs as
they are. Adding an output is a new field, and no index or count shifts. A handler whose outputs are few
and always all set returns a NamedTuple of values instead, built from the same NamedTuple type as its
outputs= list (e.g. playground_tab.Answer). A form's widgets reach a handler by name too (by_name).
"""
from __future__ import annotations

from functools import partial


def bind(handler, *views):
    """handler(*views, *inputs) as a listener: the views bound, its name kept (the private endpoint's name)."""
    bound = partial(handler, *views)
    bound.__name__ = handler.__name__
    return bound


def components(view) -> list:
    """Every component of a view, nested views flattened: a listener's outputs=."""
    return [c for part in view for c in (components(part) if isinstance(part, tuple) else [part])]


def by_name(handler, inputs: list, named: dict, *views):
    """(listener, inputs) for inputs that go by name: Gradio hands a listener whose inputs are a set one dict
    keyed by component; this one calls handler(*views, *values of `inputs`, {name: value} of `named`).
    So a form's widgets (the Model tab's knobs, the Data tab's fixes) reach a handler by their names."""
    def listener(values: dict):
        return handler(*views, *(values[c] for c in inputs), {name: values[c] for name, c in named.items()})

    listener.__name__ = handler.__name__
    return listener, {*inputs, *named.values()}
