"""Pictures the page composes from a translation: the before/after wipe and the cycle-error map."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image


def wipe(result: Image.Image, original: Image.Image, position: float, line: int = 2) -> Image.Image:
    """The result left of ``position`` (0..1 of the width), the original right of it, and a white line between.

    Both images must have the same size (``Translation.image`` and ``.input`` do).
    """
    if result.size != original.size:
        raise ValueError(f"sizes differ: {result.size} and {original.size}")
    left, right = np.asarray(result.convert("RGB")), np.asarray(original.convert("RGB"))
    width = left.shape[1]
    cut = int(round(min(max(position, 0.0), 1.0) * width))
    out = np.concatenate([left[:, :cut], right[:, cut:]], axis=1)
    if 0 < cut < width:   # the line shows where the two meet, even where they look alike
        out[:, max(0, cut - line // 2): min(width, cut + (line + 1) // 2)] = 255
    return Image.fromarray(out)


def error_heatmap(error_map: np.ndarray, full_scale: float = 0.25, size: tuple[int, int] | None = None) -> Image.Image:
    """A colour map (inferno: black → red → yellow → white) of per-pixel errors in [0, 1].

    ``full_scale`` maps to the brightest colour: round-trip errors are small,
    so the whole [0, 1] range would leave the map black. ``size`` (w, h) resizes it.
    """
    scaled = np.clip(np.asarray(error_map, dtype=np.float32) / full_scale, 0.0, 1.0)
    colours = cv2.applyColorMap((scaled * 255).round().astype(np.uint8), cv2.COLORMAP_INFERNO)
    image = Image.fromarray(cv2.cvtColor(colours, cv2.COLOR_BGR2RGB))
    return image if size is None or image.size == tuple(size) else image.resize(size, Image.Resampling.BILINEAR)
