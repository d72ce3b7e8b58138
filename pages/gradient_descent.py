"""Gradient descent playground: 1-D curve, 2-D surfaces, optimisers side by side."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from demos import gradient_descent as gd
from demos.gradient_descent import figures
from demos.url_state import Param, nearest
from ui.charts import plot
from ui.common import decimal, decimal_format, labels, page_header, present, t
from ui.links import restore_from_url, share_link


LRS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4,
       0.5, 0.6, 0.8, 1.0, 1.5)
PARAMS = (
    Param("gd_mode", "1d", choices=("1d", "2d")),
    Param("gd_curve", "wavy", choices=gd.SURFACES_1D),
    Param("gd_w0", 2.5, -3.0, 3.0),
    Param("gd_lr1", 0.125, steps=LRS),
    Param("gd_compare", False),
    Param("gd_lr1b", 0.5, steps=LRS),
    Param("gd_steps1", 20, 1, 100),
    Param("gd_surface", "quadratic", choices=gd.SURFACES_2D),
    Param("gd_kappa", 10.0, 1.0, 50.0),
    Param("gd_view", "contour", choices=("contour", "surface")),
    Param("gd_opts", ("gd", "momentum", "adam"), choices=tuple(gd.OPTIMIZERS), many=True),
    Param("gd_lr", 0.1, steps=LRS),
    Param("gd_lr_adam", 0.1, steps=LRS),
    Param("gd_beta", 0.9, 0.0, 0.99),
    Param("gd_noise", 2.0, 0.0, 20.0),
    Param("gd_steps", 60, 1, 500),
    Param("gd_x0", -2.5, -5.0, 5.0),
    Param("gd_y0", 2.0, -5.0, 5.0),
    Param("gd_arrows", False),
)
LR_KEYS = ("gd_lr1", "gd_lr1b", "gd_lr", "gd_lr_adam")


def url_values(values: dict) -> dict:
    """A link that names a surface but not η or w₀ gets that surface's own (a quadratic's η diverges elsewhere)."""
    for name, value in surface_defaults(values["gd_surface"], values["gd_kappa"]).items():
        if name not in st.query_params:
            values[name] = value
    return values


def lecture_preset(lr: float, compare: bool) -> None:
    st.session_state.update(gd_curve="wavy", gd_w0=2.5, gd_lr1=lr, gd_compare=compare, gd_lr1b=0.5, gd_steps1=20)


def surface_defaults(name: str, kappa: float) -> dict:
    """A surface's usual start and step sizes."""
    surface = gd.make_surface(name, kappa)
    return {"gd_x0": surface.start[0], "gd_y0": surface.start[1], "gd_lr": nearest(surface.lr, LRS),
            "gd_lr_adam": 0.05 if name == "rosenbrock" else 0.1}


def surface_changed() -> None:
    """A new surface starts from its own usual point, with its usual η."""
    st.session_state.update(surface_defaults(st.session_state["gd_surface"], st.session_state.get("gd_kappa", 10.0)))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_runs(surface: str, kappa: float, optimizers: tuple, lrs: tuple, start: tuple, steps: int,
                beta: float, noise: float) -> dict[str, gd.Run]:
    return gd.run_many(surface, optimizers, dict(lrs), start, steps, condition=kappa, beta=beta, noise=noise)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_grid(surface: str, kappa: float):
    return gd.loss_grid(gd.make_surface(surface, kappa), 100 if surface != "wavy" else 400)


def show_divergence(runs: dict[str, gd.Run]) -> None:
    for name, run in runs.items():
        if run.diverged:
            st.warning(t(run.reason, optimizer=t(f"gd.opt.{name}"), **run.reason_params), icon=":material/warning:")


