"""Where does the network look? Grad-CAM, gradient saliency and guided back-propagation, mapped back onto the image.

Grad-CAM (Selvaraju et al., 2017): weight each channel of the last feature
map by the mean gradient of the class score over it, sum, keep the positive
part. Saliency (Simonyan et al., 2014): the largest absolute input gradient
over the colour channels. Guided back-propagation (Springenberg et al., 2015),
the lecture's VGG16 slide: the input gradient where every ReLU also lets only
positive gradients back, shown as a colour image (grey = 0), not a heat map.
All need gradients, so they run outside ``torch.inference_mode``. The network sees only the centre crop of the
resized image; the heatmap is pasted back where that crop came from, and is
0 over the margins the network never saw.
"""
from __future__ import annotations

from functools import partial
from typing import Callable, Literal

import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from captum.attr import GuidedBackprop
from PIL import Image
from torch import nn

from demos.imagenet.models import Classifier
from demos.imagenet.predict import Normalisation, preprocess
from demos.images import to_rgb
from demos.inference import shared_service

Method = Literal["gradcam", "saliency", "guided"]
METHODS: tuple[Method, ...] = ("gradcam", "saliency", "guided")
# The offered networks' activations: ReLU (AlexNet, VGG, ResNet), ReLU6 (MobileNetV2), SiLU (EfficientNet), GELU (ViT).
GUIDED_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.GELU)


class _GuidedBackprop(GuidedBackprop):
    """Captum's guided back-propagation, with its rule also on the activations that are not ``nn.ReLU``.

    Captum hooks ``nn.ReLU`` modules only: on MobileNetV2 (ReLU6) it silently returns the plain
    gradient (measured: identical tensors). Its rule, "let only positive gradients through each
    activation", is applied here to every activation of the offered networks; on ReLU networks
    this is exactly Springenberg et al.'s method.
    """

    def _register_hooks(self, module: nn.Module) -> None:
        if isinstance(module, GUIDED_ACTIVATIONS) and not isinstance(module, nn.ReLU):
            # the helper Captum's own ReLU hooks use (it copes with in-place activations), wherever it lives
            register = sys.modules[GuidedBackprop.__module__]._register_backward_hook
            self.backward_hooks.extend(register(module, self._backward_hook, self))
        else:
            super()._register_hooks(module)


def guided_gradients(module: nn.Module, x: torch.Tensor, class_indices: list[int]) -> torch.Tensor:
    """Guided back-propagation of each image's class score to its pixels: (N, 3, H, W), signed."""
    with warnings.catch_warnings():     # Captum announces its hooks on every call
        warnings.simplefilter("ignore", UserWarning)
        return _GuidedBackprop(module).attribute(x.clone(), target=list(class_indices)).detach()


def gradient_image(gradient: torch.Tensor) -> torch.Tensor:
    """A (3, H, W) gradient shown as a picture in [0, 1]: grey is 0, ±3 standard deviations span the range."""
    g = gradient - gradient.mean()
    return (0.5 + g / (6 * g.std().clamp_min(1e-12))).clamp(0, 1)


def _tokens_to_map(tokens: torch.Tensor) -> torch.Tensor:
    """ViT tokens (N, 1 + h*w, C) to a (N, C, h, w) map, dropping the class token."""
    patches = tokens[:, 1:, :]
    side = int(round(patches.shape[1] ** 0.5))
    return patches.transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], side, side)


def _gradcam(classifier: Classifier, x: torch.Tensor, class_indices: list[int]) -> torch.Tensor:
    """The (N, h, w) Grad-CAMs of ``class_indices[i]`` for image ``i`` at the spec's target layer, before upsampling.

    One forward and one backward pass for the whole batch: in eval mode the images do
    not interact (batch norm uses its stored statistics), so the gradient of the sum of
    each image's own class score is, image by image, the gradient of that score.
    """
    layer = classifier.module.get_submodule(classifier.spec.target_layer)
    captured: dict[str, torch.Tensor] = {}

    def keep(_module, _inputs, output):
        captured["activation"] = output
        # a tensor hook, not a module backward hook: in-place ReLUs after the layer are fine
        output.register_hook(lambda grad: captured.__setitem__("gradient", grad))

    handle = layer.register_forward_hook(keep)
    try:
        logits = classifier.module(x)
        classifier.module.zero_grad(set_to_none=True)
        logits[torch.arange(len(x)), torch.as_tensor(class_indices)].sum().backward()
    finally:
        handle.remove()
    activation, gradient = captured["activation"].detach(), captured["gradient"].detach()
    if classifier.spec.tokens:
        activation, gradient = _tokens_to_map(activation), _tokens_to_map(gradient)
    channel_weights = gradient.mean(dim=(2, 3), keepdim=True)
    return F.relu((channel_weights * activation).sum(dim=1))


def _saliency(classifier: Classifier, x: torch.Tensor, class_indices: list[int]) -> torch.Tensor:
    """|d score / d input|, max over colour channels: (N, H, W) at the input's resolution (one backward pass)."""
    x = x.clone().requires_grad_(True)
    classifier.module(x)[torch.arange(len(x)), torch.as_tensor(class_indices)].sum().backward()
    return x.grad.detach().abs().amax(dim=1)


