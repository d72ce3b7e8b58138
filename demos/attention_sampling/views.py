"""What the attention-sampling page draws: the image with its digits' boxes and sampled patches, the attention.

Plain numpy/OpenCV, no Streamlit: the page shows these arrays, a test can check their pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from demos.attention_sampling.megapixel_mnist import SCALE, low_resolution, make_sample
from demos.attention_sampling.model import PATCH, attention_in_boxes
from demos.attention_sampling.reader import Reading, prepare
from demos.grids import upscale
from demos.images import image_digest

SHOWN = 600              # px: the longer side the image is shown at (a 1500² PNG per rerun would weigh 2 MB)
TARGET, OTHER, SAMPLE = (46, 204, 64), (0, 150, 255), (255, 50, 50)    # RGB: majority digits, others, patches

# The estimator of the paper (its equations 2 and 3): an expectation over the attention, estimated from K samples.
ESTIMATOR = (r"\begin{aligned}\Psi(x) &= g\Big(\sum_{i=1}^{N} a(\tilde x; w_a)_i\, f(x; w_f)_i\Big)"
             r" = g\Big(\mathbb{E}_{I \sim a(\tilde x; w_a)}\big[f(x; w_f)_I\big]\Big) \\"
             r" &\approx g\Big(\frac{1}{K}\sum_{k=1}^{K} f(x; w_f)_{Q_k}\Big),"
             r" \quad Q_1, \dots, Q_K \sim a(\tilde x; w_a)\end{aligned}")


@dataclass(frozen=True)
class Picture:
    """The image the model reads: grayscale, white ink on black, with its truth when we generated it."""

    gray: np.ndarray                 # (H, W) uint8
    key: str                         # identifies the image across reruns
    label: int | None = None         # the majority digit (generated images only)
    boxes: np.ndarray | None = None  # (5, 4) x0, y0, x1, y1; the 3 majority digits first


def display_size(shape: tuple[int, int]) -> tuple[int, int]:
    """(width, height) the image is shown at: SHOWN px on its longer side, never enlarged."""
    h, w = shape
    factor = min(1.0, SHOWN / max(h, w))
    return max(1, round(w * factor)), max(1, round(h * factor))


def draw_overlays(rgb: np.ndarray, full_shape: tuple[int, int], boxes: np.ndarray | None,
                  positions: np.ndarray, thickness: int) -> np.ndarray:
    """``rgb`` (any size) with the digits' boxes and the sampled patches drawn on, in ``full_shape`` coordinates."""
    fy, fx = rgb.shape[0] / full_shape[0], rgb.shape[1] / full_shape[1]
    out = np.ascontiguousarray(rgb)
    for i, (x0, y0, x1, y1) in enumerate(boxes if boxes is not None else []):
        pad = 3 * thickness     # a little room, so the box does not hide the digit's edge
        cv2.rectangle(out, (int(x0 * fx) - pad, int(y0 * fy) - pad), (int(x1 * fx) + pad, int(y1 * fy) + pad),
                      TARGET if i < 3 else OTHER, thickness)
    half = PATCH / 2
    for row, col in positions:
        cv2.rectangle(out, (int((col - half) * fx), int((row - half) * fy)),
                      (int((col + half) * fx), int((row + half) * fy)), SAMPLE, thickness)
    return out


def input_view(picture: Picture, reading: Reading) -> np.ndarray:
    """The image, downscaled for the screen, with its boxes and the sampled patches."""
    # Thickened first: averaged down 2.5×, the 1-pixel strokes of the digits would fade to grey.
    thick = cv2.dilate(picture.gray, np.ones((3, 3), np.uint8))
    small = cv2.resize(thick, display_size(picture.gray.shape), interpolation=cv2.INTER_AREA)
    return draw_overlays(cv2.cvtColor(small, cv2.COLOR_GRAY2RGB), picture.gray.shape, picture.boxes,
                         reading.positions, thickness=2)


def full_size_view(picture: Picture, reading: Reading) -> np.ndarray:
    """The full-resolution image with its overlays (for a download: 1500² pixels)."""
    rgb = cv2.cvtColor(picture.gray, cv2.COLOR_GRAY2RGB)
    return draw_overlays(rgb, picture.gray.shape, picture.boxes, reading.positions, thickness=3)


