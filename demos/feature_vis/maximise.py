"""What a neuron wants: activation maximisation with the recipe that makes pictures (Olah et al., Distill 2017).

Gradient ascent straight on the pixels makes high-frequency noise that fools the network (the adversarial
page's lesson). Three things turn it into pictures:

- the image is a Fourier spectrum, its frequencies scaled by 1/f so that each one learns at the same pace,
  mapped to colours through ImageNet's colour correlations ("decorrelated" parameterisation);
- at each step the network sees it padded, jittered, rescaled and rotated at random, so only what survives
  those moves (shapes, not pixel-exact patterns) raises the target;
- a sigmoid keeps the pixels in [0, 1].

The target is a class's score (the output layer, before the softmax), a channel of a convolutional layer
(its mean activation over the picture), or one unit (that channel at the centre of the picture).
Only the picture's gradient is computed (``torch.autograd.grad``): the shared network is not changed.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image
from torch import nn

from demos.errors import DemoError
from demos.imagenet.models import Classifier

MAX_STEPS = 1024
MIN_SIZE, MAX_SIZE = 64, 512
PREVIEW_EVERY = 8                # steps between two pictures sent to the page
LEARNING_RATE = 0.05             # Adam on the spectrum (Lucid's default)
# ImageNet's colour correlations, square-rooted (Lucid): decorrelated channels → RGB.
COLOUR_CORRELATION = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOUR_CORRELATION = COLOUR_CORRELATION / COLOUR_CORRELATION.norm(dim=0).max()
# The random moves at each step (Lucid's standard transforms): pad, jitter 8, scale, rotate, jitter 4.
PAD, JITTER, FINE_JITTER = 12, 8, 4
SCALES = [1 + (i - 5) / 50 for i in range(11)]
ANGLES = list(range(-10, 11)) + [0] * 5


@dataclass(frozen=True)
class Target:
    """What to maximise: a class score, or a channel (or its centre unit) of the ``layer``-th conv layer."""

    target_class: int | None = None
    layer: int | None = None          # 1-based number among the network's Conv2d layers, in forward order
    channel: int | None = None
    unit: bool = False                # only the channel's centre position (the lecture's "unit of layer 13")


def conv_layers(module: nn.Module) -> list[tuple[str, nn.Conv2d]]:
    """The network's convolutional layers in order, as the lecture counts them (VGG16 has 13)."""
    return [(name, m) for name, m in module.named_modules() if isinstance(m, nn.Conv2d)]


def _layer_output(module: nn.Module, conv_name: str) -> nn.Module:
    """The module whose output is the conv layer's answer: the conv with its batch norm and activation where the
    network groups them (MobileNetV2, EfficientNet: a batch norm's scale can be negative, so the raw conv output
    would ask for the opposite), else the conv itself (VGG16: its ReLU only cuts the negative part)."""
    parent_name, _, child = conv_name.rpartition(".")
    parent = module.get_submodule(parent_name) if parent_name else module
    if isinstance(parent, nn.Sequential) and child == "0" and len(parent) <= 3:
        return parent
    return module.get_submodule(conv_name)


def check_target(classifier: Classifier, target: Target) -> None:
    """A :class:`DemoError` naming the valid range when the target does not exist in this network."""
    n_classes = len(classifier.categories)
    if (target.target_class is None) == (target.layer is None):
        raise DemoError("feature_vis.error.target", "Choose either a class or a layer and a channel.")
    if target.target_class is not None:
        if not 0 <= target.target_class < n_classes:
            raise DemoError("feature_vis.error.class", "There is no class number {target} (0 to {last}).",
                            target=target.target_class, last=n_classes - 1)
        return
    layers = conv_layers(classifier.module)
    if not 1 <= target.layer <= len(layers):
        raise DemoError("feature_vis.error.layer", "{model} has convolutional layers 1 to {n}, not {layer}.",
                        model=classifier.spec.label, n=len(layers), layer=target.layer)
    channels = layers[target.layer - 1][1].out_channels
    if target.channel is None or not 0 <= target.channel < channels:
        raise DemoError("feature_vis.error.channel", "Layer {layer} has channels 0 to {last}, not {channel}.",
                        layer=target.layer, last=channels - 1, channel=target.channel)


