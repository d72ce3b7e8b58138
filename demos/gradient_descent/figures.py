"""The gradient-descent page's charts (plotly figures, no Streamlit): a page shows them, a test reads their traces."""
from __future__ import annotations

import numpy as np
import plotly.figure_factory as ff
import plotly.graph_objects as go

from demos.gradient_descent.descent import Run, Surface, gradient_field

COLORS = {"gd": "#e4572e", "momentum": "#2e86de", "nesterov": "#8e44ad", "adam": "#17a589", "sgd": "#f39c12"}


def loss_chart(runs: dict[str, Run], min_value: float, labels: dict[str, str], x_title: str, y_title: str
               ) -> go.Figure:
    """L(w_t) − L* per iteration on a log scale: linear convergence is a straight line."""
    fig = go.Figure()
    for name, run in runs.items():
        gap = np.maximum(run.losses - min_value, 1e-12)
        fig.add_scatter(y=gap, mode="lines", name=labels[name], line=dict(color=COLORS.get(name), width=3))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title=x_title,
                      yaxis=dict(type="log", title=y_title, exponentformat="power"),
                      legend=dict(orientation="h", y=1.15), font=dict(size=15))
    return fig


def contour_figure(surface: Surface, grid, runs: dict[str, Run], labels: dict[str, str], arrows: bool,
                   play: str = "Play", pause: str = "Pause") -> go.Figure:
    """The surface's contours (log-spaced), the trajectories with ▶ to replay them, and points catching clicks."""
    xs, ys, zz = grid
    # Log-spaced levels: the valleys of Rosenbrock and the quadratic are otherwise one flat colour.
    shown = np.log1p(zz - zz.min())
    fig = go.Figure(go.Contour(x=xs, y=ys, z=shown, colorscale="Viridis", ncontours=30, showscale=False,
                               contours=dict(coloring="heatmap"), hoverinfo="skip", opacity=0.85))
    # Invisible points everywhere: what a click on the plot selects, to move the start.
    gx, gy = np.meshgrid(np.linspace(*surface.bounds[0], 41), np.linspace(*surface.bounds[1], 41))
    hidden = dict(marker=dict(opacity=0))
    fig.add_scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", marker=dict(size=14, opacity=0),
                    selected=hidden, unselected=hidden,
                    hovertemplate="w₀ = (%{x:.2f}, %{y:.2f})<extra></extra>", showlegend=False)
    if arrows:
        points, grads = gradient_field(surface, 13)
        norm = np.linalg.norm(grads, axis=1, keepdims=True) + 1e-12
        length = 0.045 * (surface.bounds[0][1] - surface.bounds[0][0])
        direction = -grads / norm * length         # −∇L: where a GD step goes; unit length, colour aside
        quiver = ff.create_quiver(points[:, 0], points[:, 1], direction[:, 0], direction[:, 1], scale=1,
                                  arrow_scale=0.35, line=dict(color="white", width=1.5), name="−∇L", hoverinfo="skip")
        fig.add_traces(quiver.data)
    for m in surface.minima:
        fig.add_scatter(x=[m[0]], y=[m[1]], mode="markers", marker=dict(symbol="star", size=16, color="white",
                        line=dict(color="black", width=1)), showlegend=False, hoverinfo="skip")
    first = len(fig.data)
    for name, run in runs.items():
        fig.add_scatter(x=run.trajectory[:, 0], y=run.trajectory[:, 1], mode="lines+markers", name=labels[name],
                        line=dict(color=COLORS[name], width=3), marker=dict(size=6, color=COLORS[name]))
    start = next(iter(runs.values())).trajectory[0] if runs else None
    if start is not None:
        fig.add_scatter(x=[start[0]], y=[start[1]], mode="markers", name="w₀",
                        marker=dict(size=16, color="white", symbol="circle-open", line=dict(width=3)))
    # Play: client-side frames (no server work, no other session slowed down).
    longest = max((len(r.trajectory) for r in runs.values()), default=1)
    stops = sorted(set(np.linspace(1, longest, min(longest, 50)).astype(int)))
    frames = [go.Frame(name=str(k - 1), traces=list(range(first, first + len(runs))),
                       data=[go.Scatter(x=r.trajectory[:k, 0], y=r.trajectory[:k, 1]) for r in runs.values()])
              for k in stops]
    fig.frames = frames
    # After a click, plotly would fade every point not selected: keep the trajectories bright.
    for trace in fig.data[first:]:
        trace.unselected = dict(marker=dict(opacity=1))
    fig.update_layout(
        height=680, margin=dict(l=10, r=10, t=10, b=90), font=dict(size=15), clickmode="event+select",
        xaxis=dict(range=list(surface.bounds[0]), title="w₁", constrain="domain"), dragmode=False,
        # Equal scales show the true shape of the valleys (Rosenbrock's box is too tall for it).
        yaxis=dict(range=list(surface.bounds[1]), title="w₂",
                   scaleanchor="x" if surface.name != "rosenbrock" else None),
        legend=dict(orientation="h", y=1.06),
        updatemenus=[dict(type="buttons", x=0, y=-0.1, xanchor="left", yanchor="top", direction="left", buttons=[
            dict(label="▶ " + play, method="animate",
                 args=[None, dict(frame=dict(duration=120, redraw=False), fromcurrent=True, mode="immediate")]),
            dict(label="❚❚ " + pause, method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(x=0.25, y=-0.08, len=0.75, currentvalue=dict(prefix="t = "), steps=[
            dict(label=f.name, method="animate", args=[[f.name], dict(mode="immediate", frame=dict(duration=0))])
            for f in frames])],
    )
    return fig


def surface_figure(surface: Surface, grid, runs: dict[str, Run], labels: dict[str, str]) -> go.Figure:
    """The surface in 3-D (log scale) with the trajectories on it."""
    xs, ys, zz = grid
    shown = np.log1p(zz - zz.min())
    fig = go.Figure(go.Surface(x=xs, y=ys, z=shown, colorscale="Viridis", showscale=False, opacity=0.9))
    for name, run in runs.items():
        z = np.log1p(np.maximum(run.losses - zz.min(), 0)) + 0.02
        fig.add_scatter3d(x=run.trajectory[:, 0], y=run.trajectory[:, 1], z=z, mode="lines+markers",
                          name=labels[name], line=dict(color=COLORS[name], width=6), marker=dict(size=3))
    fig.update_layout(height=620, margin=dict(l=0, r=0, t=10, b=0), font=dict(size=14),
                      scene=dict(xaxis_title="w₁", yaxis_title="w₂", zaxis_title="log(1 + L − L*)"),
                      legend=dict(orientation="h", y=1.02))
    return fig
