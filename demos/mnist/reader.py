"""Reading a digit: the shipped network loaded once, one picture or a batch through the inference service."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from demos import weights
from demos.checkpoints import load_weights
from demos.images import require_pixels
from demos.inference import register_route, shared_service
from demos.mnist import WEIGHTS_ID
from demos.mnist.model import LectureNet
from demos.mnist.preprocessing import center_digit, ink_map, looks_like_a_digit


def load_model(path: str | Path | None = None, device: torch.device | str = "cpu") -> LectureNet:
    """The shipped trained network (``assets/mnist_cnn.pt``), in eval mode.

    It defaults to the CPU: one 28×28 digit is read faster there than the
    round trip to a GPU costs.
    """
    source = Path(path) if path else weights.resolve(WEIGHTS_ID)
    model = load_weights(LectureNet(), source).to(device).eval()   # CheckpointError naming a broken file
    return register_route(model, "mnist", source)   # a cluster's replica loads the same file


@lru_cache(maxsize=1)
def _default_model() -> LectureNet:
    return load_model()


@dataclass
class Reading:
    """What the network makes of one picture."""

    probabilities: np.ndarray      # (10,), sums to 1; uniform when blank
    digit: np.ndarray              # (28, 28) float in [0, 1]: what the network sees
    feature_maps: dict[str, np.ndarray]  # "conv1": (32, 24, 24), "conv2": (64, 4, 4)
    blank: bool                    # nothing to read: no guess is made
    not_a_digit: bool = False      # ... because the photo shows something else than a written digit

    @property
    def prediction(self) -> int | None:
        """The digit read, or None for a blank picture."""
        return None if self.blank else int(self.probabilities.argmax())


def read_batch(model: LectureNet, digits: list[np.ndarray]) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """The inference service's batch function: probabilities and feature maps of centred 28×28 digits."""
    device = next(model.parameters()).device
    with torch.inference_mode():
        x = torch.from_numpy(np.stack(digits))[:, None].to(device)
        logits, features = model.forward_with_features(x)
        probabilities = torch.softmax(logits.double(), 1).cpu().numpy()
        features = {k: v.cpu().numpy() for k, v in features.items()}
    return [(probabilities[i], {k: v[i] for k, v in features.items()}) for i in range(len(digits))]


def read(image: Image.Image | np.ndarray, model: LectureNet | None = None, *,
         alive: Callable[[], bool] | None = None, photo: bool = False) -> Reading:
    """Preprocess ``image`` and run the network once, keeping the feature maps.

    The network runs in the process's inference service (:mod:`demos.inference`),
    batched with the other visitors' digits; ``alive()`` false drops the request
    once the visitor has left. With ``photo=True`` (an upload or the camera), a
    picture whose ink does not look like a written digit is not read either
    (``not_a_digit``).
    """
    require_pixels(image)
    model = model or _default_model()
    ink = ink_map(image)
    if photo and ink.any() and not looks_like_a_digit(ink):   # a face, a room: no guess (a drawing is a digit)
        return Reading(np.full(10, 0.1), np.zeros((28, 28), np.float32), {}, blank=True, not_a_digit=True)
    digit = center_digit(ink)
    if not digit.any():
        return Reading(np.full(10, 0.1), digit, {}, blank=True)
    probabilities, features = shared_service().run(("mnist", model), partial(read_batch, model), digit,
                                                   cache_key=hashlib.md5(digit.tobytes()).hexdigest(), alive=alive)
    return Reading(probabilities, digit, features, blank=False)


def predict(image: Image.Image | np.ndarray, model: LectureNet | None = None) -> np.ndarray:
    """The 10 class probabilities (numpy, summing to 1) for a picture of a digit.

    A blank picture (nothing drawn) gives the uniform distribution: no guess.
    """
    return read(image, model).probabilities
