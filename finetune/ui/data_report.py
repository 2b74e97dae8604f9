"""The Data tab's words: the check's report and the baseline as Markdown (quick_panel.py: "do you need fine-tuning?")."""
from __future__ import annotations

from .messages import as_text


def report_markdown(report, name: str, fixes: bool = True) -> str:
    """A classification check's head line and problems."""
    encoding = f", read as {report.encoding}" if report.encoding not in ("", "utf-8", "utf-8-sig") else ""
    head = (f"**{as_text(name)}**: {report.rows} rows, {len(report.labels)} label{'' if len(report.labels) == 1 else 's'}, "
            f"{report.usable_rows} rows usable for training{as_text(encoding)}. "
            f"Text: `{as_text(report.text_column)}`, label: `{as_text(report.label_column)}`.")
    return problems_markdown(head, report, report.remedies, fixes)


def ner_report_markdown(report, name: str, fixes: bool = False) -> str:
    entities = ", ".join(f"{as_text(k)} {v}" for k, v in report.entities.items()) or "none"
    head = f"**{as_text(name)}**: {report.rows} sentences. Entities per type: {entities}."
    return problems_markdown(head, report, fixes=fixes)


def generation_report_markdown(report, name: str, fixes: bool = False) -> str:
    shape = (f"prompt `{as_text(report.prompt_column)}` → response `{as_text(report.response_column)}` "
             "(the model learns to answer; loss on the response only)" if report.prompt_column else
             f"text `{as_text(report.text_column)}`" if report.text_column else "plain text")
    lengths = report.token_lengths or {}
    counted = " (estimated)" if lengths.get("estimated") else ""
    head = (f"**{as_text(name)}**: {report.examples} examples, {report.tokens:,} tokens{counted}, "
            f"about {report.blocks} training blocks; {shape}."
            + (f" Tokens per example: median {lengths['p50']}, 95th percentile {lengths['p95']}, "
               f"longest {lengths['max']}." if lengths.get("max") else ""))
    return problems_markdown(head, report, fixes=fixes)


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


def baseline_markdown(scores: dict | None, split: str, error: str = "") -> str:
    if error:
        return f"**Baseline:** not computed: {as_text(error)}"
    if not scores:
        return "**Baseline:** computing…"
    sampled = f", on a sample of {scores['train_rows']} training rows" if scores.get("sampled") else ""
    return (f"**Baseline** (TF-IDF + logistic regression, {scores['seconds']:.1f} s{sampled}): accuracy "
            f"**{scores['accuracy']:.3f}**, macro-F1 {scores['macro_f1']:.3f} on the {split} rows. "
            "The fine-tuned model should beat this.")
