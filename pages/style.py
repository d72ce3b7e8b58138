"""Demo: neural style transfer. Paint a photo like Van Gogh, in one pass or by watching the optimisation."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import time

import streamlit as st
import torch
from PIL import Image

from demos import limits, style, weights
from demos.device import pick_device
from demos.errors import DemoError
from demos.jobs import DONE, STOPPED
from demos.style import figures
from demos.images import image_digest, to_png
from ui import models, queue
from ui.charts import plot
from ui.common import decimal, device_label, memo, missing_mark, page_header, present, show_error, t
from ui.inputs import image_input

JOB = "style_job"            # session state: the visitor's Gatys optimisation (demos.style.GatysJob)
ON_GPU = pick_device().type != "cpu"
# The CPU needs about a second per step at 256 px (bench/style.py): keep a live run within minutes.
# Both caps are per-visitor limits of a public server (demos.limits: DLDEMOS_MAX_STYLE_SIZE, DLDEMOS_MAX_STEPS).
GATYS_SIZES = [s for s in (128, 192, 256, 384, 512, 768, 1024) if s <= limits.max_style_size()] or [128]
GATYS_MAX_STEPS = limits.max_steps()
FAST_SIZES = [256, 384, 512, 768, 1024]
GRAM_CHANNELS = 64
RATIO_EXPONENTS = [e / 2 for e in range(6, 19)]    # β/α from 10³ to 10⁹, half a power of ten apart
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: float) -> str:
    """10⁶ for 6, 3 × 10⁶ for 6.5 (10^6.5 ≈ 3.2 × 10⁶): how a slide writes β/α."""
    power = "10" + str(int(exponent)).translate(SUPERSCRIPTS)
    return power if exponent == int(exponent) else f"3 × {power}"


# --------------------------------------------------------------------------- helpers

def shrink(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    return image.resize(style.working_size(image, side), Image.Resampling.LANCZOS)


def choose(kind: str, gallery: dict) -> Image.Image | None:
    """An image for ``kind`` ("content" or "style"): a sample, an upload, the camera or a web address."""
    sources = ["sample", "upload", "camera", "url"] if kind == "content" else ["sample", "upload", "url"]
    labels = {s: t(f"style.source.{s}") for s in sources}   # in this run's language (format_func may run later)
    return image_input(f"style_{kind}", t(f"style.{kind}.source"), labels, sources=sources, samples=gallery)


# --------------------------------------------------------------------------- fast mode

def fast_label(model_id: str) -> str:
    info = style.FAST_MODELS[model_id]
    label = t(f"style.fast.style.{info.style}") + ("" if info.architecture == "johnson" else " · MobileNetV2")
    # pytorch/examples' networks are only published inside a zip: copied by hand, never "downloaded on first use"
    return label + missing_mark(info.artifact)


def fast_notes(here: list[str], ids: list[str]) -> None:
    st.caption(t("style.fast.state", here=len(here), total=len(ids)))
    if len(here) < len(ids):
        st.caption(t("style.fast.by_hand"))


def fast_mode(content: Image.Image | None) -> None:
    ids = list(style.FAST_MODELS)
    here = [m for m in ids if style.fast.available(m)]
    # Projected, what is on this machine goes below the pictures: both on the 720-pixel screen.
    if not present():
        fast_notes(here, ids)
    labels = {m: fast_label(m) for m in ids}   # in this run's language
    left, right = st.columns(2)
    model_id = left.selectbox(t("style.fast.model"), ids, index=ids.index(here[0]) if here else 0,
                              format_func=labels.__getitem__, key="style_fast_model")
    # 1024² is for a GPU; a server's cap below 512 (DLDEMOS_MAX_FAST_STYLE_SIZE) moves the default down with it.
    sizes = [s for s in FAST_SIZES if s <= limits.max_fast_style_size()] or [limits.max_fast_style_size()]
    side = right.select_slider(t("style.fast.size"), sizes, value=max(s for s in sizes if s <= 512),
                               key="style_fast_size")
    try:
        model = models.fast_style(model_id)
    except DemoError as error:
        show_error(error)
        return
    if content is None:
        st.info(t("style.empty"), icon=":material/photo_camera:")
        return
    image = shrink(content, side)

    def run() -> tuple[Image.Image, float]:
        start = time.perf_counter()
        out = style.fast_stylize(image, model=model, alive=queue.visitor_alive())
        return out, time.perf_counter() - start

    try:
        result, seconds = memo("style_fast", (image_digest(image), model_id), run)
    except DemoError as error:   # the server too busy to answer in time, or the network failed
        show_error(error)
        return
    before, after = st.columns(2)
    width = min(560, round(230 * image.width / image.height)) if present() else "stretch"
    before.image(image, caption=t("style.content.caption"), width=width)
    after.image(result, caption=labels[model_id].removesuffix(" ⬇️").removesuffix(f" · {t('common.to_copy')}"),
                width=width)
    st.markdown(t("style.fast.time", seconds=decimal(seconds, ".2f"), width=image.width, height=image.height,
                  device=device_label()))
    st.download_button(t("style.download"), to_png(result), file_name=f"style_{model_id}.png", mime="image/png",
                       icon=":material/download:", on_click="ignore", key="style_fast_download")
    if present():
        fast_notes(here, ids)


# --------------------------------------------------------------------------- Gatys mode

def gatys_settings() -> dict:
    """The optimisation's settings, from the widgets."""
    names = list(style.LAYERS)
    a, b = st.columns(2)
    exponent = a.select_slider(t("style.ratio"), RATIO_EXPONENTS, 6.0, format_func=power_of_ten, key="style_ratio",
                               help=t("style.ratio_help"))
    steps = b.slider(t("style.steps"), 10, GATYS_MAX_STEPS, min(300 if ON_GPU else 100, GATYS_MAX_STEPS), 10,
                     key="style_steps")
    # pills, not a multiselect: every layer name stays readable, chosen or not (conv4_1 and conv5_1 were hidden)
    layers = st.pills(t("style.layers"), names, selection_mode="multi", default=list(style.STYLE_LAYERS),
                      key="style_layers", help=t("style.layers_help"))
    c, d = st.columns(2)
    content_layer = c.selectbox(t("style.content_layer"), names, index=names.index(style.CONTENT_LAYER),
                                key="style_content_layer")
    default_size = max([s for s in GATYS_SIZES if s <= (512 if ON_GPU else 256)] or GATYS_SIZES[:1])
    size = d.select_slider(t("style.size"), GATYS_SIZES, value=default_size, key="style_size")
    e, f = st.columns(2)
    labels = {o: t(f"style.optimizer.{o}") for o in style.OPTIMIZERS} | {i: t(f"style.init.{i}") for i in style.INITS}
    optimizer = e.radio(t("style.optimizer"), list(style.OPTIMIZERS), key="style_optimizer",
                        format_func=labels.__getitem__, horizontal=True)
    init = f.radio(t("style.init"), list(style.INITS), key="style_init", format_func=labels.__getitem__,
                   horizontal=True)
    return dict(steps=steps, size=size, style_layers=tuple(layers), content_layer=content_layer,
                ratio=10 ** exponent, optimizer=optimizer, init=init)


