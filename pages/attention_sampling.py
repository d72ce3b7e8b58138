"""Demo 7: attention sampling reads a megapixel image through K small patches (Katharopoulos & Fleuret, 2019)."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st

from demos import attention_sampling as attn, weights
from demos.cluster.heavy import on_cluster
from demos.attention_sampling.megapixel_mnist import SCALE
from demos.attention_sampling.model import PATCH
from demos.attention_sampling.views import (ESTIMATOR, Picture, attention_legend, attention_view,
                                            display_size, focus, full_size_view, generated_picture, input_view,
                                            patch_tiles, patch_weights, uploaded_picture)
from demos.cards import read_card
from demos.errors import DemoError
from demos.images import DEFAULT_MAX_SIDE, to_png
from demos.jobs import DONE, Job
from demos.url_state import Param
from ui import models, queue
from ui.charts import digit_probabilities, plot
from ui.common import decimal, duration, labels, memo, new_seed, number, page_header, percent, present, show_error, size, t
from ui.inputs import uploaded_image
from ui.links import restore_from_url, share_link

MAX_SEED = 999_999
SOURCES = ["generate", "upload"]
FULL = "attention_full"  # session state: the last full-resolution run, with the image it was run on
FULL_JOB = "attention_full_job"  # session state: that run while it waits or runs (a demos.jobs.Job)
PARAMS = (
    Param("attention_source", "generate", choices=tuple(SOURCES)),
    Param("attention_seed", 7, 0, MAX_SEED),
    Param("attention_k", attn.DEFAULT_K, 1, 50),
    Param("attention_draw", 0, 0, MAX_SEED),     # the sampling seed (the Re-sample button changes it)
)
# --- the image -------------------------------------------------------------------

def generated() -> Picture | None:
    """A Megapixel MNIST image from a seed, or None (with the catalogue's message) without the MNIST digits."""
    st.number_input(t("attention_sampling.seed"), 0, MAX_SEED, step=1, key="attention_seed",
                    help=t("attention_sampling.seed_help"))
    st.button(t("attention_sampling.new_image"), icon=":material/casino:", key="attention_new",
              on_click=new_seed, args=("attention_seed", MAX_SEED), help=t("attention_sampling.new_image_help"))
    try:
        digits = models.megapixel_digits()
    except DemoError as error:
        show_error(error)
        st.info(t("attention_sampling.upload_instead"), icon=":material/upload:")
        return None
    return generated_picture(int(st.session_state["attention_seed"]), digits)


def uploaded() -> Picture | None:
    """The visitor's own image, prepared as the model reads it (grayscale, light ink on dark), or None."""
    image = uploaded_image("attention_upload")
    st.caption(t("attention_sampling.upload_help", side=DEFAULT_MAX_SIDE))
    return uploaded_picture(image) if image is not None else None


# --- what the model did -------------------------------------------------------

def reading_for(picture: Picture, k: int, draw: int, model: attn.AttentionSampler) -> attn.Reading:
    """The reading of ``picture``, computed again only when the image, K, the draw or the model change.

    Every click reruns the page: pressing "Run the CNN" must not re-time attention sampling.
    """
    return memo("attention_reading", (picture.key, k, draw, id(model)),
                lambda: attn.read(picture.gray, k=k, seed=draw, model=model, alive=queue.visitor_alive()))


def zoom_in(picture: Picture, reading: attn.Reading, projected: bool = False) -> None:
    """The K patches read at full resolution, each with its attention; projected, smaller and without the note."""
    k = len(reading.patches)
    st.markdown(f"**{t('attention_sampling.zoom')}**")
    tiles = patch_tiles(reading)
    weights_ = patch_weights(reading, picture.gray.shape)
    if not projected:
        captions, width = [f"#{i + 1} · {percent(a)}" for i, a in enumerate(weights_)], 60 if k > 20 else 90
    elif k <= 10:   # projected, the share alone: "#3 · 11 %" wraps under a 60-pixel tile
        captions, width = [percent(a) for a in weights_], 60
    else:           # projected, a third of a 1280×720 screen: twenty tiles in two rows, their shares off screen
        captions, width = None, 34
    st.image(tiles, caption=captions, width=width)
    if not projected:
        st.caption(t("attention_sampling.zoom_caption", k=k, patch=PATCH))


def show_views(picture: Picture, reading: attn.Reading, projected: bool):
    """The lecture's panels: Input and Attention side by side, with where the attention goes.

    Projected, a third column beside them is returned for the answer: all of it on a 720-pixel screen.
    """
    h, w = picture.gray.shape
    low_h, low_w = reading.attention.shape
    shown_w, shown_h = display_size(picture.gray.shape)
    columns = st.columns([1, 1, 1.1] if projected else 2, gap="medium" if projected else "large")
    with columns[0]:
        st.markdown(f"**{t('attention_sampling.input')}**")
        st.image(input_view(picture, reading), width="stretch")
        st.caption(t("attention_sampling.input_caption" if picture.boxes is not None
                     else "attention_sampling.input_caption_upload", w=w, h=h, shown=f"{shown_w}×{shown_h}"))
    with columns[1]:
        st.markdown(f"**{t('attention_sampling.attention')}**")
        image_slot = st.empty()      # the picture above its switch, level with the input
        heat = st.toggle(t("attention_sampling.heat"), value=True, key="attention_heat",
                         help=t("attention_sampling.heat_help"))
        image_slot.image(attention_view(picture, reading, heat), width="stretch")
        if heat:
            st.image(attention_legend(), width="stretch", caption=t("attention_sampling.legend"))
        st.caption(t("attention_sampling.attention_caption" if heat else "attention_sampling.low_caption",
                     w=low_w, h=low_h, scale=decimal(SCALE)))
        if not projected:
            show_focus(picture, reading)
    return columns[2] if projected else None


def show_answer(picture: Picture, reading: attn.Reading, chart_area=None) -> None:
    best = reading.prediction
    st.metric(t("attention_sampling.prediction"), str(best),
              t("attention_sampling.confidence", p=decimal(reading.probabilities[best], ".0%")),
              delta_color="off", delta_arrow="off", help=t("attention_sampling.prediction_help"))
    if picture.label is not None:
        verdict = "right" if best == picture.label else "wrong"
        st.caption(t(f"attention_sampling.truth.{verdict}", label=picture.label))
    chart = digit_probabilities(reading.probabilities, t("attention_sampling.digit"),
                                t("attention_sampling.probability"), height=240)
    plot(chart, where=chart_area or st, width="stretch", config={"displayModeBar": False}, key="attention_chart")


def show_focus(picture: Picture, reading: attn.Reading) -> None:
    """How much of the attention lands on the digits, against the tiny share of the image they cover."""
    st.markdown(f"**{t('attention_sampling.focus')}**")
    if picture.boxes is None:
        st.caption(t("attention_sampling.focus_upload"))
        return
    inside, area = focus(picture, reading)
    mass, share = st.columns(2)
    mass.metric(t("attention_sampling.focus_mass"), decimal(inside, ".1%"),
                help=t("attention_sampling.focus_mass_help"))
    share.metric(t("attention_sampling.focus_area"), decimal(area, ".2%"), help=t("attention_sampling.focus_area_help"))
    ratio = inside / area
    st.caption(t("attention_sampling.focus_ratio", ratio=decimal(ratio, ".0f" if ratio >= 10 else ".1f")))


# --- what it costs --------------------------------------------------------------

def full_resolution(picture: Picture, model: attn.AttentionSampler) -> dict | None:
    """The baseline's result for this image: a heavy job of the server's queue on the button, then kept."""
    if st.button(t("attention_sampling.cost.run_full"), icon=":material/memory:", key="attention_full_go",
                 help=t("attention_sampling.cost.run_full_help")):
        gray, key = picture.gray, picture.key

        def work(job: Job) -> dict:
            run = on_cluster(attn.read_full_resolution, callback=None, stoppable=False)   # a Ray actor on a cluster
            probabilities, cost = run(gray, model)
            return {"key": key, "probabilities": probabilities, "cost": cost}

        queue.submit(FULL_JOB, work, kind="full-resolution-cnn")
    job = queue.current(FULL_JOB)
    if job is not None and job.status == DONE:
        st.session_state[FULL] = job.result
        queue.forget(FULL_JOB)
    elif job is not None:   # its place in the queue, or a spinner-like bar, with Cancel
        queue.follow(FULL_JOB, lambda job: queue.status(job, key="attention_full_cancel",
                                                        running_text=t("attention_sampling.cost.running")))
    result = st.session_state.get(FULL)
    return result if result is not None and result["key"] == picture.key else None


def cost_metrics(cost: attn.Cost, versus: attn.Cost | None = None) -> None:
    """Time and memory side by side; against ``versus``, how many times more each is."""
    def times(mine: float, theirs: float) -> str | None:
        return t("attention_sampling.cost.times", ratio=decimal(mine / max(theirs, 1e-9), ".0f")) if versus else None

    time_col, memory_col = st.columns(2)
    time_col.metric(t("attention_sampling.cost.time"), duration(cost.seconds),
                    times(cost.seconds, versus and versus.seconds), delta_color="off", delta_arrow="off",
                    help=t("attention_sampling.cost.time_help"))
    memory_col.metric(t("attention_sampling.cost.memory"), size(cost.peak_bytes),
                      times(cost.peak_bytes, versus and versus.peak_bytes), delta_color="off", delta_arrow="off",
                      help=t("attention_sampling.cost.memory_help"))


def show_costs(picture: Picture, reading: attn.Reading, model: attn.AttentionSampler) -> None:
    st.subheader(t("attention_sampling.cost.title"))
    h, w = picture.gray.shape
    low_h, low_w = reading.attention.shape
    k, cost = len(reading.patches), reading.cost
    st.markdown(t("attention_sampling.cost.explain", pixels=number(h * w), h=h, w=w, k=k, patch=PATCH,
                  read=number(k * PATCH * PATCH), low=number(low_h * low_w), low_w=low_w, low_h=low_h))
    ours, full = st.columns(2, gap="large")
    with ours.container(border=True):
        st.markdown(f"**{t('attention_sampling.cost.ours')}**")
        cost_metrics(cost)
        st.caption(t("attention_sampling.cost.ours_pixels", read=number(k * PATCH * PATCH + low_h * low_w),
                     share=decimal((k * PATCH * PATCH + low_h * low_w) / (h * w), ".1%")))
    with full.container(border=True):
        st.markdown(f"**{t('attention_sampling.cost.full')}**")
        result = full_resolution(picture, model)
        if result is None:
            st.caption(t("attention_sampling.cost.full_pending", pixels=number(h * w)))
            return
        other = result["cost"]
        cost_metrics(other, versus=cost)
        best = int(result["probabilities"].argmax())
        st.caption(t("attention_sampling.cost.full_answer", digit=best,
                     p=decimal(result["probabilities"][best], ".0%")))


def model_card() -> None:
    """How the shipped model was trained and how often it errs, when its training card is beside it."""
    path = weights.locate(attn.WEIGHTS_ID)
    card = read_card(path)
    try:
        seconds = card and card["train_seconds"] + card.get("finetune", {}).get("train_seconds", 0)   # both runs
        text = card and t("attention_sampling.model_card", minutes=decimal(seconds / 60, ".0f"),
                          error=decimal(card["test_error"], ".1%"), n=number(card["test_images"]),
                          k=card.get("k", card.get("recipe", {}).get("k", 10)))
    except (KeyError, TypeError):     # not a card written by the training script
        text = None
    st.caption(text or t("attention_sampling.model_card_missing"))


# --- the page -----------------------------------------------------------------------

intro = page_header("attention_sampling")     # the formula folds with the introduction in projection mode
restore_from_url(PARAMS, "attention_url_loaded")
intro.latex(ESTIMATOR)
intro.caption(t("attention_sampling.formula_caption"))
intro.caption(t("attention_sampling.paper"))

source_col, image_col, k_col, draw_col = st.columns([1.2, 1.6, 1.6, 1.2], gap="medium")
with source_col:
    source = st.radio(t("attention_sampling.source"), SOURCES, key="attention_source",
                      format_func=labels("attention_sampling.source", SOURCES),
                      help=t("attention_sampling.source_help", side=DEFAULT_MAX_SIDE))
with image_col:
    picture = generated() if source == "generate" else uploaded()
with k_col:
    k = st.slider(t("attention_sampling.k"), 1, 50, key="attention_k", help=t("attention_sampling.k_help"))
with draw_col:
    st.button(t("attention_sampling.resample"), icon=":material/refresh:", key="attention_resample",
              on_click=new_seed, args=("attention_draw", MAX_SEED), help=t("attention_sampling.resample_help"))
    st.caption(t("attention_sampling.draw_seed", seed=st.session_state["attention_draw"]))

try:
    model = models.attention_sampler()
except DemoError as error:
    show_error(error)
    model = None
if model is not None and picture is None and source == "upload":
    st.info(t("attention_sampling.empty"), icon=":material/upload:")
reading = None
if model is not None and picture is not None:
    try:
        reading = reading_for(picture, int(k), int(st.session_state["attention_draw"]), model)
    except DemoError as error:   # the server too busy to answer in time, or the network failed
        show_error(error)
if reading is not None:
    beside = show_views(picture, reading, projected=present())
    if beside is not None:     # projected: the answer and the patches beside the pictures, the rest below
        chart_col, focus_col = st.columns(2, gap="large")
        with beside, st.container(key="attention_answer"):
            show_answer(picture, reading, chart_area=chart_col)
            zoom_in(picture, reading, projected=True)
        with focus_col:
            show_focus(picture, reading)
    else:
        zoom_col, answer_col = st.columns([3, 2], gap="large")
        with zoom_col:
            zoom_in(picture, reading)
        with answer_col:
            show_answer(picture, reading)
    model_card()
    show_costs(picture, reading, model)
    name = f"megapixel_mnist_{st.session_state['attention_seed']}" if picture.label is not None else "upload"
    st.download_button(t("attention_sampling.download"), lambda: to_png(full_size_view(picture, reading)),
                       file_name=f"{name}_k{k}.png", mime="image/png", icon=":material/download:",
                       on_click="ignore", key="attention_download")
share_link(PARAMS, t("attention_sampling.share"))
