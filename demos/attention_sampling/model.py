"""Attention sampling (Katharopoulos & Fleuret, ICML 2019) in PyTorch.

An attention network looks at a low-resolution view x̃ and gives a
distribution a over its positions; K positions are sampled from it without
replacement; only the K corresponding 50×50 patches of the full-resolution
image go through the feature network; their features are averaged with an
unbiased estimator of E_a[f], and a linear layer classifies the average.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PATCH = 50
FEATURES = 128


class AttentionNet(nn.Module):
    """Low-resolution view (B, 1, h, w) → attention logits (B, h, w), as in the paper (tanh convs)."""

    def __init__(self, width: int = 8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.Tanh(),
            nn.Conv2d(width, width, 3, padding=1), nn.Tanh(),
            nn.Conv2d(width, 1, 3, padding=1),
        )

    def forward(self, low: torch.Tensor) -> torch.Tensor:
        return self.net(low)[:, 0]


class FeatureNet(nn.Module):
    """Patches (N, 1, 50, 50) → L2-normalised features (N, 128): convs, global max pooling.

    Fully convolutional, so the same network also reads a whole image (the
    full-resolution baseline).
    """

    def __init__(self, features: int = FEATURES):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(1, 32, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, features, 3), nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.convs(x).amax(dim=(2, 3)).float(), dim=1)


def sample_without_replacement(attention: torch.Tensor, k: int,
                               generator: torch.Generator | None = None) -> torch.Tensor:
    """K distinct positions per row of ``attention`` (B, N), drawn one after the other.

    The Gumbel-top-k trick: the K largest of log a + Gumbel noise are
    distributed (in order) as K successive draws without replacement.
    """
    u = torch.rand(attention.shape, generator=generator, dtype=torch.float64).to(attention.device)
    gumbel = -torch.log(-torch.log(u.clamp_min(1e-20)))
    scores = torch.log(attention.double().clamp_min(1e-30)) + gumbel
    return scores.topk(k, dim=1).indices


class _ExpectedWithoutReplacement(torch.autograd.Function):
    """The unbiased estimator of E_a[f] from K draws without replacement, and an unbiased gradient.

    For the k-th draw (k = 0..K-1), with a_j, f_j the attention and features of
    the earlier draws, F_k = Σ_{j<k} a_j f_j + (1 − Σ_{j<k} a_j) f_k is
    unbiased (draw k comes from a renormalised over what is left); the
    estimate is their mean (the paper's estimator).

    Its gradient: exact for the features; for the attention, the pathwise
    term plus a score-function term ∇log p(draws 0..k) weighted by F_k, each
    F_k only through the draws it depends on (fewer terms, less variance). Both
    are checked unbiased by Monte Carlo in the tests. (The reference
    implementation's attention gradient differs; on small cases it is biased.)
    """

    @staticmethod
    def forward(ctx, attention: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        # attention (B, K) of the sampled positions, features (B, K, D)
        remaining = 1 - _exclusive_cumsum(attention)                     # mass left before each draw
        estimates = _exclusive_cumsum(attention[..., None] * features) + remaining[..., None] * features
        ctx.save_for_backward(attention, features, remaining, estimates)
        return estimates.mean(1)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        attention, features, remaining, estimates = ctx.saved_tensors
        k = attention.shape[1]
        order = torch.arange(k, device=features.device, dtype=features.dtype)[None, :]
        g_estimates = (estimates * grad[:, None, :]).sum(-1)              # g·F_k      (B, K)
        g_features = (features * grad[:, None, :]).sum(-1)                # g·f_k      (B, K)
        tail = _reverse_cumsum(g_estimates)                                # Σ_{k≥m} g·F_k
        # score of draw m itself, then of each later draw l through its renormalisation 1/(1 − Σ_{j<l} a_j)
        score = tail / attention + _reverse_cumsum(tail / remaining) - tail / remaining
        pathwise = (k - 1 - order) * g_features - (_reverse_cumsum(g_features) - g_features)
        grad_attention = (score + pathwise) / k
        grad_features = grad[:, None, :] * (remaining + (k - 1 - order) * attention)[..., None] / k
        return grad_attention, grad_features


def _reverse_cumsum(x: torch.Tensor) -> torch.Tensor:
    return x.flip(1).cumsum(1).flip(1)


def _exclusive_cumsum(x: torch.Tensor) -> torch.Tensor:
    return x.cumsum(1) - x


def expected_features(attention: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """Unbiased estimate (B, D) of Σ_i a_i f_i from the K draws: attention (B, K), features (B, K, D)."""
    return _ExpectedWithoutReplacement.apply(attention, features)


def patch_centres(positions: torch.Tensor, low_shape: tuple[int, int],
                  high_shape: tuple[int, int]) -> torch.Tensor:
    """Flat low-resolution positions (…) → full-resolution (row, col) centres (…, 2)."""
    h, w = low_shape
    rows, cols = positions // w, positions % w
    return torch.stack([((rows + 0.5) * high_shape[0] / h).long(), ((cols + 0.5) * high_shape[1] / w).long()], -1)


def extract_patches(high: torch.Tensor, centres: torch.Tensor, size: int = PATCH) -> torch.Tensor:
    """Patches (B, K, C, size, size) of ``high`` (B, C, H, W) around ``centres`` (B, K, 2), zero outside.

    Copies only the K windows: padding a whole megapixel image per call would cost more.
    """
    half = size // 2
    height, width = high.shape[-2:]
    b, k = centres.shape[:2]
    out = high.new_zeros((b, k, high.shape[1], size, size))
    for i, j in np.ndindex(b, k):
        r, c = (int(v) - half for v in centres[i, j])
        r0, c0, r1, c1 = max(r, 0), max(c, 0), min(r + size, height), min(c + size, width)
        out[i, j, :, r0 - r:r1 - r, c0 - c:c1 - c] = high[i, :, r0:r1, c0:c1]
    return out


class AttentionSampler(nn.Module):
    """The whole model: attention on x̃, K patches of x, averaged features, linear classifier."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.attention = AttentionNet()
        self.features = FeatureNet()
        self.classifier = nn.Linear(FEATURES, classes)

    def attention_map(self, low: torch.Tensor) -> torch.Tensor:
        """Attention distribution (B, h, w) over the low-resolution view (B, 1, h, w); sums to 1."""
        logits = self.attention(low)
        return torch.softmax(logits.flatten(1).float(), 1).view_as(logits)

    def forward(self, low: torch.Tensor, high: torch.Tensor, k: int = 10,
                generator: torch.Generator | None = None, average: str = "unbiased"):
        """Logits (B, classes), attention (B, h, w) and the sampled flat positions (B, K).

        ``average`` says how the K patches' features are combined: ``"unbiased"``, the paper's estimator
        for draws without replacement (training: its gradient is what teaches the attention), or
        ``"mean"``, their plain mean, the formula shown on the page (reading: on the 1000 test images it
        errs about half as often, 3.4 % against 6.2 % at K = 20: the estimator lets the most attended patch
        outweigh the other digits).
        """
        attention = self.attention_map(low)
        flat = attention.flatten(1)
        positions = sample_without_replacement(flat.detach(), k, generator)
        centres = patch_centres(positions, low.shape[-2:], high.shape[-2:])
        patches = extract_patches(high, centres)
        if patches.dtype == torch.uint8:      # images travel as uint8: a float megapixel batch is 9 MB an image
            patches = patches.float() / 255
        b = patches.shape[0]
        features = self.features(patches.flatten(0, 1)).view(b, k, -1)
        if average == "mean":
            pooled = features.mean(1)
        elif average == "unbiased":
            pooled = expected_features(flat.gather(1, positions), features)
        else:
            raise ValueError(f"average is 'unbiased' or 'mean', not {average!r}")
        return self.classifier(pooled), attention, positions


def entropy(attention: torch.Tensor) -> torch.Tensor:
    """Mean entropy of the attention distributions (B, …); the training rewards it a little."""
    a = attention.flatten(1)
    return -(a * torch.log(a.clamp_min(1e-12))).sum(1).mean()


def full_resolution_logits(model: AttentionSampler, high: torch.Tensor) -> torch.Tensor:
    """The baseline: the same feature network over the whole full-resolution image, then the classifier."""
    return model.classifier(model.features(high))


def attention_in_boxes(attention: np.ndarray, boxes: np.ndarray, high_shape: tuple[int, int]) -> float:
    """Fraction of the attention mass whose patch centre falls inside one of the boxes (x0, y0, x1, y1)."""
    h, w = attention.shape
    rows = (np.arange(h) + 0.5) * high_shape[0] / h
    cols = (np.arange(w) + 0.5) * high_shape[1] / w
    inside = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in boxes:
        inside |= ((rows >= y0) & (rows < y1))[:, None] & ((cols >= x0) & (cols < x1))[None, :]
    return float(attention[inside].sum())
