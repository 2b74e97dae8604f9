"""The estimate in words, for the Train tab: one short paragraph, its training-length line and warnings."""
from __future__ import annotations

from .estimate import Estimate


def describe(result: Estimate) -> str:
    """One short paragraph for the Train tab."""
    assumed = [what for what, yes in ((f"{result.assumed_rows:,} rows", result.assumed_rows),
                                      ("the length", result.assumed_length)) if yes]
    basis = f" ({' and '.join(assumed)} assumed until data is loaded)" if assumed else ""
    how = "this machine's measured speed" if result.measured else "rough, ±2×"
    what = (f"one pass of SetFit pairs ({_pace(result.seconds_per_epoch)}), then its head" if result.method == "setfit"
            else f"{_pace(result.seconds_per_epoch)} of training per epoch")
    parts = ", ".join(f"{name} {_pace(seconds)}" for name, seconds in result.parts.items() if seconds >= 1)
    text = (f"**Estimate** ({how}): about **{_pace(result.total_s)} for the whole run**"
            f"{f' ({parts})' if parts else ''}: {what} at max length {result.length}{basis}. "
            f"{result.parameters / 1e6:.1f}M parameters, about {result.memory_gb:.1f} GB of "
            f"{result.available_gb:.0f} GB {result.device.upper()} memory"
            f"{f' in each of {result.processes} processes' if result.processes > 1 else ''}. "
            "Once training starts, the live pace replaces this.")
    return "\n".join([text, *_training_length_lines(result), *[f"- **Warning:** {line}" for line in result.advice]])


def _training_length_lines(result: Estimate) -> list[str]:
    if not result.epochs or result.method == "setfit":  # SetFit trains one pass of pairs, not epochs
        return []
    total = result.seconds_per_epoch * result.epochs
    total_text = "under a second" if total < 1 else f"about {_pace(total)}"  # never "about 0 s"
    rule = f", from the data: {result.length_rule}" if result.length_rule else ""
    return [f"- **Training length:** {result.epochs:g} epochs ({total_text} in all){rule}."]


def _pace(seconds: float) -> str:
    return ("under a second" if seconds < 1 else f"{seconds:.0f} s" if seconds < 120 else
            f"{seconds / 60:.0f} min")
