"""The Gram matrix of a layer's feature maps: what neural style transfer calls "style".

For a layer with C feature maps of H×W positions, flatten each map into a row of
F (C × M, M = H·W). The lecture (seed 003) writes

    G_ij = Σ_k F_ik F_jk          (G = F Fᵀ)

so G_ij is large when feature maps i and j fire together, wherever that is in
the image: textures and colours, not the layout.

Normalisation: :func:`gram_matrix` divides that sum by C·H·W (the number of
values in the layer), as the PyTorch tutorial and Gatys' own PyTorch code
(with their per-layer weights folded in) do. The Gram of a layer then does not
grow with the image size, and a style image of another size than the content
image can be compared with it directly. Gatys et al. (2016) keep the raw sum
and put the factor 1/(4 N² M²) into the style loss instead: the two differ by
constant factors only, absorbed in the style weight. ``normalize=False``
gives the raw sum of the lecture's formula.
"""
from __future__ import annotations

import torch


def gram_matrix(features: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """The Gram matrix of ``features`` (``(B, C, H, W)`` → ``(B, C, C)``; ``(C, H, W)`` → ``(C, C)``).

    ``G[b, i, j] = Σ_k F[b, i, k] F[b, j, k] / (C·H·W)`` with k running over the
    H·W positions; without the division when ``normalize`` is False.
    """
    if features.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (B, C, H, W) features, got shape {tuple(features.shape)}")
    batched = features.dim() == 4
    if not batched:
        features = features.unsqueeze(0)
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    gram = torch.bmm(flat, flat.transpose(1, 2))
    if normalize:
        gram = gram / (c * h * w)
    return gram if batched else gram[0]