# ------------------------------------------------------------------------ 1-D
def one_d() -> None:
    st.markdown(t("gd.1d.explain"))
    b1, b2, b3 = st.columns(3)
    b1.button(t("gd.preset.contrast"), on_click=lecture_preset, args=(0.125, True), type="primary",
              icon=":material/compare_arrows:", help=t("gd.preset.contrast_help"))
    b2.button(f"η = {decimal(0.125)}", on_click=lecture_preset, args=(0.125, False), help=t("gd.preset.help"))
    b3.button(f"η = {decimal(0.5)}", on_click=lecture_preset, args=(0.5, False), help=t("gd.preset.help"))
    controls, chart = st.columns([1, 2.4], gap="large")
    with controls:
        st.selectbox(t("gd.curve"), gd.SURFACES_1D, key="gd_curve",
                     format_func=labels("gd.surface", gd.SURFACES_1D),
                     help=t("gd.curve_help"))
        st.select_slider("η", LRS, key="gd_lr1", format_func=decimal_format(), help=t("gd.lr_help"))
        st.slider("w₀", -3.0, 3.0, step=0.05, key="gd_w0", help=t("gd.w0_help"))
        st.slider(t("gd.steps"), 1, 100, key="gd_steps1", help=t("gd.steps_help"))
        st.toggle(t("gd.compare"), key="gd_compare", help=t("gd.compare_help"))
        if st.session_state["gd_compare"]:
            st.select_slider(t("gd.second_lr"), LRS, key="gd_lr1b", format_func=decimal_format(), help=t("gd.lr_help"))
    name, w0, steps = st.session_state["gd_curve"], st.session_state["gd_w0"], st.session_state["gd_steps1"]
    etas = [st.session_state["gd_lr1"]] + ([st.session_state["gd_lr1b"]] if st.session_state["gd_compare"] else [])
    surface = gd.make_surface(name)
    xs, ys = cached_grid(name, 10.0)
    runs = {f"η = {decimal(eta)}": cached_runs(name, 10.0, ("gd",), (("gd", eta),), (w0,), steps, 0.9, 0.0)["gd"]
            for eta in dict.fromkeys(etas)}
    with chart:
        fig = go.Figure()
        fig.add_scatter(x=xs, y=ys, mode="lines", name="L(w)", line=dict(color="#555", width=3))
        for (label, run), color in zip(runs.items(), ("#e4572e", "#2e86de")):
            w, loss = run.trajectory[:, 0], run.losses
            fig.add_scatter(x=w, y=loss, mode="lines+markers", name=label, line=dict(color=color, width=2),
                            marker=dict(size=11, color=color, line=dict(width=1, color="white")),
                            hovertemplate="t=%{text}<br>w=%{x:.3f}<br>L=%{y:.3f}", text=list(range(len(w))))
        # Projected, the result lines go above a shorter chart: all of it on a 720-pixel screen.
        fig.update_layout(height=300 if present() else 460, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="w",
                          yaxis_title="L(w)", legend=dict(orientation="h", y=1.08), font=dict(size=16),
                          yaxis=dict(range=[float(ys.min()) - 0.5, float(np.quantile(ys, 0.9)) + 0.5]))
        chart_area = st.container() if not present() else None
        with st.container(key="gd_result"):
            for label, run in runs.items():
                end = run.trajectory[-1, 0]
                st.markdown(t("gd.1d.result", label=label, w=decimal(end, ".3f"),
                              loss=decimal(run.losses[-1], ".3f"), steps=len(run.losses) - 1))
        plot(fig, where=chart_area, width="stretch", key="gd_chart_1d")
        show_divergence({"gd": r for r in runs.values() if r.diverged})
        if surface.smoothness:
            st.caption(t("gd.stability", limit=decimal(2 / surface.smoothness, ".3g"), L=decimal(surface.smoothness)))


# ------------------------------------------------------------------------ 2-D
def clicked_start() -> None:
    """A click on the contour plot moves the start there (a callback: it runs before the sliders exist)."""
    event = st.session_state.get("gd_chart_2d") or {}
    points = (event.get("selection") or {}).get("points") or []
    if not points or points[0].get("x") is None or points[0].get("y") is None:
        return
    surface = gd.make_surface(st.session_state["gd_surface"], st.session_state.get("gd_kappa", 10.0))
    (xl, xh), (yl, yh) = surface.bounds
    st.session_state.update(gd_x0=float(np.clip(round(points[0]["x"], 2), xl, xh)),
                            gd_y0=float(np.clip(round(points[0]["y"], 2), yl, yh)))


