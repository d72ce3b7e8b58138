"""Top-k predictions of an ImageNet classifier, with the standard or the lecture's normalisation.

The lecture (seeds 000 and 001) feeds AlexNet ``ToTensor()(image)`` normalised
as ``0.5 + 0.5 * (img - img.mean()) / img.std()``: one mean and one standard
deviation over the whole image, not the per-channel ImageNet statistics the
weights were trained with. Both are offered so the lecturer can show that the
network barely cares.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Literal, NamedTuple

import torch
import torchvision.transforms.functional as TF
from PIL import Image

from demos.imagenet.models import Classifier, cached_classifier, timed
from demos.images import require_pixels, to_rgb
from demos.inference import InferenceService, shared_service

Normalisation = Literal["standard", "lecture"]
NORMALISATIONS: tuple[Normalisation, ...] = ("standard", "lecture")
TOP_K = 15


class Prediction(NamedTuple):
    """One line of the lecture's printout: ``#1 (12.26) Weimaraner``, plus the softmax probability."""

    class_index: int
    class_name: str
    score: float          # the raw logit, as the lecture prints it
    probability: float    # softmax over the 1000 classes


@dataclass
class Result:
    """What one model said about one image."""

    model_id: str
    normalisation: Normalisation
    predictions: list[Prediction]
    preprocess_ms: float
    forward_ms: float
    flat: bool = False    # the image is one colour (the lecture's normalisation then shows the network plain grey)

    @property
    def total_ms(self) -> float:
        return self.preprocess_ms + self.forward_ms


FLAT_STD = 1e-6   # below this, a photo is one colour: the lecture's formula would divide by zero


def lecture_normalise(img: torch.Tensor) -> torch.Tensor:
    """The lecture's ``0.5 + 0.5 * (img - img.mean()) / img.std()``, over the whole tensor.

    A single-colour image has no spread to divide by: it becomes uniform 0.5 grey, the
    formula's own limit (every pixel equals the mean), instead of NaN.
    """
    std = img.std()
    if not float(std) > FLAT_STD:
        return torch.full_like(img, 0.5)
    return 0.5 + 0.5 * (img - img.mean()) / std


def crop_geometry(image: Image.Image, classifier: Classifier) -> Image.Image:
    """Resize and centre-crop as the weights' own transforms do, but stay a PIL image.

    The sizes and interpolation are read from ``weights.transforms()``, so
    nothing is hand-written; only the final normalisation differs.
    """
    tf = classifier.transforms
    image = TF.resize(image, tf.resize_size, interpolation=tf.interpolation, antialias=tf.antialias)
    return TF.center_crop(image, tf.crop_size)


MAX_ASPECT = 2.0   # longer side / shorter side kept before resizing (the centre crop sees less anyway)


def trim_aspect(image: Image.Image, max_aspect: float = MAX_ASPECT) -> Image.Image:
    """The centre of a very long or very tall image, at most ``max_aspect`` times longer than wide.

    Resizing the shorter side to 256 would make a 2048×1 strip 524,288 pixels long
    (gigabytes, seconds) only for the centre crop to keep its middle: cropping first
    gives the network the same centre, cheaply. Ordinary photos are untouched.
    """
    width, height = image.size
    short, long_ = min(width, height), max(width, height)
    keep = max(1, round(short * max_aspect))
    if long_ <= keep:
        return image
    if width > height:
        left = (width - keep) // 2
        return image.crop((left, 0, left + keep, height))
    top = (height - keep) // 2
    return image.crop((0, top, width, top + keep))


