"""Turn any picture of a digit into the 28×28 image MNIST is made of.

MNIST's recipe (LeCun et al.): the digit's bounding box is scaled to fit a
20×20 box, keeping its aspect ratio, then placed in a 28×28 field so that its
centre of mass is at the centre. The network only reads digits well when they
are prepared the same way, whatever the canvas size or where the digit was drawn.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
from PIL import Image

from demos.images import from_array, to_rgb

WORK_SIDE = 560          # larger inputs are shrunk first: plenty for a digit, and fast
MIN_CONTRAST = 0.15      # ink must differ this much from the background, else "blank"
NOISE_FLOOR = 0.2        # after contrast stretching, weaker pixels are paper texture
DIGIT_BOX = 20
FIELD = 28
MNIST_CENTRE = 14.0      # mean centre of mass of MNIST digits, in pixel indices


def _alpha_background(image: Image.Image) -> tuple[int, int, int]:
    """Black behind white ink (a drawing canvas), white behind dark ink (a scan)."""
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
    opaque = rgba[..., 3] > 127
    if not opaque.any():
        return (0, 0, 0)
    return (0, 0, 0) if rgba[..., :3][opaque].mean() > 127 else (255, 255, 255)


def ink_map(image: Image.Image | np.ndarray) -> np.ndarray:
    """Float image in [0, 1] with white ink on a black background at 0.

    Dark ink on light paper is inverted; the background level is subtracted and
    contrast stretched, so a phone photo looks like a drawing. All zeros when
    the picture holds no ink at all.
    """
    if isinstance(image, np.ndarray):
        image = from_array(image)   # refuses what is not a picture with an ImageError
    background = _alpha_background(image) if "A" in image.getbands() or "transparency" in image.info else (255, 255, 255)
    image = to_rgb(image, background=background)
    if max(image.size) > WORK_SIDE:
        image = image.copy()
        image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    edge = max(1, round(0.04 * min(gray.shape)))
    border = np.concatenate([gray[:edge].ravel(), gray[-edge:].ravel(), gray[:, :edge].ravel(), gray[:, -edge:].ravel()])
    if np.median(border) > 0.5:       # light paper: MNIST wants light ink on dark
        gray, border = 1.0 - gray, 1.0 - border
    low = float(np.median(border))
    high = float(cv2.GaussianBlur(gray, (3, 3), 0).max())   # blur: one hot pixel is not ink
    if high - low < MIN_CONTRAST:
        return np.zeros_like(gray)
    ink = np.clip((gray - low) / (high - low), 0.0, 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    return _drop_specks(ink)


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    """Remove blobs far smaller than the digit's main stroke (dust, paper grain)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if count <= 2:
        return ink
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= max(0.05 * areas.max(), 3)) + 1
    return np.where(np.isin(labels, keep), ink, 0.0).astype(np.float32)


# A photo holds a digit when its ink is strokes on a plain background, away from the frame: measured on 10 real
# photos without a digit (ImageNet and style samples), ink covers 24-58 % of 8 of them and reaches the frame in
# 8; a photographed MNIST digit covers 0.6-8 % and never touches it.
MAX_INK_SHARE = 0.3
MAX_INK_AT_FRAME = 0.5


def looks_like_a_digit(ink: np.ndarray) -> bool:
    """Whether a photo's :func:`ink_map` looks like a written digit rather than a scene (a face, a room...).

    Not a digit: ink over more than :data:`MAX_INK_SHARE` of the picture, or more than
    :data:`MAX_INK_AT_FRAME` of it in strokes that reach the picture's edge.
    """
    on = ink > 0
    if not on.any():
        return False
    if on.mean() > MAX_INK_SHARE:
        return False
    count, labels, _, _ = cv2.connectedComponentsWithStats(on.astype(np.uint8), connectivity=8)
    edge = max(1, round(0.02 * min(on.shape)))
    frame = np.zeros_like(on)
    frame[:edge], frame[-edge:], frame[:, :edge], frame[:, -edge:] = True, True, True, True
    touching = np.setdiff1d(np.unique(labels[frame & on]), [0])
    return np.isin(labels, touching).sum() <= MAX_INK_AT_FRAME * on.sum()


def is_blank(image: Image.Image | np.ndarray) -> bool:
    """True when there is no digit to read (empty canvas, blank page)."""
    return not ink_map(image).any()


def center_digit(ink: np.ndarray) -> np.ndarray:
    """Crop ``ink`` to its bounding box, fit it in 20×20 and centre its mass in 28×28."""
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    if rows.size == 0:
        return field
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = DIGIT_BOX / max(crop.shape)
    h, w = (max(1, round(s * scale)) for s in crop.shape)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    digit = cv2.resize(crop, (w, h), interpolation=interpolation)
    top, left = (FIELD - h) // 2, (FIELD - w) // 2
    field[top:top + h, left:left + w] = digit
    mass = field.sum()
    cy = (field.sum(1) * np.arange(FIELD)).sum() / mass
    cx = (field.sum(0) * np.arange(FIELD)).sum() / mass
    shift = np.float32([[1, 0, round(MNIST_CENTRE - cx)], [0, 1, round(MNIST_CENTRE - cy)]])
    return np.clip(cv2.warpAffine(field, shift, (FIELD, FIELD)), 0.0, 1.0)


def preprocess(image: Image.Image | np.ndarray) -> torch.Tensor:
    """The (1, 1, 28, 28) float tensor in [0, 1] that the network reads for ``image``.

    Accepts a PIL image (or an RGBA/gray numpy array, e.g. from the drawing
    canvas) of any size and mode. A blank image gives all zeros.
    """
    return torch.from_numpy(center_digit(ink_map(image)))[None, None]
