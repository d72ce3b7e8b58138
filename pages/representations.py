"""Demo: compress and unfold. An autoencoder against PCA on MNIST, a walk between two digits, t-SNE of the layers."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from demos import mnist, representations as rep
from demos.errors import DemoError
from demos.grids import tile, upscale
from demos.images import to_png
from demos.jobs import DONE, Job
from demos.representations import tsne
from ui import models, queue
from ui.charts import plot
from ui.common import labels, page_header, percent, present, show_error, t
from ui.inputs import drawn_digit

LECTURE_DIGITS = 36       # seed 001: the first 36 MNIST test digits
FRAMES = 13
MY_MODEL = "mnist_my_model"          # session state the MNIST page fills when the visitor trains a network
MY_MAPS = "rep_my_maps"              # session state: {"for": that network's weights, "maps": its maps}
MAPPING = "rep_mapping"              # session state: the job computing them
# Tableau's 10 colours, one per class; the visitor's digit in black on top.
CLASS_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#bab0ac")


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


def map_figure(layer_map: tsne.LayerMap, yours: np.ndarray | None, digit: int | None, height: int) -> go.Figure:
    """One layer's map: a dot per test digit coloured by class, each class's digit written at its centre, the
    visitor's digit as a black star; the title says how often the 5 nearest neighbours share a digit's class."""
    fig = go.Figure()
    for c in range(10):
        points = layer_map.coords[layer_map.labels == c]
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", name=str(c), hoverinfo="name",
                                   marker=dict(size=3 if present() else 4, color=CLASS_COLOURS[c])))
        x, y = np.median(points, axis=0)
        fig.add_annotation(x=x, y=y, text=f"<b>{c}</b>", showarrow=False, font=dict(size=16, color="#000"),
                           bgcolor="rgba(255,255,255,0.7)")
    if yours is not None:
        fig.add_trace(go.Scatter(x=yours[:, 0], y=yours[:, 1], mode="markers", name=t("representations.maps.you"),
                                 marker=dict(symbol="star", size=26, color="#000", line=dict(width=2, color="#fff")),
                                 hovertext=t("representations.maps.you_read", digit=digit), hoverinfo="text"))
    title = (f"{t(f'representations.layer.{layer_map.layer}')}<br><sup>"
             f"{t('representations.maps.neighbours', share=percent(layer_map.neighbour_accuracy()))}</sup>")
    fig.update_layout(height=height, margin=dict(l=4, r=4, t=52, b=4), showlegend=False, plot_bgcolor="#fff",
                      title=dict(text=title, x=0.5, xanchor="center", font_size=18 if present() else 15),
                      xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))
    return fig


# The colour of each class as the maps draw them (a constant: no visitor text goes into HTML).
LEGEND = "<div style='font-size:1.1rem'>" + "".join(
    f"<span style='background:{colour};color:#fff;font-weight:700;padding:0.1rem 0.5rem;margin:0.1rem;"
    f"border-radius:0.3rem;display:inline-block'>{c}</span>" for c, colour in enumerate(CLASS_COLOURS)) + "</div>"


def my_maps() -> tsne.Maps | None:
    """The maps of the network the visitor trained on the MNIST page: computed on request, in the job queue."""
    mine = st.session_state[MY_MODEL]
    done = st.session_state.get(MY_MAPS)
    if done is not None and done["for"] is mine["state_dict"]:
        return done["maps"]
    job = queue.current(MAPPING)
    if job is not None and job.finished:
        if job.status == DONE and job.result is not None:
            st.session_state[MY_MAPS] = {"for": job.result[0], "maps": job.result[1]}
        queue.forget(MAPPING)
        st.rerun()
    if job is None and st.button(t("representations.maps.compute"), key="rep_map_mine", icon=":material/scatter_plot:"):
        data = test_digits()
        if data is not None:
            weights, network = mine["state_dict"], models.visitors_mnist_model(mine)
            digits, labels = data[0][:tsne.MAP_DIGITS], data[1][:tsne.MAP_DIGITS]

            def work(job: Job) -> tuple[dict, tsne.Maps] | None:
                maps = tsne.build_maps(network, digits, labels, should_stop=job.should_stop,
                                       callback=lambda layer, done: job.report(done, layer=layer))
                return None if maps is None else (weights, maps)
            queue.submit(MAPPING, work, kind="tsne")
    queue.follow(MAPPING, lambda job: queue.status(job, key="rep_map_cancel", running_text=t(
        "representations.maps.running", layer=t(f"representations.layer.{job.state.get('layer', 'input')}"))))
    return None


def maps_tab() -> None:
    if present():       # projected: the maps and the canvas on the screen, the explanation one click away
        with st.expander(t("representations.maps.how"), icon=":material/help:"):
            st.markdown(t("representations.maps.explain"))
    else:
        st.markdown(t("representations.maps.explain"))
    # The canvas is 280 px wide: a quarter of the projected page, a third of the page beside the sidebar.
    left, right = st.columns([1, 3] if present() else [1, 2])
    with left:
        whose = "lecture"
        if MY_MODEL in st.session_state:
            whose = st.radio(t("representations.maps.whose"), ("lecture", "mine"), key="rep_whose",
                             format_func=labels("representations.maps.whose", ("lecture", "mine")))
        else:
            st.caption(t("representations.maps.train_first"))
        digit = drawn("rep_map_canvas")
        if digit is None:
            st.info(t("representations.maps.draw"), icon=":material/draw:")
    with right:
        if whose == "mine":
            maps, network = my_maps(), models.visitors_mnist_model(st.session_state[MY_MODEL])
        else:
            maps, network = tsne.shipped_maps(), models.mnist_model()
        if maps is None:
            return
        placed = None if digit is None else tsne.place_in_maps(maps, network, digit)
        with st.container(key="rep_maps"):
            columns = st.columns(3 if present() else 2)
            for i, (layer, layer_map) in enumerate(maps.items()):
                figure = map_figure(layer_map, None if placed is None else placed.positions[layer],
                                    None if placed is None else int(placed.read[0]), 225 if present() else 300)
                plot(figure, columns[i % len(columns)], key=f"rep_map_{layer}", config={"displayModeBar": False})
            with columns[-1]:
                st.caption(t(f"representations.maps.colours.{whose}"))
                st.html(LEGEND)


page_header("representations")
compare_tab_, walk_tab, maps_tab_ = st.tabs([t("representations.tab.compare"), t("representations.tab.walk"),
                                             t("representations.tab.maps")])
with compare_tab_:
    compare_tab()
with walk_tab:
    interpolation_tab()
with maps_tab_:
    maps_tab()
