"""The playground page's charts (plotly figures, no Streamlit): the page shows them, tests read their traces.

Every visible word comes in ``labels`` (the page's language); ``projected`` makes them fit a 720-pixel projector.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from demos.playground.regression import FunctionFit, target_function
from demos.playground.trainer import BOUND, Trainer, decision_grid

LAYOUT = dict(margin=dict(l=10, r=10, t=10, b=10), font=dict(size=15))


def boundary_figure(trainer: Trainer, labels: dict[str, str], projected: bool = False) -> go.Figure:
    """P(class 1) over the plane, the 0.5 boundary in black, training points as dots and test points as crosses.

    ``labels``: "boundary", "train", "test".
    """
    axis, prob = decision_grid(trainer.model, trainer.features, resolution=70)
    fig = go.Figure(go.Heatmap(x=axis, y=axis, z=prob, zmin=0, zmax=1, colorscale="RdBu", opacity=0.75,
                               colorbar=dict(title="P(1)", thickness=14), hoverinfo="skip"))
    fig.add_contour(x=axis, y=axis, z=prob, contours=dict(start=0.5, end=0.5, coloring="none"), showscale=False,
                    line=dict(color="black", width=3), hoverinfo="skip", name=labels["boundary"])
    d = trainer.dataset
    for part, x, y, symbol in (("train", d.x_train, d.y_train, "circle"), ("test", d.x_test, d.y_test, "x")):
        fig.add_scatter(x=x[:, 0], y=x[:, 1], mode="markers", name=labels[part],
                        marker=dict(symbol=symbol, size=9, color=np.where(y > 0.5, "#08306b", "#d9480f"),
                                    line=dict(width=1, color="white")), hoverinfo="skip")
    fig.update_layout(height=420 if projected else 520, **LAYOUT,
                      xaxis=dict(range=[-BOUND, BOUND], title="x", constrain="domain"),
                      yaxis=dict(range=[-BOUND, BOUND], title="y", scaleanchor="x", constrain="domain"),
                      legend=dict(orientation="h", y=1.08))
    return fig


def curves_figure(history: list[dict], labels: dict[str, str]) -> go.Figure:
    """Training and test loss per epoch: the gap between them is overfitting.

    ``labels``: "train_loss", "test_loss", "epoch", "loss".
    """
    epochs = [r["epoch"] for r in history]
    fig = go.Figure()
    fig.add_scatter(x=epochs, y=[r["train_loss"] for r in history], name=labels["train_loss"],
                    line=dict(width=3, color="#2e86de"))
    fig.add_scatter(x=epochs, y=[r["test_loss"] for r in history], name=labels["test_loss"],
                    line=dict(width=3, color="#e4572e"))
    fig.update_layout(height=320, **LAYOUT, xaxis_title=labels["epoch"],
                      yaxis=dict(title=labels["loss"], rangemode="tozero"), legend=dict(orientation="h", y=1.15))
    return fig


def fit_figure(fit: FunctionFit, show_units: bool, labels: dict[str, str], projected: bool = False) -> go.Figure:
    """The points, the clean function (dashed), the network's curve and, if ``show_units``, each unit's term.

    ``labels``: "unit", "points", "clean", "network" (the last already says how many units).
    """
    x = np.linspace(0, 1, 300)
    fig = go.Figure()
    if show_units:
        for k, part in enumerate(fit.contributions(x)):
            fig.add_scatter(x=x, y=part, mode="lines", line=dict(width=1), opacity=0.5, hoverinfo="skip",
                            name=labels["unit"], legendgroup="units", showlegend=k == 0)
    fig.add_scatter(x=fit.x, y=fit.y, mode="markers", marker=dict(size=7, color="#555"), name=labels["points"])
    fig.add_scatter(x=x, y=target_function(fit.target, x), mode="lines", line=dict(color="#000", dash="dash",
                    width=2), name=labels["clean"])
    fig.add_scatter(x=x, y=fit.predict(x), mode="lines", line=dict(color="#e4572e", width=4), name=labels["network"])
    fig.update_layout(height=430 if projected else 480, **LAYOUT, xaxis_title="x",
                      yaxis=dict(range=[-3.2, 3.2] if fit.outliers else [-1.8, 1.8]),
                      legend=dict(orientation="h", y=1.12))
    return fig
