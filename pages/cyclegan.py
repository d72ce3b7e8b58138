"""Demo: CycleGAN turns a horse into a zebra, and back (the cycle F(G(x)) ≈ x)."""

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st
from PIL import Image

from demos import cyclegan, weights
from demos.cyclegan.views import error_heatmap, wipe
from demos.errors import DemoError
from demos.images import image_digest, to_png
from ui import models, queue
from ui.common import decimal, device_label, error_text, memo, missing_mark, page_header, show_error, t
from ui.inputs import SOURCES as INPUT_SOURCES, image_input, sample_image

DIRECTIONS = [m for m in cyclegan.GENERATORS if m not in cyclegan.FAST_MODE.values()]


def available(model_id: str) -> bool:
    return weights.status(cyclegan.get_info(model_id).artifact) != "missing"


def domain(name: str) -> str:
    return t(f"cyclegan.domain.{name}")


def direction_label(model_id: str) -> str:
    """"Horse → Zebra", marked (:func:`ui.common.missing_mark`) when neither it nor its fast stand-in is here."""
    info = cyclegan.get_info(model_id)
    label = t("cyclegan.direction", source=domain(info.source), target=domain(info.target))
    fast = cyclegan.FAST_MODE.get(model_id)
    return label if available(model_id) or (fast is not None and available(fast)) else label + missing_mark(info.artifact)


def sample_input() -> Image.Image | None:
    models.fetch_samples_button((cyclegan.SAMPLE_PREFIX,), "cyclegan.fetch_samples", key="cyclegan_fetch_samples")
    samples = weights.samples(cyclegan.SAMPLE_PREFIX)
    if not samples:
        st.info(t("cyclegan.no_samples"), icon=":material/photo_library:")
        return None
    return sample_image("cyclegan_sample", samples)


def choose_image() -> Image.Image | None:
    # A horizontal radio wraps in this narrow column, where a segmented control would be cut off.
    # A phone photo is decoded no larger than the largest working size offered: nothing larger is ever used.
    return image_input("cyclegan", t("cyclegan.source"), {s: t(f"cyclegan.source.{s}") for s in INPUT_SOURCES},
                       sample=sample_input, samples_first=bool(weights.samples(cyclegan.SAMPLE_PREFIX)),
                       max_side=max(cyclegan.size_choices()), radio=True)


def choose_generator(direction: str) -> str:
    """The generator to run: ``direction`` itself, or its compressed stand-in in fast mode."""
    fast = cyclegan.FAST_MODE.get(direction)
    if fast is None:
        return direction
    # Fast mode starts on where only the compressed generator is here (no 45 MB download needed).
    on = st.toggle(t("cyclegan.fast"), value=available(fast) and not available(direction), key="cyclegan_fast",
                   help=t("cyclegan.fast_help"))
    return fast if on else direction


def cost_note(model_id: str, direction: str) -> None:
    """Parameters and multiply-adds of the generator, compared with the original in fast mode."""
    def gmacs(per_pixel: float) -> str:
        return decimal(per_pixel * 256 * 256 / 1e9, ".1f")

    params, per_pixel = cyclegan.architecture_cost(model_id)
    compressed = model_id != direction
    name = t("cyclegan.name.compressed" if compressed else "cyclegan.name.full")
    st.caption(t("cyclegan.fast_note", name=name, params=decimal(params / 1e6, ".2f") + " M", gmacs=gmacs(per_pixel)))
    if compressed:
        full_params, full_per_pixel = cyclegan.architecture_cost(direction)
        st.caption(t("cyclegan.fast_compare", params=decimal(full_params / 1e6, ".2f") + " M", gmacs=gmacs(full_per_pixel),
                     ratio=decimal(full_per_pixel / per_pixel, ".0f")))


def generator(model_id: str, quiet: bool = False):
    """The loaded generator, or the DemoError saying why not (shown unless ``quiet``): a missing file is no crash."""
    try:
        return models.cyclegan_generator(model_id)
    except DemoError as error:
        if not quiet:
            show_error(error)
        return error


