"""The two CycleGAN generator architectures, with the module names of their authors' code.

- :class:`ResnetGenerator`: the generator of Zhu et al. (2017), as in
  junyanz/pytorch-CycleGAN-and-pix2pix (``--netG resnet_9blocks --norm instance
  --no_dropout``): ReflectionPad → 7×7 conv → two stride-2 convs → 9 residual
  blocks at 256 channels → two transposed convs → 7×7 conv → tanh. 11.4 M
  parameters. Its layers live in one ``nn.Sequential`` named ``model``, so the
  official checkpoints' keys (``model.1.weight``, ``model.10.conv_block.1.weight``…)
  load as they are.
- :class:`SubMobileResnetGenerator`: the compressed generator of "GAN
  Compression" (Li et al., 2020; mit-han-lab/gan-compression,
  ``--netG sub_mobile_resnet_9blocks``): the same layout, but every residual
  block uses depthwise-separable convolutions and every layer has the width
  its architecture search picked (``config_str`` ``16_16_32_16_32_32_16_16``
  for horse→zebra: 0.36 M parameters, about 20× less compute).

Both take images in [-1, 1] (N, 3, H, W) with H and W multiples of 4 and
return the same shape, in [-1, 1].
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

# The released horse→zebra compressed generator (its checkpoint's ``config_str``).
COMPRESSED_HORSE2ZEBRA = (16, 16, 32, 16, 32, 32, 16, 16)


def _norm(channels: int) -> nn.InstanceNorm2d:
    # Instance norm without affine parameters nor running statistics, as both
    # projects build it; its num_features is not used by the computation.
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    """x + [pad, conv 3×3, IN, ReLU, pad, conv 3×3, IN](x); conv layers at indices 1 and 5."""

    def __init__(self, dim: int, use_dropout: bool = False) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _norm(dim), nn.ReLU(True)]
        if use_dropout:   # the released models were trained with --no_dropout
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """The CycleGAN ResNet generator (``resnet_9blocks``, ngf=64, instance norm, reflection padding)."""

    def __init__(self, input_nc: int = 3, output_nc: int = 3, ngf: int = 64, n_blocks: int = 9,
                 use_dropout: bool = False) -> None:
        super().__init__()
        # Convolutions carry a bias because instance norm has no affine shift here.
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7), _norm(ngf), nn.ReLU(True)]
        channels = ngf
        for _ in range(2):                                   # downsample: 64 → 128 → 256
            layers += [nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1), _norm(channels * 2), nn.ReLU(True)]
            channels *= 2
        layers += [ResnetBlock(channels, use_dropout) for _ in range(n_blocks)]
        for _ in range(2):                                   # upsample: 256 → 128 → 64
            layers += [nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1),
                       _norm(channels // 2), nn.ReLU(True)]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class SeparableConv2d(nn.Module):
    """Depthwise 3×3 (``conv.0``) → instance norm (``conv.1``) → pointwise 1×1 (``conv.2``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, kernel_size, groups=in_channels),
            _norm(in_channels),
            nn.Conv2d(in_channels, out_channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class MobileResnetBlock(nn.Module):
    """x + [pad, Sep(c→h), IN, ReLU, Dropout, pad, Sep(h→c), IN](x); Sep at indices 1 and 6."""

    def __init__(self, channels: int, hidden: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), SeparableConv2d(channels, hidden), _norm(hidden), nn.ReLU(True),
            nn.Dropout(dropout),
            nn.ReflectionPad2d(1), SeparableConv2d(hidden, channels), _norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class SubMobileResnetGenerator(nn.Module):
    """GAN Compression's ``sub_mobile_resnet_9blocks`` generator for one searched ``config``.

    ``config`` has 8 widths (the ``config_str`` split on ``_``): ``c[0]`` for
    the first conv, ``c[1]`` and ``c[2]`` for the downsampling convs (×2 and ×4),
    ``c[3..5]`` for the hidden width (×4) of blocks 1-3, 4-6 and 7-9, and
    ``c[6]``, ``c[7]`` for the two upsampling layers.
    """

    def __init__(self, config: Sequence[int] = COMPRESSED_HORSE2ZEBRA, input_nc: int = 3, output_nc: int = 3,
                 n_blocks: int = 9) -> None:
        super().__init__()
        c = tuple(int(v) for v in config)
        if len(c) != 8:
            raise ValueError(f"config needs 8 widths, got {len(c)}: {config!r}")
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, c[0], 7), _norm(c[0]), nn.ReLU(True)]
        channels = c[0]
        for i in range(2):   # the authors' widths: out = c[i+1] · 2^(i+1)
            out = c[i + 1] * 2 ** (i + 1)
            layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1), _norm(out), nn.ReLU(True)]
            channels = out
        layers += [MobileResnetBlock(channels, c[3 + i // 3] * 4) for i in range(n_blocks)]
        for i in range(2):   # out = c[6+i] · 2^(1-i): 4·c[6]/2 then 2·c[7]/2
            out = c[6 + i] * 2 ** (1 - i)
            layers += [nn.ConvTranspose2d(channels, out, 3, stride=2, padding=1, output_padding=1),
                       _norm(out), nn.ReLU(True)]
            channels = out
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The authors clamp: a slightly out-of-range input must not leave the training range.
        return self.model(x.clamp(-1, 1))


def parameter_count(module: nn.Module) -> int:
    """Number of parameters (what a checkpoint stores, as float32: 4 bytes each)."""
    return sum(p.numel() for p in module.parameters())


def count_macs(generator: nn.Module, height: int = 256, width: int = 256) -> int:
    """Multiply-accumulates of the convolutions for one (height × width) image.

    Counted from each conv's output size and kernel, so that the page can say
    how much less work the compressed generator does; normalisation,
    activations and padding are left out (a few percent at most).
    """
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor], output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.ConvTranspose2d):
            # Each input pixel is spread by the whole kernel to every output channel.
            per_input = module.out_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += inputs[0].numel() * per_input
        else:
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * per_output

    convs = [m for m in generator.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    handles = [m.register_forward_hook(hook) for m in convs]
    try:
        parameter = next(generator.parameters())
        with torch.inference_mode():
            generator(torch.zeros(1, 3, height, width, dtype=parameter.dtype, device=parameter.device))
    finally:
        for handle in handles:
            handle.remove()
    return total


def macs_per_pixel(generator: nn.Module) -> float:
    """Convolution multiply-accumulates per input pixel (counted on 64×64; exact for any size
    whose sides are multiples of 4, since every layer's work grows with the pixel count)."""
    return count_macs(generator, 64, 64) / (64 * 64)
