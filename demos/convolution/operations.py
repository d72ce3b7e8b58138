"""Convolution, pooling and batch normalisation as torch computes them, with each value explained as its sum.

Every number shown comes from torch (``F.conv1d``, ``F.conv2d``, ``nn.BatchNorm1d``…); the explanations
(the products that make a sum) come from ``Tensor.unfold``, and the tests check they add up to torch's values.
Inputs edited by a visitor are parsed here, with a message in their language when they cannot be used.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.errors import DemoError

MAX_VALUES = 64          # per edited vector or matrix side: a worked example, not a dataset
_NUMBER = re.compile(r"[\s,;]+")


def parse_vector(text: str, what: str = "signal") -> torch.Tensor:
    """``"1 4 -1, 0"`` → a float tensor; a clear error for words, an empty or too long list."""
    cells = [c for c in _NUMBER.split(text.strip()) if c]
    if not cells:
        raise DemoError("convolution.error.empty", "The {what} is empty: type numbers separated by spaces.", what=what)
    if len(cells) > MAX_VALUES:
        raise DemoError("convolution.error.too_long", "At most {max} numbers in the {what} ({n} here).",
                        what=what, max=MAX_VALUES, n=len(cells))
    values = []
    for cell in cells:
        try:
            value = float(cell.replace("−", "-"))
        except ValueError:
            raise DemoError("convolution.error.not_a_number", "“{cell}” in the {what} is not a number.",
                            cell=cell[:20], what=what) from None
        if not math.isfinite(value):
            raise DemoError("convolution.error.not_a_number", "“{cell}” in the {what} is not a number.",
                            cell=cell[:20], what=what)
        values.append(value)
    return torch.tensor(values, dtype=torch.float64)


def parse_matrix(text: str, what: str = "input") -> torch.Tensor:
    """One row per line → a 2-D float tensor; rows of different lengths are an error."""
    rows = [parse_vector(line, what) for line in text.strip().splitlines() if line.strip()]
    if not rows:
        raise DemoError("convolution.error.empty", "The {what} is empty: type numbers separated by spaces.", what=what)
    if len({len(r) for r in rows}) > 1:
        raise DemoError("convolution.error.ragged", "Every row of the {what} needs as many numbers ({lengths}).",
                        what=what, lengths=" / ".join(str(len(r)) for r in rows))
    if len(rows) > MAX_VALUES:
        raise DemoError("convolution.error.too_long", "At most {max} numbers in the {what} ({n} here).",
                        what=what, max=MAX_VALUES, n=len(rows))
    return torch.stack(rows)


def format_number(x: float) -> str:
    """3.0 → "3", 0.4714 → "0.471": short, as on a slide."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"


@dataclass(frozen=True)
class Explained:
    """An output value and the products it is the sum of."""

    value: float
    terms: tuple[tuple[float, float], ...]      # (input value, weight) pairs

    def sum_text(self, multiply: str = "·") -> str:
        """``1·1 + 4·2 + -1·0 + 0·-1 = 9``."""
        return " + ".join(f"{format_number(a)}{multiply}{format_number(w)}" for a, w in self.terms) + \
            f" = {format_number(self.value)}"


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """⌊(n + 2p − k) / s⌋ + 1: the length of a convolution's output along one side (≤ 0: none)."""
    return (n + 2 * padding - k) // stride + 1


def conv1d(signal, kernel, stride: int = 1, padding: int = 0) -> list[Explained]:
    """``F.conv1d`` of a 1-D signal (a cross-correlation, as in every deep-learning library), each value explained."""
    signal, kernel = _tensor(signal), _tensor(kernel)
    _check_fits(len(signal), len(kernel), padding, "1d")
    x = F.pad(signal, (padding, padding))
    out = F.conv1d(x[None, None], kernel[None, None], stride=stride)[0, 0]
    windows = x.unfold(0, len(kernel), stride)
    return [Explained(float(v), tuple(zip(w.tolist(), kernel.tolist()))) for v, w in zip(out, windows)]


@dataclass(frozen=True)
class Conv2dResult:
    """A 2-D convolution: the padded input, the output, and each output cell's window and sum."""

    padded: torch.Tensor            # (H + 2p, W + 2p)
    output: torch.Tensor            # (H', W')
    stride: int
    kernel: torch.Tensor

    def window(self, row: int, col: int) -> tuple[int, int]:
        """Top-left corner, in the padded input, of the window that makes output cell (row, col)."""
        return row * self.stride, col * self.stride

    def explain(self, row: int, col: int) -> Explained:
        top, left = self.window(row, col)
        k_h, k_w = self.kernel.shape
        patch = self.padded[top:top + k_h, left:left + k_w]
        return Explained(float(self.output[row, col]), tuple(zip(patch.flatten().tolist(),
                                                                 self.kernel.flatten().tolist())))


