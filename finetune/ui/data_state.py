"""What the Data tab knows about the loaded data, shared with the other tabs through one gr.State.

The Data tab builds it (the constructors below are the only places that do); the Model, Train and search
panels, the quick models and the label review read its attributes. Plain data: gr.State deep-copies it for
every session, and tells a change (its .change event) by the value's hash, which follows the content.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..tasks import DEFAULT_TASK


@dataclass(frozen=True)
class DataState:
    task: str = DEFAULT_TASK  # the task the file is checked as (the Model tab's task follows it)
    model: str = ""           # the Model tab's base model: the tokenizer the check counts tokens with
    settings: dict = field(default_factory=dict)  # the data fields of the run config but the task (data_file,
                                                  # columns, extra files, split, fixes); empty: no file yet
    name: str = ""            # the file's name, as messages show it
    ready: bool = False       # the check passed: training may start
    few_shot_ready: bool = False  # ready for SetFit only (too few rows per class to fine-tune)
    rows: int = 0             # the check's count of examples
    labels: dict = field(default_factory=dict)   # rows per label
    columns: list = field(default_factory=list)  # the file's columns (the column pickers' choices)
    texts: list = field(default_factory=list)    # NER: the first sentences, for the estimate
    max_length: int = 0       # the check's max length fitted to the file (the chart's line; the estimate's too)
    suggest: str = ""         # after a failed check: another task whose check reads the file

    def __hash__(self) -> int:
        # gradio.utils.deep_hash hashes a State's value before and after each event to fire .change: by content,
        # as for the dict this was (the generated hash fails on the dict fields)
        return hash(json.dumps(asdict(self), sort_keys=True, default=str))

    @property
    def loaded(self) -> bool:
        """A file is loaded (its check may have failed)."""
        return bool(self.settings.get("data_file"))

    def data_config(self) -> dict:
        """The data part of a RunConfig (task included, the model left to the Model tab), as Train starts it."""
        return {**self.settings, "task": self.task}

    # --- the constructors: every DataState the app holds comes from one of these ------------------
    @classmethod
    def empty(cls, task: str = DEFAULT_TASK, model: str = "") -> "DataState":
        """No file: the task and model as chosen."""
        return cls(task=task or DEFAULT_TASK, model=model or "")

    @classmethod
    def unchecked(cls, fields: dict, model: str, suggest: str = "") -> "DataState":
        """A file its check could not read (`suggest`: a task that reads it), or settings the config refused."""
        return cls(**_split(fields), model=model, name=Path(fields["data_file"]).name, suggest=suggest)

    @classmethod
    def checked(cls, fields: dict, model: str, found: dict) -> "DataState":
        """A file's check: `found` is what data_checks.check keeps (rows, labels, ready, columns...)."""
        return cls(**_split(fields), model=model, name=Path(fields["data_file"]).name, ready=bool(found["ready"]),
                   few_shot_ready=bool(found.get("few_shot_ready")), rows=found.get("rows") or 0,
                   labels=dict(found.get("labels") or {}), columns=list(found.get("columns") or []),
                   texts=list(found.get("texts") or []), max_length=int(found.get("max_length") or 0))


def _split(fields: dict) -> dict:
    """The task apart from the other data fields: it is kept once."""
    settings = dict(fields)
    return {"task": settings.pop("task", None) or DEFAULT_TASK, "settings": settings}
