"""Neural-network playground: a 2-D point cloud, an MLP, live training; overfitting lessons; fitting a function."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st

from demos import playground as pg
from demos import url_state
from demos.grids import signed_colours, tile, upscale
from demos.playground import figures
from demos.url_state import Param
from ui.charts import plot
from ui.common import decimal, labels, page_header, present, t
from ui.links import restore_from_url, share_link


LRS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
EPOCHS_PER_TICK = 5
TICK_BUDGET_S = 0.08     # a tick of a wide, deep network trains fewer epochs: the page stays responsive
UNTIL = (100, 200, 400, 1000, 3000)     # "train until epoch": a lesson stops where its point is made
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
PENALTIES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1)
TRAINER = "pg_trainer"      # session state: the Trainer being trained, and its settings
FIT = "pg_fit"              # session state: the FunctionFit being trained, and its settings
UNITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
FIT_ACTIVATIONS = tuple(a for a in pg.ACTIVATIONS if a != "maxout")
FIT_STEPS, FIT_STEPS_PER_TICK = 2000, 100
PARAMS = (
    Param("pg_mode", "classify", choices=("classify", "fit")),
    Param("pg_data", "xor", choices=pg.DATASETS),
    Param("pg_n", 300, 20, 500),
    Param("pg_noise", 0.1, 0.0, 0.5),
    Param("pg_labels", 0.0, 0.0, 0.5),
    Param("pg_test", 0.3, 0.1, 0.9),
    Param("pg_features", ("x", "y"), choices=pg.FEATURES, many=True),
    Param("pg_depth", 1, 0, 4),
    Param("pg_width", 4, steps=WIDTHS),
    Param("pg_act", "tanh", choices=tuple(pg.ACTIVATIONS)),
    Param("pg_opt", "adam", choices=pg.OPTIMIZERS),
    Param("pg_lr", 0.03, steps=LRS),
    Param("pg_batch", 16, 1, 128),
    Param("pg_l2", 0.0, 0.0, 0.1),
    Param("pg_l1", 0.0, 0.0, 0.1),
    Param("pg_dropout", 0.0, 0.0, 0.5),
    Param("pg_bn", False),
    Param("pg_until", 3000, steps=UNTIL),
    Param("pg_fn", "sin", choices=pg.TARGETS),
    Param("pg_units", 8, steps=UNITS),
    Param("pg_fact", "tanh", choices=FIT_ACTIVATIONS),
    Param("pg_loss", "mse", choices=pg.LOSSES),
    Param("pg_fn_noise", 0.0, 0.0, 0.5),
    Param("pg_outliers", 0.0, 0.0, 0.3),
)
# The lessons' settings as the page's: demos.playground.PRESETS, widget by widget.
LESSONS = {name: {"pg_mode": "classify", "pg_data": p["dataset"], "pg_n": p["n"], "pg_noise": p["noise"],
                  "pg_labels": p["label_noise"], "pg_test": p["test_fraction"], "pg_features": ("x", "y"),
                  "pg_depth": len(p["hidden"]), "pg_width": p["hidden"][0], "pg_act": p["activation"],
                  "pg_opt": p["optimizer"], "pg_lr": p["lr"], "pg_batch": p["batch_size"], "pg_l2": p.get("l2", 0.0),
                  "pg_l1": p.get("l1", 0.0), "pg_dropout": p.get("dropout", 0.0), "pg_bn": False,
                  "pg_until": p["epochs"]}
           for name, p in pg.PRESETS.items()}


def controls() -> dict:
    """The settings widgets; returns the settings a Trainer is built from."""
    data, net, learn, regular = st.columns(4, gap="medium")
    with data:
        st.selectbox(t("playground.dataset"), pg.DATASETS, key="pg_data",
                     format_func=labels("playground.data", pg.DATASETS), help=t("playground.dataset_help"))
        st.slider(t("playground.n"), 20, 500, step=10, key="pg_n", help=t("playground.n_help"))
        st.slider(t("playground.noise"), 0.0, 0.5, step=0.05, key="pg_noise", help=t("playground.noise_help"))
        st.slider(t("playground.labels"), 0.0, 0.5, step=0.05, key="pg_labels", help=t("playground.labels_help"))
        st.slider(t("playground.test"), 0.1, 0.9, step=0.1, key="pg_test", help=t("playground.test_help"))
    with net:
        st.pills(t("playground.features"), pg.FEATURES, key="pg_features", selection_mode="multi",
                 format_func=lambda f: {"x": "x", "y": "y", "xy": "x·y", "x2": "x²", "y2": "y²"}[f],
                 help=t("playground.features_help"))
        st.slider(t("playground.depth"), 0, 4, key="pg_depth", help=t("playground.depth_help"))
        st.select_slider(t("playground.width"), WIDTHS, key="pg_width", help=t("playground.width_help"),
                         disabled=st.session_state["pg_depth"] == 0)
        st.selectbox(t("playground.activation"), tuple(pg.ACTIVATIONS), key="pg_act",
                     format_func=labels("playground.act", tuple(pg.ACTIVATIONS)), help=t("playground.activation_help"))
    with learn:
        st.selectbox(t("playground.optimizer"), pg.OPTIMIZERS, key="pg_opt",
                     format_func=labels("playground.opt", pg.OPTIMIZERS), help=t("playground.optimizer_help"))
        st.select_slider(t("playground.lr"), LRS, key="pg_lr", help=t("playground.lr_help"))
        st.select_slider(t("playground.batch"), (1, 2, 4, 8, 16, 32, 64, 128), key="pg_batch",
                         help=t("playground.batch_help"))
        st.select_slider(t("playground.until"), UNTIL, key="pg_until", help=t("playground.until_help"))
    with regular:
        st.select_slider(t("playground.l2"), PENALTIES, key="pg_l2", help=t("playground.l2_help"))
        st.select_slider(t("playground.l1"), PENALTIES, key="pg_l1", help=t("playground.l1_help"))
        st.slider(t("playground.dropout"), 0.0, 0.5, step=0.1, key="pg_dropout", help=t("playground.dropout_help"))
        st.toggle(t("playground.bn"), key="pg_bn", help=t("playground.bn_help"))
    s = st.session_state
    return {"data": s["pg_data"], "n": s["pg_n"], "noise": s["pg_noise"], "labels": s["pg_labels"],
            "test": s["pg_test"], "features": tuple(s["pg_features"]) or ("x", "y"),
            "hidden": (s["pg_width"],) * s["pg_depth"], "activation": s["pg_act"], "optimizer": s["pg_opt"],
            "lr": s["pg_lr"], "batch": s["pg_batch"], "l2": s["pg_l2"], "l1": s["pg_l1"],
            "dropout": s["pg_dropout"], "bn": s["pg_bn"]}


def lesson_buttons() -> None:
    """The two lessons of seed 003, one click each (and a link each, to open them straight away in class)."""
    st.markdown(t("playground.lessons.explain"))
    for column, name in zip(st.columns(2), LESSONS):
        column.button(t(f"playground.lessons.{name}"), key=f"pg_lesson_{name}", on_click=apply_lesson, args=(name,),
                      icon=":material/school:", help=t(f"playground.lessons.{name}_help"), width="stretch")


def lesson_links() -> None:
    """Each lesson as a link to open it straight away in class (below the page's own link)."""
    base = (st.context.url or "").split("?")[0]
    with st.expander(t("playground.lessons.links"), icon=":material/link:"):
        for name, values in LESSONS.items():
            st.caption(t(f"playground.lessons.{name}"))
            st.code(f"{base}?{url_state.query_string(values, PARAMS, lang=st.session_state.get('lang', 'fr'))}",
                    language=None, wrap_lines=True)


def apply_lesson(name: str) -> None:
    """Set every widget to the lesson's value (a callback: it runs before the widgets are drawn again)."""
    st.session_state.update(LESSONS[name])
    st.session_state.pop(TRAINER, None)
    st.session_state["pg_running"] = True          # a lesson starts training at once


def trainer_for(settings: dict) -> pg.Trainer:
    """The session's Trainer; a fresh one (epoch 0) whenever a setting changed."""
    kept = st.session_state.get(TRAINER)
    if kept is None or kept[0] != settings:
        dataset = pg.make_dataset(settings["data"], n=settings["n"], noise=settings["noise"],
                                  test_fraction=settings["test"], label_noise=settings["labels"])
        trainer = pg.Trainer(dataset, settings["hidden"], settings["activation"], settings["lr"],
                             settings["batch"], settings["l2"], settings["features"], settings["optimizer"],
                             dropout=settings["dropout"], l1=settings["l1"], batch_norm=settings["bn"])
        st.session_state[TRAINER] = (settings, trainer)
        st.session_state["pg_running"] = kept is None and st.session_state.get("pg_running", False)
    return st.session_state[TRAINER][1]


def show_training(trainer: pg.Trainer) -> None:
    last = trainer.history[-1]
    gap = last["train_accuracy"] - last["test_accuracy"]
    left, right = st.columns([1.3, 1], gap="large")
    plot(figures.boundary_figure(trainer, {"boundary": t("playground.boundary"), "train": t("playground.points.train"),
                                           "test": t("playground.points.test")}, present()),
         where=left, width="stretch", key="pg_boundary")
    with right:
        a, b, c = st.columns(3)
        a.metric(t("playground.epoch"), last["epoch"])
        b.metric(t("playground.train_acc"), decimal(last['train_accuracy'], ".0%"))
        # The gap under the test accuracy, red when the network learns its points by heart.
        c.metric(t("playground.test_acc"), decimal(last['test_accuracy'], ".0%"),
                 delta=t("playground.gap", n=f"{round(-100 * gap):+d}") if last["epoch"] > 0 else None,
                 delta_color="normal" if gap >= 0.1 else "off", help=t("playground.gap_help"))
        if last["epoch"] > 0:
            st.caption(t("playground.gap_text.heart" if gap >= 0.1 else "playground.gap_text.fine",
                         train=decimal(last["train_accuracy"], ".0%"), test=decimal(last["test_accuracy"], ".0%"),
                         gap=f"{100 * gap:.0f}"))
        curve_labels = {name: t(f"playground.{name}") for name in ("train_loss", "test_loss", "epoch", "loss")}
        plot(figures.curves_figure(trainer.history, curve_labels), width="stretch", key="pg_curves")
    if st.session_state.get("pg_neurons") and trainer.hidden:
        neurons_view(trainer)


def neurons_view(trainer: pg.Trainer) -> None:
    """Every hidden neuron's output over the plane, one row per layer (orange < 0 < blue), refreshed live."""
    for depth, maps in enumerate(pg.neuron_grids(trainer.model, trainer.features, resolution=24), start=1):
        picture = upscale(tile(signed_colours(maps[:, ::-1]), cols=min(len(maps), 16), pad=2, pad_value=1.0,
                               normalize=False), 2)
        st.image(picture, caption=t("playground.neurons.layer", depth=depth, n=len(maps)))


def classify_mode() -> None:
    # Projected, the buttons and the network come first, on the screen; the lessons and settings follow below.
    first, second = st.container(), st.container()
    settings_area, training_area = (second, first) if present() else (first, second)
    with settings_area:
        lesson_buttons()
        trainer = trainer_for(controls())
    st.session_state.setdefault("pg_running", False)
    run_col, pause_col, step_col, reset_col, neurons_col = training_area.columns([1, 1, 1, 1.4, 2.6])
    if run_col.button(t("playground.run"), type="primary", icon=":material/play_arrow:",
                      help=t("playground.run_help")):
        st.session_state["pg_running"] = True
    if pause_col.button(t("playground.pause"), icon=":material/pause:", help=t("playground.pause_help")):
        st.session_state["pg_running"] = False
    if step_col.button(t("playground.step"), icon=":material/skip_next:", help=t("playground.step_help")):
        trainer.step(1)
    if reset_col.button(t("playground.reset"), icon=":material/restart_alt:", help=t("playground.reset_help")):
        st.session_state.pop(TRAINER)      # the next run builds a fresh network at epoch 0
        st.rerun()
    neurons_col.toggle(t("playground.neurons.show"), key="pg_neurons", help=t("playground.neurons.help"))

    # Live training: the fragment alone reruns every tick, a few epochs each time, while "run" is on.
    @st.fragment(run_every=0.3 if st.session_state["pg_running"] else None)
    def live() -> None:
        current = st.session_state[TRAINER][1]
        if st.session_state.get("pg_running"):
            remaining = st.session_state["pg_until"] - current.epoch
            if remaining > 0:
                current.step_within(min(EPOCHS_PER_TICK, remaining), TICK_BUDGET_S)
            if current.epoch >= st.session_state["pg_until"]:
                st.session_state["pg_running"] = False
                st.rerun()
        show_training(current)

    with training_area:
        live()


def fit_mode() -> None:
    """One hidden layer fits a function of x: the curve, each unit's term ω·σ(wx + b), MSE against L1."""
    st.markdown(t("playground.fit.explain"))
    left, right = st.columns([1, 2.2], gap="large")
    with left:
        st.segmented_control(t("playground.fit.function"), pg.TARGETS, key="pg_fn",
                             format_func=labels("playground.fit.fn", pg.TARGETS))
        st.select_slider(t("playground.fit.units"), UNITS, key="pg_units", help=t("playground.fit.units_help"))
        st.selectbox(t("playground.activation"), FIT_ACTIVATIONS, key="pg_fact",
                     format_func=labels("playground.act", FIT_ACTIVATIONS))
        st.segmented_control(t("playground.fit.loss"), pg.LOSSES, key="pg_loss",
                             format_func=labels("playground.fit.loss", pg.LOSSES), help=t("playground.fit.loss_help"))
        st.slider(t("playground.fit.noise"), 0.0, 0.5, step=0.05, key="pg_fn_noise")
        st.slider(t("playground.fit.outliers"), 0.0, 0.3, step=0.05, key="pg_outliers",
                  help=t("playground.fit.outliers_help"))
        show_units = st.toggle(t("playground.fit.show_units"), value=True, key="pg_show_units")
    s = st.session_state
    settings = dict(target=s["pg_fn"] or "sin", units=s["pg_units"], activation=s["pg_fact"],
                    loss=s["pg_loss"] or "mse", noise=s["pg_fn_noise"], outliers=s["pg_outliers"])
    kept = s.get(FIT)
    if kept is None or kept[0] != settings:
        s[FIT] = (settings, pg.FunctionFit(**settings))
        s["pg_fit_running"] = True          # a new setting trains at once: the curve takes shape in seconds
    run, pause, reset, _ = right.columns([1, 1, 1, 2])
    if run.button(t("playground.run"), key="pg_fit_run", type="primary", icon=":material/play_arrow:"):
        s["pg_fit_running"] = True
    if pause.button(t("playground.pause"), key="pg_fit_pause", icon=":material/pause:"):
        s["pg_fit_running"] = False
    if reset.button(t("playground.reset"), key="pg_fit_reset", icon=":material/restart_alt:"):
        s[FIT] = (settings, pg.FunctionFit(**settings))
        s["pg_fit_running"] = True

    @st.fragment(run_every=0.3 if s["pg_fit_running"] else None)
    def live() -> None:
        fit = st.session_state[FIT][1]
        if st.session_state.get("pg_fit_running") and fit.steps < FIT_STEPS:
            fit.step(FIT_STEPS_PER_TICK)
        elif st.session_state.get("pg_fit_running"):
            st.session_state["pg_fit_running"] = False
            st.rerun()
        a, b, c = st.columns(3)
        a.metric(t("playground.fit.steps"), fit.steps)
        b.metric(t(f"playground.fit.train_{fit.loss}"), decimal(fit.history[-1][1], ".2g") if fit.history else "–")
        c.metric(t("playground.fit.distance"), decimal(fit.test_mse(), ".1e"), help=t("playground.fit.distance_help"))
        fit_labels = {name: t(f"playground.fit.{name}") for name in ("unit", "points", "clean")}
        fit_labels["network"] = t("playground.fit.network", k=fit.units)
        plot(figures.fit_figure(fit, show_units, fit_labels, present()), width="stretch", key="pg_fit_chart")

    with right:
        live()


page_header("playground")
restore_from_url(PARAMS, "pg_url_loaded")
mode = st.segmented_control(t("playground.mode"), ("classify", "fit"), key="pg_mode",
                            format_func=labels("playground.mode", ("classify", "fit"))) or "classify"
if mode == "fit":
    fit_mode()
else:
    classify_mode()
share_link(PARAMS, t("playground.share"))
if mode != "fit":
    lesson_links()