def two_d() -> None:
    st.markdown(t("gd.2d.explain"))
    which, optimizers = st.columns([1, 2.4], gap="large")
    which.selectbox(t("gd.surface"), gd.SURFACES_2D, key="gd_surface", on_change=surface_changed,
                    format_func=labels("gd.surface", gd.SURFACES_2D), help=t("gd.surface_help"))
    optimizers.pills(t("gd.optimizers"), list(gd.OPTIMIZERS), key="gd_opts", selection_mode="multi",
                     format_func=labels("gd.opt", list(gd.OPTIMIZERS)), help=t("gd.optimizers_help"))
    controls, chart = st.columns([1, 2.4], gap="large")
    with controls:
        if st.session_state["gd_surface"] == "quadratic":
            st.slider(t("gd.kappa"), 1.0, 50.0, step=1.0, key="gd_kappa", help=t("gd.kappa_help"))
        st.select_slider("η", LRS, key="gd_lr", format_func=decimal_format(), help=t("gd.lr_help"))
        if "adam" in st.session_state["gd_opts"]:
            st.select_slider(t("gd.lr_adam"), LRS, key="gd_lr_adam", format_func=decimal_format(), help=t("gd.lr_adam_help"))
        if {"momentum", "nesterov"} & set(st.session_state["gd_opts"]):
            st.slider(t("gd.beta"), 0.0, 0.99, step=0.01, key="gd_beta", help=t("gd.beta_help"))
        if "sgd" in st.session_state["gd_opts"]:
            st.slider(t("gd.noise"), 0.0, 20.0, step=0.5, key="gd_noise", help=t("gd.noise_help"))
        surface = gd.make_surface(st.session_state["gd_surface"], st.session_state["gd_kappa"])
        (xl, xh), (yl, yh) = surface.bounds
        st.session_state["gd_x0"] = float(np.clip(st.session_state["gd_x0"], xl, xh))   # a URL may be out of range
        st.session_state["gd_y0"] = float(np.clip(st.session_state["gd_y0"], yl, yh))
        st.slider("w₀ (1)", xl, xh, step=0.05, key="gd_x0", help=t("gd.start_help"))
        st.slider("w₀ (2)", yl, yh, step=0.05, key="gd_y0", help=t("gd.start_help"))
        # A number with − and + rather than a slider and a "one more step" button: the browser counts the clicks,
        # so ten quick clicks are ten steps (quick clicks on a button are folded into one by Streamlit).
        st.number_input(t("gd.steps"), 1, 500, step=1, key="gd_steps", help=t("gd.steps_more_help"))
    names = tuple(st.session_state["gd_opts"])
    lrs = tuple((n, st.session_state["gd_lr_adam"] if n == "adam" else st.session_state["gd_lr"]) for n in names)
    runs = cached_runs(surface.name, st.session_state["gd_kappa"], names, lrs,
                       (st.session_state["gd_x0"], st.session_state["gd_y0"]), st.session_state["gd_steps"],
                       st.session_state["gd_beta"], st.session_state["gd_noise"])
    legend = {n: t(f"gd.opt.{n}") for n in names}
    grid = cached_grid(surface.name, st.session_state["gd_kappa"])
    with chart:
        view, arrows = st.columns([1, 1], vertical_alignment="bottom")
        view.segmented_control(t("gd.view"), ["contour", "surface"], key="gd_view",
                               format_func=labels("gd.view", ["contour", "surface"]), help=t("gd.view_help"))
        arrows.toggle(t("gd.arrows"), key="gd_arrows", help=t("gd.arrows_help"),
                      disabled=st.session_state.get("gd_view") == "surface")
        if not names:
            st.info(t("gd.no_optimizer"), icon=":material/info:")
        if st.session_state.get("gd_view") == "surface":
            plot(figures.surface_figure(surface, grid, runs, legend), width="stretch", key="gd_chart_3d")
        else:
            plot(figures.contour_figure(surface, grid, runs, legend, st.session_state["gd_arrows"],
                                        t("gd.play"), t("gd.pause")),
                 width="stretch", key="gd_chart_2d", on_select=clicked_start, selection_mode="points",
                 config={"displayModeBar": False})
            st.caption(t("gd.click_hint"))
        show_divergence(runs)
        if surface.smoothness:
            st.caption(t("gd.stability", limit=decimal(2 / surface.smoothness, ".3g"), L=decimal(surface.smoothness)))
        if runs:
            chart = figures.loss_chart(runs, surface.min_value, legend, t("gd.iteration"), t("gd.loss_gap"))
            plot(chart, width="stretch", key="gd_loss_2d")
            st.dataframe([{t("gd.col.optimizer"): legend[n], t("gd.col.end"): f"({r.trajectory[-1, 0]:.3f}, "
                           f"{r.trajectory[-1, 1]:.3f})", t("gd.col.loss"): decimal(r.losses[-1], ".3g"),
                           t("gd.col.status"): t("gd.status.diverged") if r.diverged else t("gd.status.ok")}
                          for n, r in runs.items()], hide_index=True, width="stretch")


page_header("gradient_descent")
restore_from_url(PARAMS, "gd_url_loaded", url_values)
st.segmented_control(t("gd.mode"), ["1d", "2d"], key="gd_mode", format_func=labels("gd.mode", ["1d", "2d"]),
                     help=t("gd.mode_help"))
if (st.session_state.get("gd_mode") or "1d") == "1d":    # clicking the selected option again clears it
    one_d()
else:
    two_d()
share_link(PARAMS, t("gd.share"))
