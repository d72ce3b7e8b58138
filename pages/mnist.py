"""Demo 1: draw a digit, the lecture's CNN reads it; or train it yourself."""

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import io

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from demos import mnist
from demos.cluster.heavy import on_cluster
from demos.errors import DemoError
from demos.grids import tile, upscale
from demos.jobs import DONE, FAILED, Job
from demos.mnist.train import LECTURE_CLAIM_SECONDS, QUICK, estimate_seconds, train_and_evaluate
from ui import models, queue
from ui.charts import digit_probabilities, plot
from ui.common import decimal, device_label, labels, page_header, show_error, t
from ui.inputs import camera_image, drawn_digit, uploaded_image

MY_MODEL = "mnist_my_model"      # session state: the visitor's own trained weights
TRAINING = "mnist_training"      # session state: the visitor's training run (a demos.jobs.Job)


def training_chart(history: list[dict]) -> go.Figure:
    steps = [r["step"] for r in history]
    fig = go.Figure()
    fig.add_scatter(x=steps, y=[r["loss"] for r in history], name=t("mnist.train.loss"))
    fig.add_scatter(x=steps, y=[1 - r["accuracy"] for r in history], name=t("mnist.train.error"), yaxis="y2")
    # The whole run's width from the first point: a lone point would sit on an axis of 19-21.
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=t("mnist.train.step"),
                      xaxis_range=[0, history[-1]["steps"]] if history else None,
                      yaxis=dict(title=t("mnist.train.loss"), rangemode="tozero"),
                      yaxis2=dict(title=t("mnist.train.error"), overlaying="y", side="right", tickformat=".0%",
                                  rangemode="tozero"),
                      legend=dict(orientation="h", y=1.12))
    return fig


def chosen_model() -> mnist.LectureNet:
    """The shipped network, or the visitor's own once they trained one."""
    if MY_MODEL in st.session_state and st.toggle(t("mnist.use_mine"), value=True, key="mnist_use_mine"):
        return models.visitors_mnist_model(st.session_state[MY_MODEL])
    return models.mnist_model()


def show_reading(reading: mnist.Reading) -> None:
    if reading.blank:
        st.info(t("mnist.no_digit" if reading.not_a_digit else "mnist.empty"), icon=":material/draw:")
        return
    best = reading.prediction
    # The answer is the point of the demo: make it readable from the back of the room.
    st.html("<style>.st-key-mnist_answer [data-testid='stMetricValue'] {font-size: 6rem; line-height: 1.1}</style>")
    with st.container(key="mnist_answer"):
        confidence = t("mnist.confidence", p=decimal(reading.probabilities[best], ".0%"))
        st.metric(t("mnist.prediction"), str(best), confidence,
                  delta_color="off", delta_arrow="off")
    chart = digit_probabilities(reading.probabilities, t("mnist.digit"), t("mnist.probability"))
    plot(chart, width="stretch", config={"displayModeBar": False})


def show_internals(reading: mnist.Reading) -> None:
    st.subheader(t("mnist.sees.title"))
    seen, conv1, conv2 = st.columns([1, 2, 2])
    seen.image(upscale((reading.digit * 255).astype(np.uint8), 5), caption=t("mnist.sees.input"))
    conv1.image(upscale(tile(reading.feature_maps["conv1"], cols=8), 2), caption=t("mnist.sees.conv1"))
    conv2.image(upscale(tile(reading.feature_maps["conv2"], cols=8), 8), caption=t("mnist.sees.conv2"))


def start_training() -> None:
    """Queue a training run for the visitor (it waits its turn among the server's heavy jobs)."""
    try:
        train_set, test_set = models.mnist_data("train"), models.mnist_data("test")
    except DemoError as error:
        show_error(error)
        return

    def work(job: Job) -> dict:
        def on_progress(record: dict) -> None:
            job.report(record["step"] / record["steps"], history=[*job.state.get("history", []), record])
        # in a Ray actor when this process uses a cluster (demos.cluster), here otherwise
        return on_cluster(train_and_evaluate)(train_set, test_set, QUICK, callback=on_progress,
                                              should_stop=job.should_stop)

    queue.submit(TRAINING, work, kind="mnist-training")


def training_view(job: Job) -> None:
    """The run's place in the queue, or its progress and live curve; its model replaces the shipped one when done."""
    history = job.state.get("history", [])
    last = history[-1] if history else {"step": 0, "steps": QUICK.steps, "seconds": 0.0}
    queue.status(job, key="mnist_train_cancel", running_text=t(
        "mnist.train.progress", step=last["step"], steps=last["steps"], seconds=decimal(last['seconds'], ".1f")))
    if not job.finished and history:
        plot(training_chart(history), width="stretch", key="mnist_curve_live")


def adopt_training() -> None:
    """A finished run of the visitor becomes their model (a cancelled one is dropped)."""
    job = queue.current(TRAINING)
    if job is not None and job.finished and job.status != FAILED:
        if job.status == DONE:
            st.session_state[MY_MODEL] = job.result
        queue.forget(TRAINING)


def train_yourself() -> None:
    st.markdown(t("mnist.train.explain", steps=QUICK.steps, batch=QUICK.batch_size))
    expected = estimate_seconds(QUICK)
    st.caption(t("mnist.train.expected", seconds=decimal(expected, ".0f"), device=device_label(),
                 claim=decimal(LECTURE_CLAIM_SECONDS, ".0f")))
    if st.button(t("mnist.train.button"), type="primary", icon=":material/model_training:", key="mnist_train"):
        start_training()
    queue.follow(TRAINING, training_view)
    if MY_MODEL in st.session_state:
        mine = st.session_state[MY_MODEL]
        verdict = "met" if mine["seconds"] <= LECTURE_CLAIM_SECONDS else "missed"
        st.success(t("mnist.train.done", seconds=decimal(mine["seconds"], ".1f"), error=decimal(mine["error"], ".2%"),
                     verdict=t(f"mnist.train.claim_{verdict}", claim=decimal(LECTURE_CLAIM_SECONDS, ".0f"),
                               ratio=decimal(mine["seconds"] / LECTURE_CLAIM_SECONDS, ".1f"))))
        plot(training_chart(mine["history"]), width="stretch", key="mnist_curve_final")
        buffer = io.BytesIO()
        torch.save(mine["state_dict"], buffer)
        st.download_button(t("mnist.train.download"), buffer.getvalue(), file_name="my_mnist_cnn.pt",
                           icon=":material/download:")


page_header("mnist")
adopt_training()
source = st.segmented_control(t("mnist.source"), ["draw", "upload", "camera"], default="draw", key="mnist_source",
                              format_func=labels("mnist.source", ["draw", "upload", "camera"])) or "draw"
left, right = st.columns(2, gap="large")
with left:
    image = {"draw": lambda: drawn_digit("mnist_canvas"), "upload": lambda: uploaded_image("mnist_upload"),
             "camera": lambda: camera_image("mnist_camera")}[source]()
with right:
    model = chosen_model()
    try:
        reading = (mnist.read(image, model, alive=queue.visitor_alive(), photo=source != "draw")
                   if image is not None else None)
    except DemoError as error:   # the server is overwhelmed, or the network failed on this drawing
        show_error(error)
        reading = None
    if reading is not None:
        show_reading(reading)
    else:
        st.info(t("mnist.empty"), icon=":material/draw:")
if reading is not None and not reading.blank:
    show_internals(reading)
with st.expander(t("mnist.train.title"), expanded=MY_MODEL in st.session_state or queue.current(TRAINING) is not None,
                 icon=":material/school:"):
    train_yourself()
