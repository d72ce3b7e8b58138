"""Adversarial examples (Szegedy et al., 2014): a perturbation too small to see that changes the network's answer.

FGSM (Goodfellow et al., 2015), one step of size ε along the sign of the gradient:

    x' = clip(x + ε · sign(∇ₓ L(f(x), y)), 0, 1)      here L(z, y) = max_{j≠y} z_j − z_y (see :func:`margin`)

PGD (Madry et al., 2018), K steps of size α, each projected back on the L∞ ball of radius ε around x:

    x_{k+1} = clip(Π_{‖x' − x‖∞ ≤ ε}(x_k ± α · sign(∇ₓ L(f(x_k), y))), 0, 1)

with + (move away from the class read, untargeted) or − (move towards a chosen class, targeted).

The perturbation is computed on the picture the visitor gave, at its own size: the network's own resize,
centre crop and normalisation are applied inside the differentiated function, so what is saved is the
adversarial photo itself. It is rounded to 8 bits (as a PNG stores it) before the "after" answer is read,
and the L∞ bound holds exactly on those 8-bit pixels. The "before" and "after" answers are read exactly as
the ImageNet page reads a picture (:func:`demos.imagenet.predict.preprocess`), so the downloaded PNG gets
the same answer there; the gradient goes through a float copy of that path, a few hundredths of a logit away.
"""
from __future__ import annotations

import contextlib
import io
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image

from demos.errors import DemoError
from demos.imagenet.models import Classifier
from demos.imagenet.predict import MAX_ASPECT, Prediction, predictions_from_logits, preprocess
from demos.images import load_image, require_pixels, to_rgb

Method = Literal["fgsm", "pgd"]
METHODS: tuple[Method, ...] = ("fgsm", "pgd")
OSTRICH = 9                   # ImageNet's "ostrich", the slide's target
MAX_EPSILON = 16 / 255        # the page's slider: 0 to 16/255, in steps of 1/255
MAX_STEPS = 50
TOP = 5


@dataclass
class AttackResult:
    """What an attack did: the 8-bit adversarial picture, the answers before and after, how far it moved."""

    image: Image.Image                    # RGB, the input's size, 8-bit
    before: list[Prediction]              # top-5 on the original
    after: list[Prediction]               # top-5 on the 8-bit adversarial image
    relative_l2: float                    # ‖δ‖₂ / ‖x‖₂ on the 8-bit images
    linf: float                           # ‖δ‖∞ on the 8-bit images, in [0, 1] units
    seconds: float
    method: Method
    epsilon: float
    steps: int
    target: int | None
    history: list[dict] = field(default_factory=list)   # per step: {"step", "loss", "label", "seconds"}

    @property
    def fooled(self) -> bool:
        """Untargeted: the top-1 changed; targeted: the top-1 is the target."""
        return self.holds(self.after)

    def holds(self, predictions: list[Prediction]) -> bool:
        """Whether the attack's goal holds on ``predictions`` (e.g. the answer on the saved file read again)."""
        if self.target is not None:
            return predictions[0].class_index == self.target
        return predictions[0].class_index != self.before[0].class_index

    def perturbation_view(self, original: Image.Image, gain: float = 50.0) -> Image.Image:
        """δ amplified ``gain`` times around mid-grey, so an invisible change can be seen."""
        delta = np.asarray(self.image, np.float32) - np.asarray(to_rgb(original).resize(self.image.size), np.float32)
        return Image.fromarray(np.clip(127.5 + gain * delta, 0, 255).round().astype(np.uint8))