def vgg19_or_message():
    """VGG19's features, or None after saying why not (offline and missing: how to fetch it)."""
    # 548 MB is not downloaded on a mere visit, only on request.
    if not models.download_on_request((style.VGG19_ARTIFACT,), "style.vgg19_missing", "style.vgg19_fetch",
                                      key="style_vgg19_fetch"):
        return None
    try:
        with st.spinner(t("style.vgg19_loading")):
            return models.vgg19()
    except DemoError as error:
        show_error(error)
        return None


def start(content: Image.Image, painting: Image.Image, settings: dict, features: torch.nn.Module) -> None:
    """Queue the visitor's optimisation (their previous one, if any, is stopped: one per visitor)."""
    settings = dict(settings)
    steps = settings.pop("steps")
    queue.submit(JOB, style.GatysJob(content, painting, steps, {**settings, "features": features}), kind="style")


def job_view(job: style.GatysJob) -> None:
    """Place in the queue or progress, preview, loss curves and result of the visitor's optimisation."""
    last = job.history[-1] if job.history else None
    seconds = last["seconds"] if last else 0.0
    queue.status(job, key="style_stop", cancel_label=t("style.stop"),
                 running_text=t("style.gatys.progress", step=job.step, steps=job.steps,
                                seconds=decimal(seconds, ".1f")))
    picture, curves = st.columns([2, 3])
    if job.preview is not None:
        picture.image(job.preview, caption=t("style.gatys.preview", step=job.step), width="stretch")
    if job.history:
        loss_labels = {name: t(f"style.loss.{name}") for name in ("content", "style", "total", "step", "value")}
        plot(figures.loss_chart(job.history, job.settings["ratio"], loss_labels), where=curves, width="stretch",
             config={"displayModeBar": False}, key="style_loss_chart")
    if job.status in (DONE, STOPPED) and job.result is not None:
        st.success(t(f"style.gatys.{job.status}", step=job.step, seconds=decimal(job.seconds, ".1f")),
                   icon=":material/check:")
        st.download_button(t("style.download"), to_png(job.result), file_name="style_gatys.png", mime="image/png",
                           icon=":material/download:", on_click="ignore", key="style_gatys_download")


