"""The style page's charts (plotly figures, no Streamlit): the page shows them, tests read their traces."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def loss_chart(history: list[dict], ratio: float, labels: dict[str, str]) -> go.Figure:
    """Content, weighted style and total loss per step of the optimisation, on a log scale.

    ``labels``: "content", "style", "total", "step", "value" in the visitor's language.
    """
    steps = [r["step"] for r in history]
    fig = go.Figure()
    fig.add_scatter(x=steps, y=[r["content"] for r in history], name=labels["content"])
    fig.add_scatter(x=steps, y=[ratio * r["style"] for r in history], name=labels["style"])
    fig.add_scatter(x=steps, y=[r["total"] for r in history], name=labels["total"], line=dict(width=3))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=labels["step"],
                      yaxis=dict(type="log", title=labels["value"]), legend=dict(orientation="h", y=1.15))
    return fig


def gram_chart(gram: np.ndarray) -> go.Figure:
    """Heatmap of a Gram matrix (channel i against channel j): what the style loss compares."""
    fig = go.Figure(go.Heatmap(z=gram, colorscale="Viridis", colorbar=dict(title="G")))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(autorange="reversed"),
                      xaxis_title="j", yaxis_title="i")
    return fig