# The attention is a distribution over tens of thousands of cells, most of its mass on a few dozen (measured:
# 21 of 22,500 cells hold 98.5 % of it): on a linear scale all but a few are black. A log scale over this many
# powers of ten shows where the rest of the mass is, and each cell is drawn this many cells wide (a dilation)
# so that 2-pixel cells can be seen from the back of a room.
ATTENTION_DECADES = 4
ATTENTION_GLOW = 5


def attention_level(attention: np.ndarray, decades: int = ATTENTION_DECADES) -> np.ndarray:
    """Each cell's attention on a log scale in [0, 1]: 1 at the maximum, 0 at ``10**-decades`` × it and below."""
    peak = max(float(attention.max()), 1e-30)
    return np.clip(1 + np.log10(np.maximum(attention, 1e-30) / peak) / decades, 0.0, 1.0)


def heat_colours(level: np.ndarray) -> np.ndarray:
    """Levels in [0, 1] → RGB uint8 in viridis (perceptually uniform, still visible at its dark end on a projector)."""
    return cv2.cvtColor(cv2.applyColorMap((level * 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGB)


def attention_legend(width: int = 360, height: int = 18, decades: int = ATTENTION_DECADES) -> np.ndarray:
    """The heat map's colour bar, left to right from 10^-decades × the maximum to the maximum (RGB uint8)."""
    return np.repeat(heat_colours(np.linspace(0, 1, width)[None, :])[:1], height, axis=0)


def attention_view(picture: Picture, reading: Reading, heat: bool) -> np.ndarray:
    """The low-resolution view x̃, enlarged without smoothing (its coarseness is the point), heatmap on top."""
    low = (low_resolution(picture.gray, SCALE) * 255).round().astype(np.uint8)
    rgb = cv2.cvtColor(low, cv2.COLOR_GRAY2RGB)
    if heat:
        glow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ATTENTION_GLOW, ATTENTION_GLOW))
        level = cv2.dilate(attention_level(reading.attention).astype(np.float32), glow)
        alpha = np.where(level > 0, 0.5 + 0.5 * level, 0.0)[..., None]   # below the scale, x̃ shows through
        rgb = (rgb * (1 - alpha) + heat_colours(level) * alpha).round().astype(np.uint8)
    big = cv2.resize(rgb, display_size(picture.gray.shape), interpolation=cv2.INTER_NEAREST)
    return draw_overlays(big, picture.gray.shape, None, reading.positions, thickness=1)


def patch_weights(reading: Reading, full_shape: tuple[int, int]) -> np.ndarray:
    """The attention a_i of each sampled patch (the cell of x̃ its centre comes from)."""
    h, w = reading.attention.shape
    rows = np.clip((reading.positions[:, 0] * h / full_shape[0]).astype(int), 0, h - 1)
    cols = np.clip((reading.positions[:, 1] * w / full_shape[1]).astype(int), 0, w - 1)
    return reading.attention[rows, cols]


def focus(picture: Picture, reading: Reading) -> tuple[float, float]:
    """(share of the attention on the digits' boxes, share of the image those boxes cover)."""
    h, w = picture.gray.shape
    inside = attention_in_boxes(reading.attention, picture.boxes, (h, w))
    area = float(np.prod(picture.boxes[:, 2:] - picture.boxes[:, :2], axis=1).sum()) / (h * w)
    return inside, area


def generated_picture(seed: int, digits) -> Picture:
    """The Megapixel MNIST image of ``seed`` (made of the MNIST test ``digits``), with its label and boxes."""
    image, label, boxes = make_sample(seed, digits=digits)
    return Picture(image, f"seed-{seed}", label, boxes)


def uploaded_picture(image) -> Picture:
    """A visitor's image as the model reads it (grayscale, light ink on dark)."""
    gray = np.array(prepare(image))     # a writable copy: torch warns about read-only arrays
    return Picture(gray, "upload-" + image_digest(gray))


def patch_tiles(reading: Reading) -> list[np.ndarray]:
    """The sampled patches, twice as large, each in a grey frame (an empty patch is black: side by side,
    frameless, they would merge into one strip)."""
    return [np.pad(upscale(patch, 2), 2, constant_values=128) for patch in reading.patches]
