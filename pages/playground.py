"""Neural-network playground: a 2-D point cloud, an MLP, live training."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from demos import playground as pg
from demos.url_state import Param
from ui.charts import plot
from ui.common import decimal, labels, page_header, present, t
from ui.links import restore_from_url, share_link


LRS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
EPOCHS_PER_TICK = 5
MAX_EPOCHS = 3000
TRAINER = "pg_trainer"      # session state: the Trainer being trained, and its settings
PARAMS = (
    Param("pg_data", "xor", choices=pg.DATASETS),
    Param("pg_noise", 0.1, 0.0, 0.5),
    Param("pg_test", 0.3, 0.1, 0.9),
    Param("pg_features", ("x", "y"), choices=pg.FEATURES, many=True),
    Param("pg_depth", 1, 0, 4),
    Param("pg_width", 4, 1, 16),
    Param("pg_act", "tanh", choices=tuple(pg.ACTIVATIONS)),
    Param("pg_opt", "adam", choices=pg.OPTIMIZERS),
    Param("pg_lr", 0.03, steps=LRS),
    Param("pg_batch", 16, 1, 128),
    Param("pg_l2", 0.0, 0.0, 0.1),
)


def controls() -> dict:
    """The settings widgets; returns the settings a Trainer is built from."""
    data, net, learn = st.columns(3, gap="large")
    with data:
        st.selectbox(t("playground.dataset"), pg.DATASETS, key="pg_data",
                     format_func=labels("playground.data", pg.DATASETS), help=t("playground.dataset_help"))
        st.slider(t("playground.noise"), 0.0, 0.5, step=0.05, key="pg_noise", help=t("playground.noise_help"))
        st.slider(t("playground.test"), 0.1, 0.9, step=0.1, key="pg_test", help=t("playground.test_help"))
        st.pills(t("playground.features"), pg.FEATURES, key="pg_features", selection_mode="multi",
                 format_func=lambda f: {"x": "x", "y": "y", "xy": "x·y", "x2": "x²", "y2": "y²"}[f],
                 help=t("playground.features_help"))
    with net:
        st.slider(t("playground.depth"), 0, 4, key="pg_depth", help=t("playground.depth_help"))
        st.slider(t("playground.width"), 1, 16, key="pg_width", help=t("playground.width_help"),
                  disabled=st.session_state["pg_depth"] == 0)
        st.selectbox(t("playground.activation"), tuple(pg.ACTIVATIONS), key="pg_act",
                     format_func=labels("playground.act", tuple(pg.ACTIVATIONS)), help=t("playground.activation_help"))
    with learn:
        st.selectbox(t("playground.optimizer"), pg.OPTIMIZERS, key="pg_opt",
                     format_func=labels("playground.opt", pg.OPTIMIZERS), help=t("playground.optimizer_help"))
        st.select_slider(t("playground.lr"), LRS, key="pg_lr", help=t("playground.lr_help"))
        st.select_slider(t("playground.batch"), (1, 2, 4, 8, 16, 32, 64, 128), key="pg_batch",
                         help=t("playground.batch_help"))
        st.select_slider(t("playground.l2"), (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1), key="pg_l2",
                         help=t("playground.l2_help"))
    s = st.session_state
    return {"data": s["pg_data"], "noise": s["pg_noise"], "test": s["pg_test"],
            "features": tuple(s["pg_features"]) or ("x", "y"),
            "hidden": (s["pg_width"],) * s["pg_depth"], "activation": s["pg_act"], "optimizer": s["pg_opt"],
            "lr": s["pg_lr"], "batch": s["pg_batch"], "l2": s["pg_l2"]}


def trainer_for(settings: dict) -> pg.Trainer:
    """The session's Trainer; a fresh one (epoch 0) whenever a setting changed."""
    kept = st.session_state.get(TRAINER)
    if kept is None or kept[0] != settings:
        dataset = pg.make_dataset(settings["data"], n=300, noise=settings["noise"], test_fraction=settings["test"])
        trainer = pg.Trainer(dataset, settings["hidden"], settings["activation"], settings["lr"],
                             settings["batch"], settings["l2"], settings["features"], settings["optimizer"])
        st.session_state[TRAINER] = (settings, trainer)
        st.session_state["pg_running"] = False
    return st.session_state[TRAINER][1]


