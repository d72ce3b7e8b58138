"""Charts several pages draw the same way."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def digit_probabilities(probabilities: np.ndarray, digit_title: str, probability_title: str,
                        height: int = 260) -> go.Figure:
    """A bar per digit 0–9 with its probability, the most likely one highlighted."""
    best = int(probabilities.argmax())
    fig = go.Figure(go.Bar(
        x=[str(d) for d in range(10)], y=probabilities,
        marker_color=["#e4572e" if d == best else "#4c78a8" for d in range(10)],
        text=[f"{p:.0%}" for p in probabilities], textposition="outside",
    ))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(range=[0, 1.15], tickformat=".0%"),
                      xaxis=dict(title=digit_title, type="category"), yaxis_title=probability_title)
    return fig
