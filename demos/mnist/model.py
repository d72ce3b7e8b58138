"""The lecture's MNIST network (seed 001, "MNIST"), as a plain nn.Module."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# MNIST's pixel mean and standard deviation (on [0, 1] images). The model
# normalises its own input, so callers feed the 28×28 image as it looks.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class LectureNet(nn.Module):
    """Conv(1,32,5) → ReLU → MaxPool(3) → Conv(32,64,5) → ReLU → MaxPool(2) → 256 → 200 → 10.

    Input: (N, 1, 28, 28) floats in [0, 1], white ink on black, as in MNIST.
    Output: (N, 10) logits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5)
        self.pool1 = nn.MaxPool2d(3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(256, 200)
        self.fc2 = nn.Linear(200, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits, plus the activations after each convolution (for the page's feature maps)."""
        x = (x - MNIST_MEAN) / MNIST_STD
        conv1 = F.relu(self.conv1(x))            # (N, 32, 24, 24)
        conv2 = F.relu(self.conv2(self.pool1(conv1)))  # (N, 64, 4, 4)
        hidden = F.relu(self.fc1(self.pool2(conv2).flatten(1)))
        return self.fc2(hidden), {"conv1": conv1, "conv2": conv2}
