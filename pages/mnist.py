"""Demo 1: draw a digit, the lecture's CNN reads it; or train it yourself."""
import io

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from demos import mnist
from demos.errors import DemoError
from demos.grids import tile, upscale
from demos.mnist.train import QUICK, evaluate, train
from ui import models
from ui.common import labels, page_header, show_error, t
from ui.inputs import camera_image, uploaded_image

CANVAS_SIDE = 280
MY_MODEL = "mnist_my_model"      # session state: the visitor's own trained weights


def probability_chart(probabilities: np.ndarray) -> go.Figure:
    best = int(probabilities.argmax())
    fig = go.Figure(go.Bar(
        x=[str(d) for d in range(10)], y=probabilities,
        marker_color=["#e4572e" if d == best else "#4c78a8" for d in range(10)],
        text=[f"{p:.0%}" for p in probabilities], textposition="outside",
    ))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(range=[0, 1.15], tickformat=".0%"),
                      xaxis=dict(title=t("mnist.digit"), type="category"), yaxis_title=t("mnist.probability"))
    return fig


def training_chart(history: list[dict]) -> go.Figure:
    steps = [r["step"] for r in history]
    fig = go.Figure()
    fig.add_scatter(x=steps, y=[r["loss"] for r in history], name=t("mnist.train.loss"))
    fig.add_scatter(x=steps, y=[1 - r["accuracy"] for r in history], name=t("mnist.train.error"), yaxis="y2")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=t("mnist.train.step"),
                      yaxis=dict(title=t("mnist.train.loss"), rangemode="tozero"),
                      yaxis2=dict(title=t("mnist.train.error"), overlaying="y", side="right", tickformat=".0%",
                                  rangemode="tozero"),
                      legend=dict(orientation="h", y=1.12))
    return fig


def draw_input():
    """The canvas (white ink on black, like MNIST); returns its RGBA pixels or None."""
    from streamlit_drawable_canvas import st_canvas  # only pages import the component

    canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, return_image_data=True, key="mnist_canvas")
    st.caption(t("mnist.draw_hint"))
    return canvas.image_data


def chosen_model() -> mnist.LectureNet:
    """The shipped network, or the visitor's own once they trained one."""
    if MY_MODEL in st.session_state and st.toggle(t("mnist.use_mine"), value=True, key="mnist_use_mine"):
        model = mnist.LectureNet()
        model.load_state_dict(st.session_state[MY_MODEL]["state_dict"])
        return model.eval()
    return models.mnist_model()


def show_reading(reading: mnist.Reading) -> None:
    if reading.blank:
        st.info(t("mnist.empty"), icon=":material/draw:")
        return
    best = reading.prediction
    # The answer is the point of the demo: make it readable from the back of the room.
    st.html("<style>.st-key-mnist_answer [data-testid='stMetricValue'] {font-size: 6rem; line-height: 1.1}</style>")
    with st.container(key="mnist_answer"):
        st.metric(t("mnist.prediction"), str(best), t("mnist.confidence", p=f"{reading.probabilities[best]:.0%}"),
                  delta_color="off", delta_arrow="off")
    st.plotly_chart(probability_chart(reading.probabilities), width="stretch", config={"displayModeBar": False})


def show_internals(reading: mnist.Reading) -> None:
    st.subheader(t("mnist.sees.title"))
    seen, conv1, conv2 = st.columns([1, 2, 2])
    seen.image(upscale((reading.digit * 255).astype(np.uint8), 5), caption=t("mnist.sees.input"))
    conv1.image(upscale(tile(reading.feature_maps["conv1"], cols=8), 2), caption=t("mnist.sees.conv1"))
    conv2.image(upscale(tile(reading.feature_maps["conv2"], cols=8), 8), caption=t("mnist.sees.conv2"))


def train_yourself() -> None:
    st.markdown(t("mnist.train.explain", steps=QUICK.steps, batch=QUICK.batch_size))
    if st.button(t("mnist.train.button"), type="primary", icon=":material/model_training:"):
        try:
            train_set, test_set = models.mnist_data("train"), models.mnist_data("test")
        except DemoError as error:
            show_error(error)
            return
        bar, chart, history = st.progress(0.0), st.empty(), []

        def on_progress(record: dict) -> None:
            history.append(record)
            bar.progress(record["step"] / record["steps"], text=t(
                "mnist.train.progress", step=record["step"], steps=record["steps"], seconds=f"{record['seconds']:.1f}"))
            chart.plotly_chart(training_chart(history), width="stretch", key=f"mnist_curve_{record['step']}")

        model, history = train(*train_set, settings=QUICK, callback=on_progress)
        error = evaluate(model, *test_set)
        st.session_state[MY_MODEL] = {"state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
                                      "error": error, "seconds": history[-1]["seconds"], "history": history}
        st.rerun()   # redraw the page with the new model in use
    if MY_MODEL in st.session_state:
        mine = st.session_state[MY_MODEL]
        st.success(t("mnist.train.done", seconds=f"{mine['seconds']:.1f}", error=f"{mine['error']:.2%}"))
        st.plotly_chart(training_chart(mine["history"]), width="stretch", key="mnist_curve_final")
        buffer = io.BytesIO()
        torch.save(mine["state_dict"], buffer)
        st.download_button(t("mnist.train.download"), buffer.getvalue(), file_name="my_mnist_cnn.pt",
                           icon=":material/download:")


page_header("mnist")
source = st.segmented_control(t("mnist.source"), ["draw", "upload", "camera"], default="draw", key="mnist_source",
                              format_func=labels("mnist.source", ["draw", "upload", "camera"])) or "draw"
left, right = st.columns(2, gap="large")
with left:
    image = {"draw": draw_input, "upload": lambda: uploaded_image("mnist_upload"),
             "camera": lambda: camera_image("mnist_camera")}[source]()
with right:
    model = chosen_model()
    reading = mnist.read(image, model) if image is not None else None
    if reading is not None:
        show_reading(reading)
    else:
        st.info(t("mnist.empty"), icon=":material/draw:")
if reading is not None and not reading.blank:
    show_internals(reading)
with st.expander(t("mnist.train.title"), expanded=MY_MODEL in st.session_state, icon=":material/school:"):
    train_yourself()
