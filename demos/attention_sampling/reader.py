"""Reading a megapixel image: attention on a low-resolution view, K patches sampled, and the full-resolution
baseline; the shipped model loaded once, each reading through the inference service."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from demos import weights
from demos.attention_sampling import AVERAGE, DEFAULT_K, WEIGHTS_ID
from demos.attention_sampling.cost import Cost, measure
from demos.attention_sampling.megapixel_mnist import SCALE, low_resolution
from demos.attention_sampling.model import (
    AttentionSampler,
    extract_patches,
    full_resolution_logits,
    patch_centres,
)
from demos.checkpoints import load_weights
from demos.images import from_array, require_pixels, to_rgb
from demos.inference import register_route, shared_service

MAX_SIDE = 3000     # larger uploads are scaled down first: the patches must stay a sensible size


def load_model(path: str | Path | None = None) -> AttentionSampler:
    """The shipped model (``assets/attention_sampling.pt``), trained by :mod:`demos.attention_sampling.train`."""
    source = Path(path) if path else weights.resolve(WEIGHTS_ID)
    model = load_weights(AttentionSampler(), source).eval()   # CheckpointError naming a broken file
    return register_route(model, "attention sampling", source)   # a cluster's replica loads the same file


@lru_cache(maxsize=1)
def _default_model() -> AttentionSampler:
    return load_model()


def prepare(image: Image.Image | np.ndarray) -> np.ndarray:
    """Any picture → what the model reads: grayscale uint8, white ink on black, at most MAX_SIDE px.

    A megapixel MNIST image passes through unchanged; a photo of dark ink on
    white paper is inverted.
    """
    if isinstance(image, np.ndarray) and image.ndim == 2 and image.dtype == np.uint8 and image.size:
        gray = image
    else:
        gray = np.asarray(to_rgb(image if isinstance(image, Image.Image) else from_array(image)).convert("L"))
    if max(gray.shape) > MAX_SIDE:
        factor = MAX_SIDE / max(gray.shape)
        gray = np.asarray(Image.fromarray(gray).resize(
            (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor))), Image.Resampling.BOX))
    if np.median(gray) > 127:
        gray = 255 - gray
    # a fresh, writable array: torch.from_numpy warns on the read-only views PIL hands out
    return np.array(gray, dtype=np.uint8, order="C", copy=not gray.flags.writeable or None)


@dataclass
class Reading:
    """What attention sampling made of one image."""

    probabilities: np.ndarray   # (10,)
    attention: np.ndarray       # (h, w) low-resolution distribution, sums to 1
    positions: np.ndarray       # (k, 2) patch centres (row, col), full-resolution pixels
    patches: np.ndarray         # (k, 50, 50) uint8, what the feature network saw
    cost: Cost

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


def read(image: Image.Image | np.ndarray, k: int = DEFAULT_K, seed: int = 0,
         model: AttentionSampler | None = None, *, alive: Callable[[], bool] | None = None) -> Reading:
    """Attention on the low-resolution view, K patches sampled (``seed``), their features averaged (``AVERAGE``),
    classified.

    The network runs in the process's inference service; ``alive()`` false drops
    the request once the visitor has left.
    """
    require_pixels(image)
    model = model or _default_model()
    gray = prepare(image)
    k = max(1, int(k))
    return shared_service().run_each(("attention sampling", model), partial(_read, model), (gray, k, int(seed)),
                                     alive=alive)


def _read(model: AttentionSampler, request: tuple[np.ndarray, int, int]) -> Reading:
    gray, k, seed = request
    device = next(model.parameters()).device
    low = torch.from_numpy(low_resolution(gray, SCALE))[None, None].to(device)
    high = torch.from_numpy(gray)[None, None].to(device)
    k = max(1, min(k, low.numel()))
    generator = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        (logits, attention, flat), cost = measure(lambda: model(low, high, k, generator, AVERAGE), device)
        centres = patch_centres(flat, low.shape[-2:], high.shape[-2:])
        patches = extract_patches(high, centres)[0, :, 0].cpu().numpy()
    return Reading(torch.softmax(logits.double(), 1)[0].cpu().numpy(), attention[0].cpu().numpy(),
                   centres[0].cpu().numpy(), patches, cost)


def predict(image: Image.Image | np.ndarray, k: int = DEFAULT_K, seed: int = 0,
            model: AttentionSampler | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probabilities (10,), attention map (h, w), sampled patch centres (k, 2) as (row, col))."""
    reading = read(image, k, seed, model)
    return reading.probabilities, reading.attention, reading.positions


def read_full_resolution(image: Image.Image | np.ndarray,
                         model: AttentionSampler | None = None) -> tuple[np.ndarray, Cost]:
    """The baseline: the same feature network over every pixel of the full image. (probabilities, cost)."""
    model = model or _default_model()
    device = next(model.parameters()).device
    high = torch.from_numpy(prepare(image)).float().div_(255)[None, None].to(device)
    with torch.inference_mode():
        logits, cost = measure(lambda: full_resolution_logits(model, high), device)
    return torch.softmax(logits.double().cpu(), 1)[0].numpy(), cost
