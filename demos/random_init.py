"""Seeded initial weights without the process's global seed.

``torch.manual_seed`` changes the random stream of every visitor of the
process; a ``torch.Generator`` of one's own does not. PyTorch's layers draw
their initial weights from the global stream, so :func:`reset_parameters`
redraws them from a given generator, with the same distributions as PyTorch's
defaults for ``nn.Linear`` and ``nn.Conv*`` (uniform in ±1/√fan_in, which is
what ``kaiming_uniform_(a=√5)`` amounts to).
"""
from __future__ import annotations

import math

import torch
from torch import nn


@torch.no_grad()
def reset_parameters(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Redraw the weights and biases of every linear and convolution layer of ``module`` from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
            fan_in = layer.weight[0].numel()     # in_features, in_channels/groups (out_channels/groups if transposed) × kernel
            bound = 1 / math.sqrt(fan_in)
            layer.weight.uniform_(-bound, bound, generator=generator)
            if layer.bias is not None:
                layer.bias.uniform_(-bound, bound, generator=generator)
    return module
