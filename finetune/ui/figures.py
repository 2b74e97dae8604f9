"""Plotly figures for the tabs. Pure functions of plain data, so they are tested without a browser."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

SMOOTHING = 0.8  # exponential moving average weight, as TensorBoard's slider
RECOMMENDED_PER_CLASS = 100
MANY_LABELS = 15  # above this, charts drop their numbers on bars and cells, and the report leads with pairs


def label_balance(counts: dict[str, int], title: str = "Examples per label", unit: str = "rows",
                  recommended: int = RECOMMENDED_PER_CLASS) -> go.Figure:
    """Bars per label (or entity type), the ones under the recommended minimum in red."""
    many = len(counts) > MANY_LABELS
    ordered = sorted(counts.items(), key=lambda kv: -kv[1]) if many else list(counts.items())  # many: largest first
    names, values = [k for k, _ in ordered], [v for _, v in ordered]
    colors = ["#d62728" if v < recommended else "#1f77b4" for v in values]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colors, text=None if many else values,
                           textposition="outside", hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_xaxes(tickfont_size=9 if many else 12, tickangle=-60 if many else None)
    fig.add_hline(y=recommended, line_dash="dash", line_color="gray")  # named in the title: a label would hide a bar
    fig.update_layout(title=dict(text=f"{title}<br><sup>dashed: {recommended} {unit} per label, the recommended "
                                      "minimum; red: under it</sup>"), xaxis_title="label", yaxis_title=unit,
                      height=420 if many else 320, margin=dict(l=40, r=20, t=60, b=40), xaxis_type="category",
                      yaxis_range=[0, max(values + [recommended]) * 1.15])  # room for the numbers
    return fig


def token_lengths(lengths: dict, max_length: int) -> go.Figure:
    """Histogram of tokens per text, with what the model reads and what training will use marked."""
    hist = lengths["histogram"]
    edges, counts = hist["edges"], hist["counts"]
    centers = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
    widths = [b - a for a, b in zip(edges, edges[1:])]
    fig = go.Figure(go.Bar(x=centers, y=counts, width=widths, marker_color="#1f77b4", name="texts"))
    fig.add_vline(x=max_length, line_dash="dash", line_color="#2ca02c",
                  annotation_text=f"max length {max_length}", annotation_position="top")
    if lengths["limit"] != max_length and lengths["limit"] <= (edges[-1] if edges else 0) * 1.5:
        fig.add_vline(x=lengths["limit"], line_dash="dot", line_color="#d62728",
                      annotation_text=f"model reads {lengths['limit']}", annotation_position="top left")
    counted = "estimated from words" if lengths["estimated"] else f"{lengths['counted']} texts tokenized"
    fig.update_layout(title=f"Tokens per text ({counted})", xaxis_title="tokens", yaxis_title="texts",
                      height=320, margin=dict(l=40, r=20, t=50, b=40), bargap=0.05)
    return fig


def smooth(values: list[float], weight: float = SMOOTHING) -> list[float]:
    out, last = [], None
    for v in values:
        last = v if last is None else weight * last + (1 - weight) * v
        out.append(last)
    return out


def training_curves(logs: list[dict], evals: list[dict], metric: str = "eval_accuracy") -> go.Figure:
    """Train loss (raw and smoothed) and validation loss against step; `metric` (the run's Task's main
    metric, "eval_" + its name) on a second axis, titled with its own name."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    steps = [e["step"] for e in logs]
    losses = [e["loss"] for e in logs]
    fig.add_trace(go.Scatter(x=steps, y=losses, name="train loss", mode="lines",
                             line=dict(color="rgba(31,119,180,0.35)")), secondary_y=False)
    fig.add_trace(go.Scatter(x=steps, y=smooth(losses), name="train loss (smoothed)", mode="lines",
                             line=dict(color="#1f77b4", width=2)), secondary_y=False)
    if evals:
        eval_steps = [e["step"] for e in evals]
        fig.add_trace(go.Scatter(x=eval_steps, y=[e.get("eval_loss") for e in evals], name="validation loss",
                                 mode="lines+markers", line=dict(color="#ff7f0e")), secondary_y=False)
        if any(metric in e for e in evals):
            fig.add_trace(go.Scatter(x=eval_steps, y=[e.get(metric) for e in evals],
                                     name=metric.removeprefix("eval_"), mode="lines+markers",
                                     line=dict(color="#2ca02c", dash="dot")), secondary_y=True)
    fig.update_yaxes(title_text="loss", secondary_y=False, rangemode="tozero")
    scores = [e[metric] for e in evals if isinstance(e.get(metric), (int, float))]
    bounded = all(0 <= v <= 1 for v in scores)  # accuracy, F1: 0 to 1; perplexity runs far above it
    fig.update_yaxes(title_text=metric.removeprefix("eval_"), secondary_y=True,
                     **({"range": [0, 1.02]} if bounded else {"rangemode": "tozero"}))
    fig.update_layout(xaxis_title="step", height=360, margin=dict(l=40, r=40, t=30, b=40),
                      legend=dict(orientation="h", y=-0.25), uirevision="keep")
    return fig


