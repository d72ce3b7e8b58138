"""Tile many small images (feature maps, generated samples) into one picture."""
from __future__ import annotations

import math

import numpy as np


def tile(images: np.ndarray, cols: int | None = None, pad: int = 1, pad_value: float = 0.0,
         normalize: bool = True) -> np.ndarray:
    """Arrange (N, H, W) or (N, H, W, C) images in a grid; returns uint8.

    ``normalize`` rescales each image to its own [min, max] (feature maps have
    arbitrary ranges); otherwise values are taken as already in [0, 1].
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape[:3]
    if normalize:
        flat = images.reshape(n, -1)
        low = flat.min(1).reshape((n,) + (1,) * (images.ndim - 1))
        span = np.ptp(flat, 1).reshape(low.shape)
        images = (images - low) / np.where(span > 0, span, 1.0)
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad) + images.shape[3:], pad_value, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = image
    return (np.clip(grid, 0, 1) * 255).round().astype(np.uint8)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Enlarge by pixel repetition, so small images stay crisp on a projector."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def signed_colours(maps: np.ndarray) -> np.ndarray:
    """(N, H, W) values → (N, H, W, 3) floats in [0, 1]: each map scaled by its largest |value|, negative in
    orange, positive in blue, 0 white (TensorFlow Playground's colours for a neuron's output)."""
    scale = np.abs(maps).reshape(len(maps), -1).max(1).clip(min=1e-8)[:, None, None]
    v = (maps / scale)[..., None]
    white, blue, orange = np.ones(3), np.array([0.13, 0.40, 0.75]), np.array([0.96, 0.55, 0.10])
    return np.where(v >= 0, white + v * (blue - white), white - v * (orange - white))