def _network_view(classifier: Classifier) -> Callable[[torch.Tensor], torch.Tensor]:
    """x (1, 3, H, W) in [0, 1] at the photo's size → logits, through the weights' own preprocessing.

    The same steps as :func:`demos.imagenet.predict.preprocess` (centre kept if very elongated, resize,
    centre crop, normalise), on a tensor so that the gradient reaches every pixel of the photo.
    """
    tf = classifier.transforms

    def forward(x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        keep = max(1, round(min(h, w) * MAX_ASPECT))
        if w > keep:
            x = x[..., :, (w - keep) // 2:(w - keep) // 2 + keep]
        elif h > keep:
            x = x[..., (h - keep) // 2:(h - keep) // 2 + keep, :]
        x = TF.resize(x, tf.resize_size, interpolation=tf.interpolation, antialias=tf.antialias)
        x = TF.center_crop(x, tf.crop_size)
        return classifier.module(TF.normalize(x, tf.mean, tf.std))

    return forward


def check_settings(method: str, epsilon: float, steps: int, target: int | None, n_classes: int) -> None:
    """Clear messages for settings an attack cannot run with."""
    if method not in METHODS:
        raise DemoError("adversarial.error.method", "Unknown attack {method}: choose FGSM or PGD.", method=method)
    if not 0 < epsilon <= MAX_EPSILON + 1e-9:
        raise DemoError("adversarial.error.epsilon", "ε must be between 1/255 and 16/255, not {epsilon}.",
                        epsilon=f"{epsilon * 255:.3g}/255")
    if method == "pgd" and not 1 <= steps <= MAX_STEPS:
        raise DemoError("adversarial.error.steps", "PGD takes 1 to {max} steps, not {steps}.", max=MAX_STEPS,
                        steps=steps)
    if target is not None and not 0 <= target < n_classes:
        raise DemoError("adversarial.error.target", "There is no class number {target} (0 to {last}).",
                        target=target, last=n_classes - 1)


def margin(logits: torch.Tensor, label: int) -> torch.Tensor:
    """How far the best other class is ahead of ``label``: max_{j≠y} z_j − z_y (> 0: ``label`` is not read).

    The attacks climb (or, targeted, descend) this margin of the logits (Carlini & Wagner, 2017) rather
    than the cross-entropy, which a very sure network saturates: its gradient is exactly 0 in float32
    (measured: the lecture's MNIST network, 8 of 50 digits fooled with cross-entropy at ε = 0.2).
    """
    others = logits.clone()
    others[:, label] = float("-inf")
    return others.max(1).values - logits[:, label]


def pgd(forward: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, label: int, *, epsilon: float,
        steps: int, step_size: float, targeted: bool, random_start: bool = False, seed: int = 0,
        lock: threading.Lock | None = None, early_stop: bool = False,
        callback: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None) -> torch.Tensor:
    """x + δ with ‖δ‖∞ ≤ ε and x + δ in [0, 1], after ``steps`` signed-gradient steps (FGSM: one step of ε).

    ``label``: the class to leave (untargeted) or to reach (targeted). Gradients are taken with respect
    to the input only (``torch.autograd.grad``): the network's own weights are not touched. ``lock`` is
    held for each step only, so other visitors' requests to the same network pass in between.
    ``early_stop``: end once the goal has been met on two steps running (the step after it adds margin).
    """
    delta = torch.zeros_like(x)
    if random_start:
        gen = torch.Generator().manual_seed(seed)
        delta = (torch.rand(x.shape, generator=gen) * 2 - 1).to(x) * epsilon
        delta = (x + delta).clamp(0, 1) - x
    sign = -1.0 if targeted else 1.0
    reached = 0
    start = time.perf_counter()
    for step in range(steps):
        delta.requires_grad_(True)
        with lock or contextlib.nullcontext():
            # no clamp here: its gradient is 0 at exactly 0 and 1 (a black background, saturated ink), which
            # froze the attack on MNIST; the projection below keeps x + δ in [0, 1]
            logits = forward(x + delta)
            loss = margin(logits, label).sum()
            (grad,) = torch.autograd.grad(loss, delta)
        with torch.no_grad():
            delta = (delta + sign * step_size * grad.sign()).clamp(-epsilon, epsilon)
            delta = (x + delta).clamp(0, 1) - x
        read = int(logits.argmax())
        if callback:
            callback({"step": step + 1, "steps": steps, "loss": float(loss.detach()), "label": read,
                      "seconds": time.perf_counter() - start})
        # reached (target read, or original left) two steps running: the last step only added margin
        reached = reached + 1 if (read == label) == targeted else 0
        if reached >= 2 and early_stop or (should_stop and should_stop()):
            break
    return (x + delta).detach()


def to_8bit(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] floats rounded to the 256 levels a PNG keeps (still in [0, 1])."""
    return (x * 255).round() / 255


def _answer(picture: Image.Image, classifier: Classifier) -> list[Prediction]:
    """The top-5 as the ImageNet page reads a picture (8-bit resize): the answer a visitor's file gets."""
    with classifier.lock, torch.inference_mode():     # the Grad-CAM lane hooks the same module
        logits = classifier.module(preprocess(picture, classifier))[0]
    return predictions_from_logits(logits, classifier.categories, TOP)


def saved_and_read(image: Image.Image, file_format: Literal["PNG", "JPEG"] = "PNG", quality: int = 75) -> Image.Image:
    """``image`` saved as a file and decoded again: what a visitor who downloads or shares it would have.

    PNG is lossless, so the 8-bit adversarial photo comes back identical; JPEG (``quality`` 75, what
    messaging apps use) rounds away fine detail, and with it much of a one-grey-level perturbation.
    """
    buffer = io.BytesIO()
    to_rgb(image).save(buffer, format=file_format, **({"quality": quality} if file_format == "JPEG" else {}))
    return load_image(buffer.getvalue(), max_side=None)       # the safe loader, at the size it was saved


def attack(image: Image.Image, classifier: Classifier, *, method: Method = "pgd", epsilon: float = 1 / 255,
           steps: int = 10, target: int | None = None, seed: int = 0, random_start: bool = False,
           step_size: float | None = None, early_stop: bool = True, callback: Callable[[dict], None] | None = None,
           should_stop: Callable[[], bool] | None = None) -> AttackResult:
    """Make ``image`` adversarial for ``classifier`` (what :func:`demos.imagenet.load_classifier` returns).

    ``target=None``: leave the class read on the original (untargeted); else reach class ``target``
    (e.g. :data:`OSTRICH`). ``epsilon`` in [0, 1] pixel units (1/255 = one grey level); ``steps`` PGD
    steps of ``step_size`` (default 2.5 ε / steps, as Madry et al.), ending early once the goal has held for
    two steps (``early_stop``). FGSM ignores ``steps``.
    Returns the 8-bit adversarial image at the input's size and the top-5 before and after.
    """
    require_pixels(image)
    check_settings(method, epsilon, steps, target, len(classifier.categories))
    start = time.perf_counter()
    rgb = to_rgb(image)
    x = TF.pil_to_tensor(rgb).float().div(255).unsqueeze(0).to(classifier.device)
    forward = _network_view(classifier)
    before = _answer(rgb, classifier)
    label = before[0].class_index if target is None else target
    history: list[dict] = []

    def keep(record: dict) -> None:
        history.append(record)
        if callback:
            callback(record)

    # the epsilon the 8-bit image can hold: a whole number of grey levels
    epsilon = max(1, round(epsilon * 255)) / 255
    if method == "fgsm":
        steps, size = 1, epsilon
    else:
        size = step_size or max(2.5 * epsilon / steps, 0.25 / 255)
    adversarial = pgd(forward, x, label, epsilon=epsilon, steps=steps, step_size=size, targeted=target is not None,
                      random_start=random_start and method == "pgd", seed=seed, lock=classifier.lock,
                      early_stop=early_stop, callback=keep, should_stop=should_stop)
    adversarial = to_8bit(adversarial)
    delta = adversarial - x
    picture = Image.fromarray((adversarial[0] * 255).round().byte().permute(1, 2, 0).cpu().numpy())
    return AttackResult(picture, before, _answer(picture, classifier), float(delta.norm() / x.norm().clamp_min(1e-12)),
                        float(delta.abs().max()), time.perf_counter() - start, method, epsilon, steps, target,
                        history)