def show_translation(result: cyclegan.Translation, info: cyclegan.GeneratorInfo, model_id: str) -> None:
    left, right = st.columns(2)
    left.image(result.input, caption=t("cyclegan.input", source=domain(info.source)), width="stretch")
    right.image(result.image, caption=t("cyclegan.output", target=domain(info.target)), width="stretch")
    width, height = result.work_size
    st.markdown(t("cyclegan.time", seconds=decimal(result.seconds, ".2f"), width=width, height=height,
                  device=device_label(),
                  precision=result.dtype))
    position = st.slider(t("cyclegan.wipe"), 0, 100, 50, key="cyclegan_wipe", format="%d%%")
    st.image(wipe(result.image, result.input, position / 100), caption=t("cyclegan.wipe_caption"), width="stretch")
    st.download_button(t("cyclegan.download"), to_png(result.image), file_name=f"{model_id}_{width}x{height}.png",
                       mime="image/png", icon=":material/download:", on_click="ignore")


def show_cycle(image: Image.Image, result: cyclegan.Translation, info: cyclegan.GeneratorInfo, key: tuple) -> None:
    st.subheader(t("cyclegan.cycle.title"))
    if info.inverse is None:
        st.info(t("cyclegan.cycle.none", target=domain(info.target)), icon=":material/info:")
        return
    backward_name = direction_label(info.inverse).removesuffix(" ⬇️").removesuffix(f" · {t('common.to_copy')}")
    # Offline, a missing generator cannot come: say so at once. Online, switching on downloads it (45 MB).
    if (available(info.inverse) or not weights.offline()) and not st.toggle(
            t("cyclegan.cycle.toggle"), value=available(info.inverse), key="cyclegan_cycle"):
        return
    backward = generator(info.inverse, quiet=True)
    if isinstance(backward, DemoError):
        st.info(t("cyclegan.cycle.missing", backward=backward_name, reason=error_text(backward)),
                icon=":material/info:")
        return
    st.markdown(t("cyclegan.cycle.explain", backward=backward_name))
    try:
        trip = memo("cyclegan_cycle", key + (info.inverse,), lambda: cyclegan.round_trip(image, result, backward,
                                                                                 alive=queue.visitor_alive()))
    except DemoError as error:   # the server too busy to answer in time
        show_error(error)
        return
    there, back, error = st.columns(3)
    there.image(result.image, caption="G(x)", width="stretch")
    back.image(trip.reconstruction, caption=t("cyclegan.cycle.reconstruction"), width="stretch")
    error.image(error_heatmap(trip.error_map, size=trip.reconstruction.size), caption=t("cyclegan.cycle.error_map"),
                width="stretch")
    st.metric(t("cyclegan.cycle.error"), decimal(trip.error, ".1%"), help=t("cyclegan.cycle.error_help"))
    st.caption(t("cyclegan.cycle.time", seconds=decimal(trip.seconds, ".2f")))


page_header("cyclegan")
controls, shown = st.columns([1, 2], gap="large")
with controls:
    # Labels computed now, in this run's language: a format_func may be called outside the run.
    labels = {model: direction_label(model) for model in DIRECTIONS}
    direction = st.selectbox(t("cyclegan.model"), DIRECTIONS, format_func=labels.__getitem__, key="cyclegan_model")
    if any(label.endswith(("⬇️", t("common.to_copy"))) for label in labels.values()):
        st.caption(t("cyclegan.weights_hint"))
    model_id = choose_generator(direction)
    cost_note(model_id, direction)
    size = st.select_slider(t("cyclegan.size"), cyclegan.size_choices(), value=cyclegan.default_size(),
                            key="cyclegan_size", help=t("cyclegan.size_help"))
    image = choose_image()
with shown:
    net = generator(model_id)
    if isinstance(net, DemoError):
        fast = cyclegan.FAST_MODE.get(direction)
        if fast is not None and model_id != fast and available(fast):
            st.info(t("cyclegan.try_fast"), icon=":material/bolt:")
    elif image is None:
        st.info(t("cyclegan.empty"), icon=":material/photo_camera:")
    else:
        info = cyclegan.get_info(direction)
        key = (image_digest(image), model_id, size)
        try:
            with st.spinner(t("cyclegan.running")):
                result = memo("cyclegan_forward", key, lambda: cyclegan.translate_timed(image, size=size, generator=net,
                                                                              alive=queue.visitor_alive()))
        except DemoError as error:   # the server too busy to answer in time, or the network failed
            show_error(error)
            result = None
        if result is not None:
            show_translation(result, info, model_id)
            show_cycle(image, result, info, key)
