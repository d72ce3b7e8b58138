"""Megapixel MNIST, the benchmark of Katharopoulos & Fleuret (ICML 2019), generated on the fly.

A 1500×1500 black image holds 5 MNIST digits (3 of the target class, 2 of
others, at least 28 px apart) and 50 noise patches of 28×28, each two random
straight lines; the label is the majority digit. Everything comes from a seed,
so a dataset of thousands of 2.25 MB images is never materialised.
(Same recipe as the authors' scripts/make_mnist.py; our own code.)
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from demos.mnist.data import load_mnist

SIZE = 1500          # full-resolution side, px
SCALE = 0.12         # low-resolution view: 180×180
DIGIT = 28           # an MNIST digit's side, px
GAP = 28             # the least distance between two digits' boxes, px
N_TARGET, N_OTHER, N_NOISE = 3, 2, 50

Digits = tuple[np.ndarray, np.ndarray]   # MNIST images (N, 28, 28) uint8 and labels (N,)


@lru_cache(maxsize=2)
def mnist_digits(split: str = "test") -> Digits:
    """The MNIST digits the images are made of (through the weights catalogue)."""
    return load_mnist(split)


def _positions(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` top-left corners whose 28×28 boxes are at least GAP apart (rejection sampling)."""
    corners: list[np.ndarray] = []
    while len(corners) < n:
        c = rng.integers(0, SIZE - DIGIT + 1, size=2)
        # boxes GAP apart ⇔ corners differ by ≥ DIGIT + GAP on at least one axis
        if all(np.abs(c - other).max() >= DIGIT + GAP for other in corners):
            corners.append(c)
    return np.array(corners)


def noise_patch(rng: np.random.Generator) -> np.ndarray:
    """A 28×28 scribble of two random straight lines, intensity 0.8–1 (uint8)."""
    patch = np.zeros((DIGIT, DIGIT), np.uint8)
    for _ in range(2):
        # from a point on one edge to a point on another, so lines cross the patch
        edges = rng.choice(4, size=2, replace=False)
        ends = []
        for edge in edges:
            t = int(rng.integers(0, DIGIT))
            ends.append(((t, 0), (t, DIGIT - 1), (0, t), (DIGIT - 1, t))[edge])
        cv2.line(patch, ends[0], ends[1], int(rng.integers(204, 256)), 1)
    return patch


def make_sample(seed: int, split: str = "test",
                digits: Digits | None = None) -> tuple[np.ndarray, int, np.ndarray]:
    """One megapixel image: ``(image uint8 (1500, 1500), label, boxes int (5, 4))``.

    ``boxes`` are ``(x0, y0, x1, y1)`` in pixels (x1, y1 exclusive), the three
    digits of the target class first. ``split`` picks the MNIST digits used
    (``"test"`` for evaluation, ``"train"`` for training); ``digits`` overrides
    them with an ``(images, labels)`` pair. The same seed gives the same image.
    """
    images, labels = digits if digits is not None else mnist_digits(split)
    rng = np.random.default_rng(seed)
    label = int(rng.integers(10))
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels == label), N_TARGET),
                             rng.choice(np.flatnonzero(labels != label), N_OTHER)])
    corners = _positions(rng, N_TARGET + N_OTHER)

    image = np.zeros((SIZE, SIZE), np.uint8)
    # noise first, digits on top (max), so a scribble never erases a digit
    for y, x in rng.integers(0, SIZE - DIGIT + 1, size=(N_NOISE, 2)):
        np.maximum(image[y:y + DIGIT, x:x + DIGIT], noise_patch(rng), out=image[y:y + DIGIT, x:x + DIGIT])
    for (y, x), i in zip(corners, chosen):
        np.maximum(image[y:y + DIGIT, x:x + DIGIT], images[i], out=image[y:y + DIGIT, x:x + DIGIT])
    boxes = np.array([(x, y, x + DIGIT, y + DIGIT) for y, x in corners], dtype=np.int64)
    return image, label, boxes


def low_resolution(image: np.ndarray, scale: float = SCALE) -> np.ndarray:
    """The reduced view x̃ the attention looks at: float32 in [0, 1], ``scale`` times the size."""
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
