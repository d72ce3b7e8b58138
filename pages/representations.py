"""Demo: compress and unfold. A convolutional autoencoder against PCA on MNIST, and a walk between two digits."""
from __future__ import annotations

import numpy as np
import streamlit as st

from demos import mnist, representations as rep
from demos.errors import DemoError
from demos.grids import tile, upscale
from demos.images import to_png
from ui import models, queue
from ui.common import page_header, present, show_error, t
from ui.inputs import drawn_digit

LECTURE_DIGITS = 36       # seed 001: the first 36 MNIST test digits
FRAMES = 13


def test_digits() -> tuple[np.ndarray, np.ndarray] | None:
    """MNIST's test digits, or None with a message (offline with no copy): the drawn digit still works."""
    try:
        return models.mnist_data("test")
    except DemoError as error:
        show_error(error)
        return None


def drawn(key: str) -> np.ndarray | None:
    """The visitor's digit as the network sees it (28×28 uint8), or None while the canvas is blank."""
    drawing = drawn_digit(key)
    if drawing is None:
        return None
    reading = mnist.read(drawing, models.mnist_model(), alive=queue.visitor_alive())
    return None if reading.blank else (reading.digit * 255).round().astype(np.uint8)


def grid(digits: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    return upscale(tile(rep.marked(digits, wrong), cols=6, pad=2, normalize=False), 3)


def compare_tab() -> None:
    st.markdown(t("representations.compare.explain"))
    d = st.segmented_control(t("representations.d"), rep.DIMENSIONS, default=8, key="rep_d",
                             help=t("representations.d_help")) or 8
    network = models.mnist_model()
    data = test_digits()
    if data is not None:
        result = rep.compare(data[0][:LECTURE_DIGITS], d, network)
        width = 300 if present() else "stretch"      # projected: the three grids and captions above y = 720
        with st.container(key="rep_result"):
            columns = st.columns(3)
            columns[0].image(grid(result.originals, np.zeros(LECTURE_DIGITS, bool)), width=width,
                             caption=t("representations.originals"))
            for column, method in zip(columns[1:], ("cnn", "pca")):
                wrong = result.misread(method)
                column.image(grid(getattr(result, method), wrong), width=width,
                             caption=t(f"representations.{method}", d=d, wrong=int(wrong.sum()), n=LECTURE_DIGITS))
    st.subheader(t("representations.yours"))
    left, right = st.columns([1, 2])
    with left:
        digit = drawn("rep_canvas")
    if digit is None:
        right.info(t("representations.draw"), icon=":material/draw:")
        return
    yours = rep.compare(digit[None], d, network)
    for column, (name, picture) in zip(right.columns(3), (("original", yours.originals), ("cnn", yours.cnn),
                                                           ("pca", yours.pca))):
        column.image(upscale(picture[0], 6), width="stretch",
                     caption=t("representations.reads", what=t(f"representations.short.{name}", d=d),
                               digit=int(yours.read[name][0])))


def interpolation_tab() -> None:
    st.markdown(t("representations.walk.explain"))
    data = test_digits()
    ends = []
    for column, (key, default) in zip(st.columns(2), (("rep_from", 0), ("rep_to", 1))):
        with column:
            if data is not None:
                index = st.number_input(t(f"representations.walk.{key}"), 0, len(data[0]) - 1, default, key=key)
                ends.append(data[0][int(index)])
            else:
                ends.append(drawn(f"{key}_canvas"))
    if any(end is None for end in ends):
        st.info(t("representations.walk.need_two"), icon=":material/draw:")
        return
    strips = {(method, d): rep.interpolate(ends[0], ends[1], d, method, FRAMES)
              for method, d in (("pca", 32), ("cnn", 8), ("cnn", 32))}
    frame = st.slider(t("representations.walk.alpha"), 0, FRAMES - 1, FRAMES // 2, key="rep_alpha",
                      format=f"%d / {FRAMES - 1}")
    with st.container(key="rep_walk"):
        for (method, d), strip in strips.items():
            label, picture = st.columns([1, 6 if present() else 8], vertical_alignment="center")
            label.image(upscale(strip[frame], 4), caption=t("representations.walk.alpha_caption",
                                                            a=f"{frame / (FRAMES - 1):.2f}"))
            picture.image(upscale(tile(strip / 255, cols=FRAMES, pad=2, normalize=False), 2), width="stretch",
                          caption=t(f"representations.short.{method}", d=d))
    every_strip = np.concatenate(list(strips.values())) / 255     # one row per method, as shown
    st.download_button(t("representations.walk.download"), to_png(upscale(tile(every_strip, cols=FRAMES, pad=2,
                                                                               normalize=False), 2)),
                       file_name="interpolation.png", mime="image/png", icon=":material/download:", key="rep_png")


page_header("representations")
compare_tab_, walk_tab = st.tabs([t("representations.tab.compare"), t("representations.tab.walk")])
with compare_tab_:
    compare_tab()
with walk_tab:
    interpolation_tab()