def preprocess(image: Image.Image, classifier: Classifier, normalisation: Normalisation = "standard") -> torch.Tensor:
    """The (1, 3, H, W) input tensor for ``image`` (any PIL mode and size)."""
    image = trim_aspect(to_rgb(image))     # L, RGBA, P, I;16...: the networks want three channels
    if normalisation == "standard":
        x = classifier.transforms(image)
    elif normalisation == "lecture":
        # ToTensor() as in the lecture (0..1 floats), after the same resize and crop as the standard path
        x = lecture_normalise(TF.convert_image_dtype(TF.pil_to_tensor(crop_geometry(image, classifier)), torch.float))
    else:
        raise ValueError(f"normalisation must be one of {NORMALISATIONS}, not {normalisation!r}")
    return x.unsqueeze(0).to(classifier.device)


def predictions_from_logits(logits: torch.Tensor, categories: list[str], k: int = TOP_K) -> list[Prediction]:
    """The ``k`` best classes of one row of logits, best first."""
    logits = logits.reshape(-1).float().cpu()
    probabilities = logits.softmax(0)
    scores, indices = logits.topk(min(k, logits.numel()))
    return [Prediction(int(i), categories[int(i)], float(s), float(probabilities[i])) for s, i in zip(scores, indices)]


def forward_batch(classifier: Classifier, inputs: list[torch.Tensor]) -> list[tuple[torch.Tensor, float]]:
    """One forward pass over preprocessed images (each ``(1, 3, H, W)``): each one's logits and the pass's ms.

    The inference service's batch function for an ImageNet lane: the requests of
    every visitor who asked in the same few milliseconds go through together.
    """
    with classifier.lock, torch.inference_mode():   # the Grad-CAM lane hooks the same module
        x = torch.cat(inputs).to(classifier.device)
        logits, forward_ms = timed(lambda: classifier.module(x))
    return [(row, forward_ms) for row in logits.float().cpu()]


def classify(image: Image.Image, classifier: Classifier, k: int = TOP_K,
             normalisation: Normalisation = "standard", *, digest: str | None = None,
             alive: Callable[[], bool] | None = None, service: InferenceService | None = None) -> Result:
    """Top-``k`` of ``classifier`` on ``image``, timing the preprocessing and the forward pass.

    The forward pass runs in the process's inference service (:mod:`demos.inference`),
    batched with other visitors' images. ``digest`` (of the image) lets an identical
    request be answered from the service's cache; ``alive()`` false drops the request
    once the visitor has left.
    """
    require_pixels(image)
    service = service or shared_service()
    lane = ("imagenet", classifier.module)   # one lane per loaded network
    cache_key = None if digest is None else (digest, normalisation)
    answer = service.lookup(lane, cache_key)
    preprocess_ms = 0.0
    if answer is None:
        x, preprocess_ms = timed(lambda: preprocess(image, classifier, normalisation).cpu())
        answer = service.run(lane, partial(forward_batch, classifier), x, cache_key=cache_key, alive=alive)
    logits, forward_ms = answer
    flat = normalisation == "lecture" and _one_colour(image)
    return Result(classifier.id, normalisation, predictions_from_logits(logits, classifier.categories, k),
                  preprocess_ms, forward_ms, flat)


def _one_colour(image: Image.Image) -> bool:
    low, high = zip(*to_rgb(image).getextrema())
    return low == high


def top_k(image: Image.Image, model: str | Classifier = "alexnet", k: int = TOP_K, *,
          normalisation: Normalisation = "standard", state_dict_path: str | Path | None = None) -> list[Prediction]:
    """The ``k`` best ImageNet classes for ``image``: ``(class_index, class_name, score, probability)``, best first.

    ``model`` is a model id (``"alexnet"``, ``"vgg16"``, ``"resnet50"``,
    ``"mobilenet_v2"``, ``"efficientnet_b0"``, ``"vit_b_16"``), loaded once per
    process from the weights catalogue or from ``state_dict_path``, or a
    :class:`Classifier` already loaded. ``image`` may have any PIL mode and size.
    """
    if isinstance(model, str):
        model = cached_classifier(model, None if state_dict_path is None else str(state_dict_path))
    return classify(image, model, k, normalisation).predictions
