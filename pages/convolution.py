"""Demo: inside a convolution. The lecture's worked examples, computed by torch, editable, then on your picture."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import numpy as np
import streamlit as st

from demos import convolution as conv, imagenet, mnist
from demos.convolution import examples as ex
from demos.errors import DemoError
from demos.grids import tile, upscale
from ui import models, queue
from ui.charts import number_grid, plot
from ui.common import decimal, labels, number, page_header, show_error, t
from ui.inputs import SOURCES as INPUT_SOURCES, drawn_digit, image_input

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}


def as_text(values) -> str:
    """A vector or matrix as the visitor edits it: numbers separated by spaces, one row per line."""
    rows = values if isinstance(values[0], (tuple, list)) else [values]
    return "\n".join(" ".join(conv.operations.format_number(v) for v in row) for row in rows)


def one_d() -> None:
    preset = st.pills(t("convolution.1d.preset"), ["slide", "derivative"], default="slide", key="conv_1d_preset",
                      format_func=labels("convolution.1d.preset", ["slide", "derivative"])) or "slide"
    signal, kernel = (ex.SIGNAL_1D, ex.KERNEL_1D) if preset == "slide" else (ex.RAMP, ex.DERIVATIVE)
    left, right = st.columns([3, 2])
    signal_text = left.text_input(t("convolution.1d.signal"), as_text(signal), key=f"conv_1d_signal_{preset}")
    kernel_text = right.text_input(t("convolution.1d.kernel"), as_text(kernel), key=f"conv_1d_kernel_{preset}")
    try:
        values = conv.conv1d(conv.parse_vector(signal_text, t("convolution.what.signal")),
                             conv.parse_vector(kernel_text, t("convolution.what.kernel")))
    except DemoError as error:
        show_error(error)
        return
    with st.container(key="conv_1d_result"):
        st.markdown(t("convolution.1d.output", values=" ".join(conv.operations.format_number(e.value) for e in values)))
        st.dataframe([{t("convolution.col.position"): i, t("convolution.col.sum"): e.sum_text()}
                      for i, e in enumerate(values)], hide_index=True, width="stretch")


def two_d() -> None:
    inputs, settings = st.columns([2, 1])
    image_col, kernel_col = inputs.columns(2)
    image_text = image_col.text_area(t("convolution.2d.input"), as_text(ex.PADDING_INPUT), key="conv_2d_input")
    kernel_text = kernel_col.text_area(t("convolution.2d.kernel"), as_text(ex.PADDING_KERNEL), key="conv_2d_kernel")
    stride = settings.segmented_control(t("convolution.2d.stride"), [1, 2], default=1, key="conv_2d_stride") or 1
    padding = settings.segmented_control(t("convolution.2d.padding"), [0, 1, 2], default=ex.PADDING,
                                         key="conv_2d_padding")
    padding = ex.PADDING if padding is None else padding
    try:
        image = conv.parse_matrix(image_text, t("convolution.what.input"))
        kernel = conv.parse_matrix(kernel_text, t("convolution.what.kernel"))
        result = conv.conv2d(image, kernel, stride=stride, padding=padding)
    except DemoError as error:
        show_error(error)
        return
    rows, cols = result.output.shape
    n, k = image.shape[0], kernel.shape[0]
    formula, stepper = st.columns([1, 2], vertical_alignment="bottom")     # one row: room for the grids below
    formula.markdown(t("convolution.2d.size", n=n, k=k, p=padding, s=stride, out=conv.output_size(n, k, stride, padding)))
    cell = stepper.slider(t("convolution.2d.position"), 1, rows * cols, rows * cols, key="conv_2d_position") - 1
    row, col = divmod(cell, cols)
    top, left_ = result.window(row, col)
    done = [[conv.operations.format_number(v) if i * cols + j <= cell else "" for j, v in enumerate(line)]
            for i, line in enumerate(result.output.tolist())]
    padded_col, output_col = st.columns(2)
    plot(number_grid(result.padded, highlight=(top, left_, *kernel.shape)), where=padded_col, key="conv_2d_padded",
         **CHART)
    with output_col, st.container(key="conv_result"):
        plot(number_grid(result.output, highlight=(row, col, 1, 1), text=done, colorscale="Oranges"),
             key="conv_2d_output", **CHART)
    st.markdown(t("convolution.2d.sum", row=row, col=col, sum=result.explain(row, col).sum_text()))


def curve_detector() -> None:
    st.markdown(t("convolution.curve.explain"))
    for name, field in (("on", ex.ON_THE_CURVE), ("elsewhere", ex.ELSEWHERE)):
        response = conv.conv2d(field, ex.CURVE_FILTER).output.item()
        field_col, filter_col = st.columns(2)
        plot(number_grid(field, height=230), where=field_col, key=f"conv_curve_{name}", **CHART)
        plot(number_grid(ex.CURVE_FILTER, height=230, colorscale="Greens"), where=filter_col,
             key=f"conv_curve_filter_{name}", **CHART)
        st.markdown(t(f"convolution.curve.{name}", response=number(int(response))))
    st.markdown(t("convolution.curve.draw"))
    drawing_col, heat_col = st.columns(2)
    with drawing_col:
        drawing = drawn_digit("conv_curve_canvas")
    if drawing is not None:
        gray = np.asarray(drawing.convert("L").resize((96, 96)), np.float32) / 255 * 50   # the slide's 0–50 ink
        heat = conv.filter_image(gray, ex.CURVE_FILTER)
        heat_col.image(upscale(tile(heat[None], cols=1, pad=0), 3), caption=t("convolution.curve.heat"))


def on_a_picture() -> None:
    st.markdown(t("convolution.picture.explain"))
    photo = image_input("conv", t("convolution.picture.source"),
                        {s: t(f"imagenet.source.{s}") for s in INPUT_SOURCES}, samples=imagenet.list_samples(),
                        max_side=256)
    if photo is not None:
        filtered_row(np.asarray(photo.convert("L"), np.float32) / 255)
    st.subheader(t("convolution.mnist.title"))
    drawing_col, maps_col = st.columns([1, 2])
    with drawing_col:
        drawing = drawn_digit("conv_digit_canvas")
    network = models.mnist_model()
    maps_col.image(upscale(tile(network.conv1.weight.detach()[:, 0].numpy(), cols=8), 6),
                   caption=t("convolution.mnist.filters"))
    if drawing is None:
        return
    reading = mnist.read(drawing, network, alive=queue.visitor_alive())
    if reading.blank:
        return
    filtered_row(reading.digit, zoom=6)                                 # the same filters on the digit
    maps = reading.feature_maps["conv1"]
    for column, (key, shown) in zip(st.columns(3), (("maps", maps), ("pool2", conv.max_pool(maps, 2)),
                                                    ("pool3", conv.max_pool(maps, 3)))):
        column.image(upscale(tile(shown, cols=8), max(1, 96 // shown.shape[-1])), width="stretch",
                     caption=t(f"convolution.mnist.{key}", side=shown.shape[-1]))


def filtered_row(gray: np.ndarray, zoom: int = 1) -> None:
    """A grey picture (values in [0, 1]) and what blur, sharpen and the two Sobel kernels make of it."""
    columns = st.columns(1 + len(ex.FILTERS))
    columns[0].image(upscale((gray * 255).round().astype(np.uint8), zoom), caption=t("convolution.picture.original"),
                     width="stretch")
    for column, (name, kernel) in zip(columns[1:], ex.FILTERS.items()):
        out = conv.filter_image(gray, kernel)
        shown = np.abs(out) if name.startswith("edge") else np.clip(out, 0, 1)   # an edge is strong either way
        column.image(upscale(tile(shown[None], cols=1, pad=0, normalize=name.startswith("edge")), zoom),
                     caption=t(f"convolution.filter.{name}"), width="stretch")


def why_convolutions() -> None:
    counts = conv.parameter_counts()
    dense, conv_, lecture = st.columns(3)
    dense.metric(t("convolution.why.dense"), f"{counts.dense:.3g}".replace("e+", " × 10^"),
                 help=t("convolution.why.dense_help"))
    conv_.metric(t("convolution.why.conv"), number(counts.conv))
    lecture.metric(t("convolution.why.mnist"), number(counts.lecture_mnist))
    st.markdown(t("convolution.why.explain", gb=decimal(counts.dense_bytes / 1e9, ".0f"), conv=number(counts.conv),
                  mnist=number(counts.lecture_mnist)))


def batch_normalisation() -> None:
    st.markdown(t("convolution.bn.explain"))
    edit, knobs = st.columns([2, 1])
    text = edit.text_area(t("convolution.bn.batch"), as_text(ex.BATCH), key="conv_bn_batch", height=130)
    gamma = knobs.slider("γ", -3.0, 3.0, 1.0, 0.1, key="conv_bn_gamma", help=t("convolution.bn.gamma_help"))
    beta = knobs.slider("β", -5.0, 5.0, 0.0, 0.1, key="conv_bn_beta", help=t("convolution.bn.beta_help"))
    try:
        batch = conv.parse_matrix(text, t("convolution.what.batch"))
        result = conv.batch_norm(batch, gamma, beta)
    except DemoError as error:
        show_error(error)
        return
    samples = result.output.shape[1]
    rows = [{t("convolution.bn.feature"): f"x_{i + 1}",
             **{f"{t('convolution.bn.sample')} {j + 1}": decimal(v, ".3g") for j, v in enumerate(x)},
             t("convolution.bn.mean"): decimal(m, ".3g"), t("convolution.bn.std"): decimal(s, ".3g"),
             **{f"→ {j + 1}": decimal(v, ".2f") for j, v in enumerate(y)}}
            for i, (x, m, s, y) in enumerate(zip(batch.tolist(), result.means.tolist(),
                                                 result.stds.tolist(), result.output.tolist()))]
    with st.container(key="conv_bn_result"):
        st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(t("convolution.bn.formula", n=samples))


page_header("convolution")
tabs = st.tabs([t(f"convolution.tab.{name}") for name in ("2d", "1d", "curve", "picture", "why", "bn")])
for tab, section in zip(tabs, (two_d, one_d, curve_detector, on_a_picture, why_convolutions, batch_normalisation)):
    with tab:
        section()
