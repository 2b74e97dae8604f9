"""The data check's report: what every task's check says (the file's shape, what blocks training, what will
go wrong), plus each task's own findings in a subclass. `python -m finetune check` prints `to_json()`;
the Data tab draws its `view()` (views.CheckView: plain data), which each subclass describes.

Row numbers in a warning are as a reader counts them: file rows for a table (after its header), sentence
numbers for NER, example numbers from 1 for generation text.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

from .views import CheckView, as_text, problems_markdown

ROWS_SHOWN = 5  # row numbers kept per warning: enough to find the pattern in the file


@dataclass
class Problem:
    code: str
    message: str
    rows: list[int] | None = None  # a warning names rows; an error (it blocks training) does not

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, **({} if self.rows is None else {"rows": self.rows})}


@dataclass
class CheckReport:
    rows: int | None = 0  # the table's rows (None for a .txt corpus, which has none)
    columns: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    # What the Data tab's chart of counts is called, per task.
    counts_title: ClassVar[str] = "Examples per label"
    counts_unit: ClassVar[str] = "rows"
    recommended: ClassVar[int] = 100

    def warn(self, code: str, message: str, rows=()) -> None:
        self.warnings.append(Problem(code, message, [int(r) for r in list(rows)[:ROWS_SHOWN]]))

    def block(self, code: str, message: str) -> None:
        self.errors.append(Problem(code, message))

    @property
    def ready(self) -> bool:
        return not self.errors

    @property
    def size(self) -> int:
        """How many examples training reads (the estimate's row count)."""
        return self.rows or 0

    @property
    def counts(self) -> dict[str, int]:
        """Examples per class (or entity type), for the balance chart; empty where a task has no classes."""
        return {}

    @property
    def few_shot_ready(self) -> bool:
        """Blocked only where a few-shot method (SetFit) may still train; False for tasks without one."""
        return False

    @property
    def texts(self) -> list[str]:
        """Example texts the estimate measures when the tab has no table to read them from (NER sentences)."""
        return []

    def view(self, name: str, frame, config, fixes: bool = False) -> CheckView:
        """What the Data tab shows: `name` is the file's, `frame` the table the tab read (None for other
        files), `fixes`: the tab offers one-click fixes for this task."""
        rows = f"{self.size} examples" if self.size else "no usable examples"
        return CheckView(problems_markdown(f"**{as_text(name)}**: {rows}.", self, fixes=fixes))

    def to_json(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, values: dict) -> "CheckReport":
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in values.items() if k in known}
        for name in ("warnings", "errors"):
            kept[name] = [Problem(**p) for p in kept.get(name, [])]
        return cls(**kept)


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.to_json() if isinstance(value, Problem) else value