def conv2d(image, kernel, stride: int = 1, padding: int = 0) -> Conv2dResult:
    """``F.conv2d`` of a 2-D input (tensor or nested lists) with zero padding ``padding`` and stride ``stride``."""
    image, kernel = _tensor(image), _tensor(kernel)
    if stride < 1 or padding < 0:
        raise DemoError("convolution.error.stride", "The stride must be ≥ 1 and the padding ≥ 0.")
    for side, k in zip(image.shape, kernel.shape):
        _check_fits(side, k, padding, "2d")
    padded = F.pad(image, (padding,) * 4)
    output = F.conv2d(padded[None, None], kernel[None, None], stride=stride)[0, 0]
    return Conv2dResult(padded, output, stride, kernel)


def _tensor(values) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.float64)


def _check_fits(n: int, k: int, padding: int, dims: str) -> None:
    if k > n + 2 * padding:
        raise DemoError("convolution.error.kernel_too_big",
                        "The kernel ({k} wide) is larger than the padded input ({n} wide): no position fits it. "
                        "Add padding or use a smaller kernel.", k=k, n=n + 2 * padding)


@dataclass(frozen=True)
class BatchNormResult:
    """Batch normalisation of one batch: per feature, the mean and (biased) standard deviation, the output."""

    means: torch.Tensor             # (features,)
    stds: torch.Tensor              # (features,), biased: what BatchNorm uses in training mode
    normalised: torch.Tensor        # (features, samples): (x − mean) / √(var + ε)
    output: torch.Tensor            # γ · normalised + β


def batch_norm(batch: torch.Tensor, gamma: float = 1.0, beta: float = 0.0) -> BatchNormResult:
    """``nn.BatchNorm1d`` in training mode on a batch given as (features, samples), as the slide lays it out."""
    batch = _tensor(batch)
    features, samples = batch.shape
    if samples < 2:
        raise DemoError("convolution.error.one_sample",
                        "Batch normalisation needs at least 2 samples per feature: with one, every feature's "
                        "standard deviation is 0 and the output is only β.")
    layer = nn.BatchNorm1d(features, dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.fill_(gamma)
        layer.bias.fill_(beta)
        x = batch.T.to(torch.float64)                   # BatchNorm1d wants (samples, features)
        output = layer(x).T
        var, mean = torch.var_mean(x, dim=0, correction=0)
        normalised = (x - mean) / torch.sqrt(var + layer.eps)
    return BatchNormResult(mean, var.sqrt(), normalised.T, output)


def max_pool(maps: np.ndarray | torch.Tensor, size: int) -> np.ndarray:
    """``F.max_pool2d`` with a ``size``×``size`` window and the same stride, on (C, H, W) or (H, W) maps."""
    x = torch.as_tensor(np.asarray(maps), dtype=torch.float32)
    squeeze = x.dim() == 2
    x = x[None] if squeeze else x
    out = F.max_pool2d(x[None], size)[0]
    return (out[0] if squeeze else out).numpy()


def filter_image(gray: np.ndarray, kernel: torch.Tensor | tuple) -> np.ndarray:
    """A grayscale image (H, W) in [0, 1] convolved with ``kernel`` (same size, zero padding), as float32."""
    k = torch.as_tensor(kernel, dtype=torch.float32)
    x = torch.as_tensor(gray, dtype=torch.float32)[None, None]
    with torch.inference_mode():
        out = F.conv2d(F.pad(x, (k.shape[1] // 2, (k.shape[1] - 1) // 2, k.shape[0] // 2, (k.shape[0] - 1) // 2),
                             mode="replicate"), k[None, None])
    return out[0, 0].numpy()


@dataclass(frozen=True)
class ParameterCount:
    """The slide's argument for convolutions, in numbers."""

    dense: int                      # a linear layer from a 256×256×3 image to a 256×256×3 signal
    dense_bytes: int                # in float32
    conv: int                       # a 5×5 convolution with the same input and output channels
    lecture_mnist: int              # the lecture's whole MNIST network


def parameter_counts(side: int = 256, channels: int = 3, kernel: int = 5) -> ParameterCount:
    """Parameters counted by torch where a layer can be built (the dense one cannot: 150 GB)."""
    from demos.mnist.model import LectureNet

    features = side * side * channels
    dense = features * features                      # the slide's (256×256×3)²: the weights (biases add 196,608)
    conv = sum(p.numel() for p in nn.Conv2d(channels, channels, kernel).parameters())
    mnist = sum(p.numel() for p in LectureNet().parameters())
    return ParameterCount(dense, dense * 4, conv, mnist)
