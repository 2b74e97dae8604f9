"""The plain-data shapes (no Gradio) a task describes its data check and its results in: Markdown, tables,
highlighted spans. The UI draws whatever a task fills (ui/data_checks.py, ui/report.py), so a new task needs
no UI code. Every Markdown string here has the user's text escaped (as_text)."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd


PREVIEW_ROWS = 8  # a table's first rows shown under a check


def as_text(message) -> str:
    """HTML escaped (a cell holding <script> shows as text) and with no Markdown link or image (a label
    `![x](http://tracker)` shows as text, loads nothing), newlines kept."""
    escaped = html.escape(str(message)).replace("[", "&#91;").replace("]", "&#93;")
    return escaped.replace("\n", "  \n")


@dataclass
class Highlight:
    """Text with labelled spans: gr.HighlightedText's value."""
    text: str
    entities: list[dict] = field(default_factory=list)  # {"start", "end", "entity"}

    def to_value(self) -> dict:
        return {"text": self.text, "entities": self.entities}


@dataclass
class CheckView:
    """What the Data tab shows for a data check; what a task leaves None stays hidden."""
    markdown: str                              # the head line, the problems, what next
    lengths: dict | None = None                # a token-length summary (data/token_lengths) for the chart
    max_length: int = 0                        # the cut the chart marks
    samples: pd.DataFrame | None = None        # a few examples per class (or sentences, or texts)
    preview: pd.DataFrame | None = None        # the table's first rows
    columns: pd.DataFrame | None = None        # the table's columns described
    entities: Highlight | None = None          # labelled spans in the examples


@dataclass
class Against:
    """What a trained model is compared with: a simple model on the same split, or the base model before
    training. Its scores are keyed like the run's metrics."""
    title: str                # "TF-IDF baseline", "base model (before training)"
    scores: dict[str, float]
    base_model: bool = False  # the model before training: no better means it learned nothing


@dataclass
class ResultsView:
    """What the report shows for a run's results beyond the common summary; None stays hidden."""
    scores: pd.DataFrame | None = None     # per class (or entity type): precision, recall, f1, support
    matrix: dict | None = None             # {"labels", "matrix"}: a confusion matrix
    mistakes: pd.DataFrame | None = None   # MISTAKE_COLUMNS; select a row to try its text in the Playground


MISTAKE_COLUMNS = ["text", "label", "predicted", "confidence"]


def scores_table(scores: dict) -> pd.DataFrame:
    """Per-part scores ({name: {metric: value}}) as a table, a row per part."""
    return pd.DataFrame([{"label": k, **{m: round(v, 3) for m, v in row.items()}} for k, row in scores.items()])


def problems_markdown(head: str, report, remedies: list[str] = (), fixes: bool = False) -> str:
    """The head line, then each error and warning (with its rows), what the remedies did, and what next.
    `fixes`: the tab offers one-click fixes for this task."""
    lines = [head]
    lines += [f"- **Blocking:** {as_text(e.message)}" for e in report.errors]
    for w in report.warnings:
        rows = f" (rows {', '.join(map(str, w.rows))}{'…' if len(w.rows) >= 5 else ''})" if w.rows else ""
        lines.append(f"- **Warning:** {as_text(w.message)}{rows}")
    lines += [f"- 🔧 {as_text(note)}" for note in remedies]
    if not report.errors and not report.warnings:
        lines.append("- **OK:** No problems found. Next: the Model tab.")
    elif not report.errors:
        lines.append("\nYou can train anyway" + ("; the fixes below take one click each." if fixes else "."))
    else:
        lines.append("\nTraining is blocked until the **Blocking** problems are fixed"
                     + (" (the fixes below may do it)." if fixes else "."))
    return "\n".join(lines)
