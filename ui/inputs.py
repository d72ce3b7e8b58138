"""Image inputs (upload, camera, web address, sample gallery), all through the one safe loader."""
from __future__ import annotations

import streamlit as st
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image

from demos.errors import DemoError, ImageError
from demos.images import DEFAULT_MAX_SIDE, fetch_image_bytes, load_image
from demos import weights
from ui.common import lang, show_error, t

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


def _load(data: bytes, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image | None:
    try:
        return load_image(data, max_side=max_side)
    except DemoError as error:
        show_error(error)
        return None


def _decoded_once(key: str, file, max_side: int) -> Image.Image | None:
    """The visitor's file decoded on its first run only: a click elsewhere on the page must not decode
    a phone photo again (only the latest file of each widget is kept, in the visitor's session)."""
    memo = st.session_state.setdefault("_decoded_uploads", {})
    kept = memo.get(key)
    if kept is not None and kept[0] == (file.file_id, max_side):
        return kept[1]
    image = _load(file.getvalue(), max_side)
    if image is not None:   # a refused file is refused again, with its message, on every run
        memo[key] = ((file.file_id, max_side), image)
    return image


def uploaded_image(key: str, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image | None:
    """A file the visitor uploads, as an RGB image at most ``max_side`` px, or None (with a message if unusable)."""
    upload = st.file_uploader(t("common.upload"), type=UPLOAD_TYPES, key=key)
    return _decoded_once(key, upload, max_side) if upload is not None else None


def camera_image(key: str, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image | None:
    """A photo from the device's camera, or None."""
    shot = st.camera_input(t("common.camera"), key=key)
    return _decoded_once(key, shot, max_side) if shot is not None else None


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _fetch(url: str) -> bytes:
    # Reruns (every widget click) must not download the same image again.
    return fetch_image_bytes(url)


def url_image(key: str, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image | None:
    """An image from a web address the visitor pastes (public http(s) only), or None."""
    url = st.text_input(t("common.url"), key=key, placeholder="https://…").strip()
    if not url:
        return None
    try:
        with st.spinner(t("common.url_loading")):
            data = _fetch(url)
    except DemoError as error:
        show_error(error)
        return None
    return _load(data, max_side)


def sample_image(key: str, samples: dict[str, Path]) -> Image.Image | None:
    """One of ``samples`` (catalogue id or a folder image's name → file) chosen in a list, or None.

    With no samples, a hint says how to get some.
    """
    if not samples:
        st.info(t("common.no_samples"), icon=":material/photo_library:")
        return None
    # The options stay the ids (a choice survives a change of language); shown as the catalogue describes them.
    names = {label: weights.describe_label(label, lang()) for label in samples}
    label = st.selectbox(t("common.sample"), list(samples), key=key, format_func=names.__getitem__)
    return _load(samples[label].read_bytes()) if label is not None else None


SOURCES = ("sample", "upload", "camera", "url")


def image_input(prefix: str, label: str, source_labels: dict[str, str], *, sources: Sequence[str] = SOURCES,
                samples: dict[str, Path] | None = None, sample: Callable[[], Image.Image | None] | None = None,
                samples_first: bool | None = None, max_side: int = DEFAULT_MAX_SIDE,
                radio: bool = False) -> Image.Image | None:
    """The visitor's picture, from the source they pick: a sample, an upload, the camera or a web address.

    Widgets are keyed ``<prefix>_source``, ``<prefix>_sample``, ``<prefix>_upload``... (links and tests name
    them). The source offered first is "sample" when there are samples (``samples_first``, by default whether
    ``samples`` has any), else "upload"; ``sample`` replaces the sample list by a page's own chooser.
    ``radio``: a horizontal radio instead of a segmented control (it wraps in a narrow column).
    """
    if samples_first is None:
        samples_first = bool(samples)
    default = "sample" if "sample" in sources and samples_first else "upload"
    if radio:
        source = st.radio(label, list(sources), index=list(sources).index(default), horizontal=True,
                          key=f"{prefix}_source", format_func=source_labels.__getitem__)
    else:
        source = st.segmented_control(label, list(sources), default=default, key=f"{prefix}_source",
                                      format_func=source_labels.__getitem__) or default
    if source == "sample":
        return sample() if sample is not None else sample_image(f"{prefix}_sample", samples or {})
    if source == "upload":
        return uploaded_image(f"{prefix}_upload", max_side)
    if source == "camera":
        return camera_image(f"{prefix}_camera", max_side)
    return url_image(f"{prefix}_url", max_side)


CANVAS_SIDE = 280   # px: a finger-sized drawing area, ten times MNIST's 28


def drawn_digit(key: str) -> Image.Image | None:
    """A canvas to draw a digit on (white ink on black, like MNIST); the drawing as an RGB image, or None."""
    from streamlit_drawable_canvas import st_canvas  # only pages that draw import the component

    # The canvas's undo / clear toolbar appears above it on hover: room for it, so it covers no button.
    st.html("<style>[class*='st-key-drawing_area_'] {padding-top: 2.4rem}</style>")
    try:
        with st.container(key=f"drawing_area_{key}"):
            canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000",
                               height=CANVAS_SIDE, width=CANVAS_SIDE, return_image_data=True, key=key)
        data = canvas.image_bytes   # the browser's PNG: the visitor's data, so through the safe loader
    except (AttributeError, TypeError, KeyError, ValueError):   # a malformed drawing sent by the browser
        show_error(ImageError("image.corrupt", "The image is damaged or incomplete."))
        return None
    finally:
        st.caption(t("mnist.draw_hint"))
    if data is None:
        return None
    try:
        return load_image(data, background=(0, 0, 0))   # the canvas is black: transparent means no ink
    except DemoError as error:
        show_error(error)
        return None
