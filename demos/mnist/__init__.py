"""Demo 1: draw a digit, the lecture's CNN reads it.

Public API: :func:`load_model`, :func:`preprocess`, :func:`predict`, and
:func:`read` (everything the page shows, computed once).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from demos import weights
from demos.mnist.model import LectureNet
from demos.mnist.preprocess import center_digit, ink_map, is_blank, preprocess

__all__ = ["LectureNet", "Reading", "load_model", "predict", "preprocess", "is_blank", "read"]

WEIGHTS_ID = "mnist-cnn"


def load_model(path: str | Path | None = None, device: torch.device | str = "cpu") -> LectureNet:
    """The shipped trained network (``assets/mnist_cnn.pt``), in eval mode.

    It defaults to the CPU: one 28×28 digit is read faster there than the
    round trip to a GPU costs.
    """
    path = Path(path) if path else weights.resolve(WEIGHTS_ID)
    model = LectureNet()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.to(device).eval()


@lru_cache(maxsize=1)
def _default_model() -> LectureNet:
    return load_model()


@dataclass
class Reading:
    """What the network makes of one picture."""

    probabilities: np.ndarray      # (10,), sums to 1; uniform when blank
    digit: np.ndarray              # (28, 28) float in [0, 1]: what the network sees
    feature_maps: dict[str, np.ndarray]  # "conv1": (32, 24, 24), "conv2": (64, 4, 4)
    blank: bool

    @property
    def prediction(self) -> int | None:
        """The digit read, or None for a blank picture."""
        return None if self.blank else int(self.probabilities.argmax())


@torch.inference_mode()
def read(image: Image.Image | np.ndarray, model: LectureNet | None = None) -> Reading:
    """Preprocess ``image`` and run the network once, keeping the feature maps."""
    model = model or _default_model()
    digit = center_digit(ink_map(image))
    if not digit.any():
        return Reading(np.full(10, 0.1), digit, {}, blank=True)
    device = next(model.parameters()).device
    logits, features = model.forward_with_features(torch.from_numpy(digit)[None, None].to(device))
    probabilities = torch.softmax(logits.double(), 1)[0].cpu().numpy()
    return Reading(probabilities, digit, {k: v[0].cpu().numpy() for k, v in features.items()}, blank=False)


def predict(image: Image.Image | np.ndarray, model: LectureNet | None = None) -> np.ndarray:
    """The 10 class probabilities (numpy, summing to 1) for a picture of a digit.

    A blank picture (nothing drawn) gives the uniform distribution: no guess.
    """
    return read(image, model).probabilities
