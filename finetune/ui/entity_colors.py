"""One colour per entity type on every screen (the Data tab's preview, the Playground): gr.HighlightedText
colours labels in the order it meets them, so the same type came out in different colours, and the
Playground's "PER 0.98" and "PER 0.91" as two types. Here a type's colour follows from its name alone."""
from __future__ import annotations

import zlib

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f")


def entity_type(label: str) -> str:
    """"PER 0.98" -> "PER" (the Playground adds the score), "B-PER" -> "PER"."""
    name = str(label).split(" ")[0]
    return name[2:] if name[:2] in ("B-", "I-") else name


def color_of(label: str) -> str:
    return PALETTE[zlib.crc32(entity_type(label).encode()) % len(PALETTE)]


def color_map(value: dict | None) -> dict[str, str]:
    """A gr.HighlightedText color_map for a value {"text", "entities": [{"entity", ...}]}."""
    return {e["entity"]: color_of(e["entity"]) for e in (value or {}).get("entities", [])}