def confusion_matrix(labels: list[str], matrix: list[list[int]]) -> go.Figure:
    """The full matrix; with many labels it grows with them and shows counts on hover only."""
    many = len(labels) > MANY_LABELS
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", text=matrix,
                               texttemplate="" if many else "%{text}", showscale=False,
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{z}<extra></extra>"))
    fig.update_layout(title="Confusion matrix", xaxis_title="predicted", yaxis_title="true",
                      yaxis_autorange="reversed", height=max(360, 16 * len(labels) + 160),
                      margin=dict(l=60, r=20, t=50, b=50), xaxis_type="category", yaxis_type="category",
                      xaxis_tickfont_size=9 if many else 12, yaxis_tickfont_size=9 if many else 12)
    return fig


def most_confused(labels: list[str], matrix: list[list[int]], top: int = 10) -> list[tuple[str, str, int]]:
    """The off-diagonal cells with the most examples: (true label, predicted label, count), largest first."""
    cells = [(labels[i], labels[j], n) for i, row in enumerate(matrix) for j, n in enumerate(row) if i != j and n]
    return sorted(cells, key=lambda cell: -cell[2])[:top]


def compare_runs(curves: dict[str, tuple[list[dict], list[dict]]]) -> go.Figure:
    """Several runs' smoothed train loss (solid) and validation loss (dotted), one colour per run."""
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    fig = go.Figure()
    for i, (name, (logs, evals)) in enumerate(curves.items()):
        color = palette[i % len(palette)]
        fig.add_trace(go.Scatter(x=[e["step"] for e in logs], y=smooth([e["loss"] for e in logs]),
                                 name=f"{name} train", mode="lines", line=dict(color=color, width=2)))
        if evals:
            fig.add_trace(go.Scatter(x=[e["step"] for e in evals], y=[e.get("eval_loss") for e in evals],
                                     name=f"{name} validation", mode="lines+markers",
                                     line=dict(color=color, dash="dot")))
    fig.update_layout(title="Loss curves compared (train smoothed, validation dotted)", xaxis_title="step",
                      yaxis_title="loss", height=380, margin=dict(l=40, r=20, t=50, b=40),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def label_summary(counts: dict[str, int], title: str) -> go.Figure:
    """A small bar chart of how often each label (or entity type) was predicted."""
    fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), text=list(counts.values()),
                           textposition="outside", marker_color="#1f77b4"))
    fig.update_layout(title=title, height=300, margin=dict(l=40, r=20, t=50, b=40), xaxis_type="category",
                      yaxis_range=[0, max(list(counts.values()) + [1]) * 1.2])
    return fig
