"""Charts several pages draw the same way, and the one place every page's chart goes on screen."""
from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.common import present

PROJECTED_TEXT_PX = 18    # the smallest text of a projected chart: ticks, labels, legend, bar values
PROJECTED_TITLE_PX = 20   # axis titles


def for_projector(fig: go.Figure) -> go.Figure:
    """``fig`` with every text at least :data:`PROJECTED_TEXT_PX` (axis titles :data:`PROJECTED_TITLE_PX`), in black.

    Plotly's 12 px defaults are unreadable from the back of a lecture hall.
    """
    text, title = PROJECTED_TEXT_PX, PROJECTED_TITLE_PX
    # uniformtext: a value that fits inside its bar only when shrunk below ``text`` is hidden, not shrunk
    fig.update_layout(font=dict(size=max(text, fig.layout.font.size or 0), color="#000"),
                      legend_font_size=text, hoverlabel_font_size=text, uniformtext_minsize=text,
                      uniformtext_mode="hide")
    fig.update_xaxes(tickfont_size=text, title_font_size=title)
    fig.update_yaxes(tickfont_size=text, title_font_size=title)
    axis = dict(tickfont_size=text, title_font_size=title)
    fig.update_scenes(xaxis=axis, yaxis=axis, zaxis=axis)
    for annotation in fig.layout.annotations:
        annotation.font.size = max(text, annotation.font.size or 0)
    for trace in fig.data:
        if "textfont" in trace:
            trace.textfont.size = max(text, trace.textfont.size or 0)
        if "colorbar" in trace:
            trace.colorbar.tickfont.size = text
            trace.colorbar.title.font.size = text
    return fig


def plot(fig: go.Figure, where: Any = None, **kwargs: Any) -> Any:
    """``st.plotly_chart`` (or ``where.plotly_chart``), with projector-sized text in projection mode."""
    return (where or st).plotly_chart(for_projector(fig) if present() else fig, **kwargs)


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


def number_grid(values, *, highlight: tuple[int, int, int, int] | None = None, height: int = 260,
                colorscale: str = "Blues", text=None) -> go.Figure:
    """A matrix drawn as a grid with each number written in its cell, as on a slide.

    ``highlight`` = (top, left, rows, cols) outlines a block (the window a kernel covers, or one output cell).
    ``text``: what to write instead of the values (e.g. blank for cells not yet computed).
    """
    values = np.asarray(values, dtype=float)
    shown = [[_short(v) for v in row] for row in values] if text is None else text
    fig = go.Figure(go.Heatmap(z=values, text=shown, texttemplate="%{text}", colorscale=colorscale,
                               showscale=False, xgap=2, ygap=2, hoverinfo="skip"))
    if highlight is not None:
        top, left, rows, cols = highlight
        fig.add_shape(type="rect", x0=left - 0.5, x1=left + cols - 0.5, y0=top - 0.5, y1=top + rows - 0.5,
                      line=dict(color="#e4572e", width=4))
    fig.update_layout(height=height, margin=dict(l=4, r=4, t=4, b=4), font=dict(size=16))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return fig


def _short(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"