def gatys_mode(content: Image.Image | None) -> None:
    st.markdown(t("style.gatys.explain"))
    features = vgg19_or_message()
    left, right = st.columns(2, gap="large")
    with left:
        painting = choose("style", weights.samples(style.PAINTING_PREFIX))
        photo_col, painting_col = st.columns(2)
        if content is not None:
            photo_col.image(shrink(content, 512), caption=t("style.content.caption"), width="stretch")
        if painting is not None:
            painting_col.image(shrink(painting, 512), caption=t("style.style.caption"), width="stretch")
    with right:
        settings = gatys_settings()
    if features is None:
        return
    if content is None or painting is None:
        st.info(t("style.gatys.need_both"), icon=":material/photo_library:")
    elif not settings["style_layers"]:
        st.warning(t("style.layers_none"), icon=":material/warning:")
    elif st.button(t("style.start"), type="primary", icon=":material/play_arrow:", key="style_start"):
        start(content, painting, settings, features)
    if queue.current(JOB) is None:
        st.info(t("style.gatys.empty"), icon=":material/brush:")
    queue.follow(JOB, job_view)
    if painting is not None and settings["style_layers"]:
        gram_section(painting, settings, features)


def gram_section(painting: Image.Image, settings: dict, features: torch.nn.Module) -> None:
    st.subheader(t("style.gram.title"))
    st.markdown(t("style.gram.explain", channels=GRAM_CHANNELS))
    layer = st.selectbox(t("style.gram.layer"), settings["style_layers"], key="style_gram_layer")
    size = settings["size"]
    fig = memo("style_gram", (image_digest(painting), layer, size), lambda: figures.gram_chart(
        style.layer_gram(painting, layer, size, features)[:GRAM_CHANNELS, :GRAM_CHANNELS].numpy()))
    plot(fig, width="stretch", config={"displayModeBar": False}, key="style_gram_chart")


# --------------------------------------------------------------------------- page

page_header("style")
models.fetch_samples_button((style.PAINTING_PREFIX, style.PHOTO_PREFIX), "style.fetch_samples",
                            key="style_fetch_samples")
content = choose("content", weights.samples(style.PHOTO_PREFIX))
fast_tab, gatys_tab = st.tabs([t("style.tab.fast"), t("style.tab.gatys")])
with fast_tab:
    fast_mode(content)
with gatys_tab:
    gatys_mode(content)
