"""The same attacks on the lecture's MNIST network and a digit the visitor drew: no download, no network.

Pixels are in [0, 1] (white ink on black, as the network reads them); the lecture's ε = 0.2 is a fifth of
the ink's brightness, visible, but the digit stays obvious to a person.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from demos.adversarial.attacks import pgd
from demos.errors import DemoError
from demos.mnist.model import LectureNet

MNIST_EPSILON = 0.2
MAX_DIGIT_EPSILON = 0.5


@dataclass
class DigitAttack:
    """The adversarial digit (28×28 floats in [0, 1]) and the network's probabilities before and after."""

    digit: np.ndarray
    before: np.ndarray       # (10,) probabilities
    after: np.ndarray
    target: int | None

    @property
    def fooled(self) -> bool:
        if self.target is not None:
            return int(self.after.argmax()) == self.target
        return int(self.after.argmax()) != int(self.before.argmax())


def attack_digit(digit: np.ndarray, model: LectureNet, *, epsilon: float = MNIST_EPSILON, steps: int = 10,
                 target: int | None = None, callback: Callable[[dict], None] | None = None) -> DigitAttack:
    """PGD on a centred 28×28 digit (what :func:`demos.mnist.read` shows as ``Reading.digit``)."""
    if not 0 < epsilon <= MAX_DIGIT_EPSILON:
        raise DemoError("adversarial.error.digit_epsilon", "ε must be between 0 and {max}, not {epsilon}.",
                        max=MAX_DIGIT_EPSILON, epsilon=epsilon)
    if target is not None and not 0 <= target <= 9:
        raise DemoError("adversarial.error.target", "There is no class number {target} (0 to {last}).",
                        target=target, last=9)
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(digit, np.float32)).reshape(1, 1, 28, 28).to(device)
    with torch.inference_mode():
        before = model(x).softmax(1)[0]
    label = int(before.argmax()) if target is None else target
    adversarial = pgd(model, x, label, epsilon=epsilon, steps=steps, step_size=2.5 * epsilon / steps,
                      targeted=target is not None, callback=callback)
    with torch.inference_mode():
        after = model(adversarial).softmax(1)[0]
    return DigitAttack(adversarial[0, 0].cpu().numpy(), before.cpu().numpy(), after.cpu().numpy(), target)
