"""Image inputs (upload, camera), all through the one safe loader."""
from __future__ import annotations

import streamlit as st
from PIL import Image

from demos.errors import DemoError
from demos.images import load_image
from ui.common import show_error, t

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


def _load(data: bytes) -> Image.Image | None:
    try:
        return load_image(data)
    except DemoError as error:
        show_error(error)
        return None


def uploaded_image(key: str) -> Image.Image | None:
    """A file the visitor uploads, as an RGB image, or None (with a message if unusable)."""
    upload = st.file_uploader(t("common.upload"), type=UPLOAD_TYPES, key=key)
    return _load(upload.getvalue()) if upload is not None else None


def camera_image(key: str) -> Image.Image | None:
    """A photo from the device's camera, or None."""
    shot = st.camera_input(t("common.camera"), key=key)
    return _load(shot.getvalue()) if shot is not None else None