def crop_box(size: tuple[int, int], classifier: Classifier) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) in image pixels of the centre crop the network sees."""
    width, height = size
    tf = classifier.transforms
    resize = tf.resize_size[0] if isinstance(tf.resize_size, (list, tuple)) else tf.resize_size
    crop = tf.crop_size[0] if isinstance(tf.crop_size, (list, tuple)) else tf.crop_size
    side = crop * min(width, height) / resize     # the crop's side, in original pixels
    left, top = (width - side) / 2, (height - side) / 2
    return left, top, left + side, top + side


def _attribution(classifier: Classifier, method: Method, requests: list[tuple[torch.Tensor, int]]) -> list[torch.Tensor]:
    """The inference service's batch function for a heatmap lane: one map per (image, class) request, in order."""
    x = torch.cat([image for image, _ in requests]).to(classifier.device)
    classes = [class_index for _, class_index in requests]
    with classifier.lock, torch.enable_grad():
        if method == "guided":
            maps = guided_gradients(classifier.module, x, classes)
        else:
            maps = _gradcam(classifier, x, classes) if method == "gradcam" else _saliency(classifier, x, classes)
        classifier.module.zero_grad(set_to_none=True)   # drop the gradients: shared model, less memory
    return list(maps.detach().float().cpu())


def heatmap(image: Image.Image, classifier: Classifier, class_index: int, method: Method = "gradcam",
            normalisation: Normalisation = "standard", *, digest: str | None = None,
            alive: Callable[[], bool] | None = None) -> np.ndarray:
    """A float32 (height, width) map in [0, 1] of where ``class_index``'s evidence lies in ``image``.

    ``"guided"`` returns instead the guided back-propagation as a (height, width, 3) picture in [0, 1]
    (grey = no gradient, grey over the margins the network did not see), as the lecture shows it.

    The gradients are computed in the process's inference service (one lane per
    network and method); ``digest`` (of the image) answers the same question again
    from its cache, ``alive()`` false drops the request once the visitor has left.
    The map has ``image``'s size: pass the picture at the size it is shown.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    image = to_rgb(image)
    service = shared_service()
    lane = (f"imagenet-{method}", classifier.module)
    cache_key = None if digest is None else (digest, class_index, normalisation)
    cam = service.lookup(lane, cache_key)
    if cam is None:
        x = preprocess(image, classifier, normalisation)
        cam = service.run(lane, partial(_attribution, classifier, method), (x.cpu(), class_index),
                          cache_key=cache_key, alive=alive, max_batch=8)
    if method == "guided":
        cam, margin = gradient_image(cam), 0.5
    else:
        cam, margin = (cam / cam.max() if float(cam.max()) > 0 else torch.zeros_like(cam))[None], 0.0
    width, height = image.size
    left, top, right, bottom = crop_box(image.size, classifier)
    # Upsample the map onto the crop's place in the image (rounded to whole pixels).
    box = (max(0, round(left)), max(0, round(top)), min(width, round(right)), min(height, round(bottom)))
    inside = F.interpolate(cam[None], size=(box[3] - box[1], box[2] - box[0]), mode="bilinear",
                           align_corners=False)[0]
    out = np.full((len(cam), height, width), margin, np.float32)
    out[:, box[1]:box[3], box[0]:box[2]] = inside.clamp(0, 1).numpy()
    return out.transpose(1, 2, 0) if method == "guided" else out[0]


def overlay(image: Image.Image, heat: np.ndarray, alpha: float = 0.5,
            box: tuple[float, float, float, float] | None = None) -> Image.Image:
    """``image`` with ``heat`` drawn over it in a jet colour map (RGB).

    Outside ``box`` (the crop the network saw, from :func:`crop_box`) the
    photo is greyed out instead, so the margins do not read as "cold".
    A guided back-propagation picture ((H, W, 3), from ``heatmap(..., "guided")``) is not laid over
    the photo: it is returned as it is, the way the lecture shows it.
    """
    if heat.ndim == 3:
        return Image.fromarray((np.clip(heat, 0, 1) * 255).round().astype(np.uint8))
    import cv2  # opencv's JET: the usual Grad-CAM look, no matplotlib needed

    levels = np.clip(heat * 255 + 0.5, 0, 255).astype(np.uint8)
    colours = cv2.applyColorMap(levels, cv2.COLORMAP_JET)[..., ::-1].astype(np.float32) / 255   # BGR → RGB
    base = np.asarray(to_rgb(image), np.float32) / 255
    blended = (1 - alpha) * base + alpha * colours
    if box is not None:
        height, width = heat.shape
        left, top, right, bottom = (int(round(v)) for v in box)
        seen = np.zeros((height, width, 1), bool)
        seen[max(0, top):min(height, bottom), max(0, left):min(width, right)] = True
        blended = np.where(seen, blended, 0.35 * base + 0.65 * 0.5)
    return Image.fromarray(np.clip(blended * 255 + 0.5, 0, 255).astype(np.uint8), "RGB")