def boundary_figure(trainer: pg.Trainer) -> go.Figure:
    axis, prob = pg.decision_grid(trainer.model, trainer.features, resolution=70)
    fig = go.Figure(go.Heatmap(x=axis, y=axis, z=prob, zmin=0, zmax=1, colorscale="RdBu", opacity=0.75,
                               colorbar=dict(title="P(1)", thickness=14), hoverinfo="skip"))
    fig.add_contour(x=axis, y=axis, z=prob, contours=dict(start=0.5, end=0.5, coloring="none"), showscale=False,
                    line=dict(color="black", width=3), hoverinfo="skip", name=t("playground.boundary"))
    d = trainer.dataset
    for part, x, y, symbol in (("train", d.x_train, d.y_train, "circle"), ("test", d.x_test, d.y_test, "x")):
        fig.add_scatter(x=x[:, 0], y=x[:, 1], mode="markers", name=t(f"playground.points.{part}"),
                        marker=dict(symbol=symbol, size=9, color=np.where(y > 0.5, "#08306b", "#d9480f"),
                                    line=dict(width=1, color="white")), hoverinfo="skip")
    fig.update_layout(height=470 if present() else 520, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=15),
                      xaxis=dict(range=[-pg.BOUND, pg.BOUND], title="x", constrain="domain"),
                      yaxis=dict(range=[-pg.BOUND, pg.BOUND], title="y", scaleanchor="x", constrain="domain"),
                      legend=dict(orientation="h", y=1.08))
    return fig


def curves_figure(history: list[dict]) -> go.Figure:
    epochs = [r["epoch"] for r in history]
    fig = go.Figure()
    fig.add_scatter(x=epochs, y=[r["train_loss"] for r in history], name=t("playground.train_loss"),
                    line=dict(width=3, color="#2e86de"))
    fig.add_scatter(x=epochs, y=[r["test_loss"] for r in history], name=t("playground.test_loss"),
                    line=dict(width=3, color="#e4572e"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=15),
                      xaxis_title=t("playground.epoch"), yaxis=dict(title=t("playground.loss"), rangemode="tozero"),
                      legend=dict(orientation="h", y=1.15))
    return fig


def show_training(trainer: pg.Trainer) -> None:
    last = trainer.history[-1]
    left, right = st.columns([1.3, 1], gap="large")
    plot(boundary_figure(trainer), where=left, width="stretch", key="pg_boundary")
    with right:
        a, b, c = st.columns(3)
        a.metric(t("playground.epoch"), last["epoch"])
        b.metric(t("playground.train_acc"), decimal(last['train_accuracy'], ".0%"))
        c.metric(t("playground.test_acc"), decimal(last['test_accuracy'], ".0%"))
        plot(curves_figure(trainer.history), width="stretch", key="pg_curves")


page_header("playground")
restore_from_url(PARAMS, "pg_url_loaded")
# Projected, the buttons and the network come first, on the screen; the settings follow below them.
first, second = st.container(), st.container()
settings_area, training_area = (second, first) if present() else (first, second)
with settings_area:
    trainer = trainer_for(controls())
st.session_state.setdefault("pg_running", False)
run_col, pause_col, step_col, reset_col, _ = training_area.columns([1, 1, 1, 1, 3])
if run_col.button(t("playground.run"), type="primary", icon=":material/play_arrow:", help=t("playground.run_help")):
    st.session_state["pg_running"] = True
if pause_col.button(t("playground.pause"), icon=":material/pause:", help=t("playground.pause_help")):
    st.session_state["pg_running"] = False
if step_col.button(t("playground.step"), icon=":material/skip_next:", help=t("playground.step_help")):
    trainer.step(1)
if reset_col.button(t("playground.reset"), icon=":material/restart_alt:", help=t("playground.reset_help")):
    st.session_state.pop(TRAINER)      # the next run builds a fresh network at epoch 0
    st.rerun()


# Live training: the fragment alone reruns every tick, a few epochs each time, while "run" is on.
@st.fragment(run_every=0.3 if st.session_state["pg_running"] else None)
def live() -> None:
    current = st.session_state[TRAINER][1]
    if st.session_state.get("pg_running"):
        current.step(EPOCHS_PER_TICK)
        if current.epoch >= MAX_EPOCHS:
            st.session_state["pg_running"] = False
            st.rerun()
    show_training(current)


with training_area:
    live()
share_link(PARAMS, t("playground.share"))