class FourierImage(nn.Module):
    """A ``size``² RGB picture held as a 1/f-scaled Fourier spectrum in decorrelated colours."""

    def __init__(self, size: int, generator: torch.Generator, decay: float = 1.0) -> None:
        super().__init__()
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        frequencies = (fx ** 2 + fy ** 2).sqrt()
        self.register_buffer("scale", 1.0 / frequencies.clamp_min(1.0 / size) ** decay)
        self.spectrum = nn.Parameter(0.01 * torch.randn(3, size, size // 2 + 1, 2, generator=generator))
        self.size = size

    def forward(self) -> torch.Tensor:
        """The picture, (1, 3, size, size) in [0, 1]."""
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        decorrelated = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho") / 4
        rgb = torch.einsum("ij,jhw->ihw", COLOUR_CORRELATION.to(decorrelated), decorrelated)
        return torch.sigmoid(rgb)[None]


def random_moves(x: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """Pad, jitter, rescale, rotate, jitter: what the picture must survive at each step."""
    x = F.pad(x, [PAD] * 4, value=0.5)
    x = _jitter(x, JITTER, rng)
    scale = rng.choice(SCALES)
    x = F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)
    x = TF.rotate(x, rng.choice(ANGLES), interpolation=TF.InterpolationMode.BILINEAR, fill=[0.5])
    return _jitter(x, FINE_JITTER, rng)


def _jitter(x: torch.Tensor, amount: int, rng: random.Random) -> torch.Tensor:
    dx, dy = rng.randint(0, amount), rng.randint(0, amount)
    return x[..., dy:x.shape[-2] - amount + dy, dx:x.shape[-1] - amount + dx]


def to_picture(x: torch.Tensor) -> Image.Image:
    """(1, 3, H, W) in [0, 1] → an 8-bit PIL RGB image."""
    return Image.fromarray((x[0].detach().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy())


def visualise(classifier: Classifier, *, target_class: int | None = None, layer: int | None = None,
              channel: int | None = None, unit: bool = False, steps: int = 256, size: int = 224, seed: int = 0,
              callback: Callable[[dict], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> Image.Image:
    """The ``size``² picture that most raises a class score, or a channel of conv layer ``layer`` (1-based).

    ``classifier`` is what :func:`demos.imagenet.load_classifier` returns. ``callback`` gets
    ``{"step", "steps", "value", "seconds", "image"}`` every :data:`PREVIEW_EVERY` steps and at the end
    (``image``: the picture so far); ``should_stop()`` true ends early and returns the picture so far.
    """
    target = Target(target_class, layer, channel, unit)
    check_target(classifier, target)
    if not 1 <= steps <= MAX_STEPS:
        raise DemoError("feature_vis.error.steps", "Choose 1 to {max} steps, not {steps}.", max=MAX_STEPS, steps=steps)
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DemoError("feature_vis.error.size", "Choose a size from {low} to {high} pixels, not {size}.",
                        low=MIN_SIZE, high=MAX_SIZE, size=size)
    generator = torch.Generator().manual_seed(seed)
    rng = random.Random(seed)
    picture = FourierImage(size, generator).to(classifier.device)
    optimiser = torch.optim.Adam(picture.parameters(), lr=LEARNING_RATE)
    tf = classifier.transforms
    mean = torch.tensor(tf.mean, device=classifier.device)[:, None, None]
    std = torch.tensor(tf.std, device=classifier.device)[:, None, None]
    start = time.perf_counter()
    value = math.nan
    for step in range(1, steps + 1):
        if should_stop is not None and should_stop():
            break
        with torch.enable_grad():
            x = picture()
            moved = (random_moves(x, rng) - mean) / std
            with classifier.lock:       # the shared network: one visitor's forward pass at a time
                objective = _objective(classifier, target, moved)
            gradient, = torch.autograd.grad(-objective, [picture.spectrum])
        picture.spectrum.grad = gradient
        optimiser.step()
        value = float(objective.detach())
        if callback is not None and (step % PREVIEW_EVERY == 0 or step == steps):
            with torch.no_grad():
                preview = to_picture(picture())
            callback({"step": step, "steps": steps, "value": value, "seconds": time.perf_counter() - start,
                      "image": preview})
    with torch.no_grad():
        return to_picture(picture())


def _objective(classifier: Classifier, target: Target, x: torch.Tensor) -> torch.Tensor:
    """The quantity raised: the class's logit, or the chosen channel's mean (or centre) activation."""
    if target.target_class is not None:
        return classifier.module(x)[0, target.target_class]
    name, _ = conv_layers(classifier.module)[target.layer - 1]
    captured: dict[str, torch.Tensor] = {}

    def keep(_module, _inputs, output):
        captured["out"] = output
        raise _Enough    # nothing after this layer matters: skip the rest of the network

    handle = _layer_output(classifier.module, name).register_forward_hook(keep)
    try:
        classifier.module(x)
    except _Enough:
        pass
    finally:
        handle.remove()
    activation = captured["out"][0, target.channel]
    if target.unit:
        return activation[activation.shape[0] // 2, activation.shape[1] // 2]
    return activation.mean()


class _Enough(Exception):
    """Raised by the layer hook once the target layer has run."""
