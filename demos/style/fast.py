"""Fast neural style (Johnson, Alahi & Fei-Fei, ECCV 2016): one forward pass per image.

A feed-forward "transformer" network is trained once per style to do what the
Gatys optimisation does, so stylising a photo is a single pass, fast enough for
a camera in a live talk. Two architectures, with the module names of the code
that released the weights, so those files load as they are:

- :class:`TransformerNet`, pytorch/examples ``fast_neural_style`` (models
  candy, mosaic, rain_princess, udnie; 1.7 M parameters). Its checkpoints were
  saved by PyTorch < 0.4, whose InstanceNorm kept ``running_mean`` /
  ``running_var``: they are dropped on loading, as pytorch/examples does.
- :class:`TransformerMobileNet`, mmalotin/pytorch-fast-neural-style-mobilenetV2:
  the same network with MobileNetV2 bottlenecks (0.24 M parameters; models
  candy, mosaic, picasso).

Both take RGB in 0–255 and give RGB in 0–255 (clamped).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from demos import limits, weights
from demos.device import fast_cpu_dtype, pick_device
from demos.errors import DemoError, WeightsUnavailable
from demos.images import require_pixels
from demos.inference import register_route, shared_service

JOHNSON = "johnson"
MOBILENET = "mobilenet"
# pytorch/examples' own filter (neural_style.py, stylize()), plus the counter newer PyTorch adds.
_STALE = re.compile(r"in\d+\.(running_(mean|var)|num_batches_tracked)$")


# --------------------------------------------------------------------------- pytorch/examples

class ConvLayer(nn.Module):
    """Reflection padding then a convolution (keeps the size at stride 1)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    """conv → IN → ReLU → conv → IN, plus the input (He et al., 2016)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.in2(self.conv2(self.relu(self.in1(self.conv1(x)))))


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour upsampling then a convolution (no checkerboard, unlike a transposed conv)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 upsample: int | None = None) -> None:
        super().__init__()
        self.upsample = upsample
        if upsample:
            self.upsample_layer = nn.Upsample(mode="nearest", scale_factor=upsample)
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = self.upsample_layer(x)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    """Johnson et al.'s image transformation network, as pytorch/examples names its modules."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = ConvLayer(3, 32, kernel_size=9, stride=1)
        self.in1 = nn.InstanceNorm2d(32, affine=True)
        self.conv2 = ConvLayer(32, 64, kernel_size=3, stride=2)
        self.in2 = nn.InstanceNorm2d(64, affine=True)
        self.conv3 = ConvLayer(64, 128, kernel_size=3, stride=2)
        self.in3 = nn.InstanceNorm2d(128, affine=True)
        self.res1, self.res2, self.res3, self.res4, self.res5 = (ResidualBlock(128) for _ in range(5))
        self.deconv1 = UpsampleConvLayer(128, 64, kernel_size=3, stride=1, upsample=2)
        self.in4 = nn.InstanceNorm2d(64, affine=True)
        self.deconv2 = UpsampleConvLayer(64, 32, kernel_size=3, stride=1, upsample=2)
        self.in5 = nn.InstanceNorm2d(32, affine=True)
        self.deconv3 = ConvLayer(32, 3, kernel_size=9, stride=1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.relu(self.in3(self.conv3(y)))
        y = self.res5(self.res4(self.res3(self.res2(self.res1(y)))))
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


# --------------------------------------------------------------------------- MobileNetV2 variant

class Bottleneck(nn.Module):
    """MobileNetV2 block: 1×1 conv → IN → ReLU6 → depthwise k×k → IN → ReLU6 → 1×1 conv → IN (+ input)."""

    def __init__(self, inp_c: int, out_c: int, kernel_size: int, stride: int, t: int = 1) -> None:
        super().__init__()
        self.residual = stride == 1 and inp_c == out_c
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv1 = nn.Conv2d(inp_c, t * inp_c, 1, 1, bias=False)
        self.in1 = nn.InstanceNorm2d(t * inp_c, affine=True)
        self.conv2 = nn.Conv2d(t * inp_c, t * inp_c, kernel_size, stride, groups=t * inp_c, bias=False)
        self.in2 = nn.InstanceNorm2d(t * inp_c, affine=True)
        self.conv3 = nn.Conv2d(t * inp_c, out_c, 1, 1, bias=False)
        self.in3 = nn.InstanceNorm2d(out_c, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu6(self.in1(self.conv1(x)))
        out = F.relu6(self.in2(self.conv2(self.reflection_pad(out))))
        out = self.in3(self.conv3(out))
        return x + out if self.residual else out


class UpsampleConv(nn.Module):
    """Nearest ×2 upsampling, a bottleneck, then ReLU."""

    def __init__(self, inp_c: int, out_c: int, kernel_size: int, stride: int, upsample: int = 2) -> None:
        super().__init__()
        self.upsample = nn.Upsample(mode="nearest", scale_factor=upsample) if upsample else None
        self.conv1 = Bottleneck(inp_c, out_c, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample is not None:
            x = self.upsample(x)
        return F.relu(self.conv1(x))


class TransformerMobileNet(nn.Module):
    """The transformation network with MobileNetV2 bottlenecks (mmalotin's module names)."""

    def __init__(self) -> None:
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(9 // 2)
        self.conv1 = nn.Conv2d(3, 32, kernel_size=9, stride=1, bias=False)
        self.in1 = nn.InstanceNorm2d(32, affine=True)
        self.conv2 = Bottleneck(32, 64, kernel_size=3, stride=2)
        self.conv3 = Bottleneck(64, 128, kernel_size=3, stride=2)
        self.res1, self.res2, self.res3, self.res4, self.res5 = (Bottleneck(128, 128, 3, 1) for _ in range(5))
        self.upconv1 = UpsampleConv(128, 64, kernel_size=3, stride=1)
        self.upconv2 = UpsampleConv(64, 32, kernel_size=3, stride=1)
        self.conv4 = nn.Conv2d(32, 3, kernel_size=9, stride=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.in1(self.conv1(self.reflection_pad(x))))
        out = self.conv3(self.conv2(out))
        out = self.res5(self.res4(self.res3(self.res2(self.res1(out)))))
        out = self.upconv2(self.upconv1(out))
        return self.conv4(self.reflection_pad(out))


# --------------------------------------------------------------------------- the released models

@dataclass(frozen=True)
class FastModel:
    """One released fast-style network."""

    id: str            # "candy", "candy-mobilenet", ...
    style: str         # the painting it imitates (i18n: "style.fast.style.<style>")
    architecture: str  # JOHNSON or MOBILENET

    @property
    def artifact(self) -> str:
        """Its id in the weights catalogue."""
        return f"style-fast-{self.id}"


FAST_MODELS: dict[str, FastModel] = {m.id: m for m in (
    FastModel("candy", "candy", JOHNSON), FastModel("mosaic", "mosaic", JOHNSON),
    FastModel("rain_princess", "rain_princess", JOHNSON), FastModel("udnie", "udnie", JOHNSON),
    FastModel("candy-mobilenet", "candy", MOBILENET), FastModel("mosaic-mobilenet", "mosaic", MOBILENET),
    FastModel("picasso-mobilenet", "picasso", MOBILENET),
)}


class FastStyleError(DemoError, ValueError):
    """A file that is no fast-style network this project knows."""


def clean_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the InstanceNorm running statistics of old checkpoints (never used: IN normalises per image)."""
    return {key.removeprefix("module."): value for key, value in state_dict.items() if not _STALE.search(key)}


def architecture_of(state_dict: Mapping[str, torch.Tensor]) -> str:
    """JOHNSON or MOBILENET, read from the keys (so a file loads whatever its name)."""
    if "deconv3.conv2d.weight" in state_dict:
        return JOHNSON
    if "upconv1.conv1.conv1.weight" in state_dict:
        return MOBILENET
    raise ValueError("neither 'deconv3.conv2d.weight' (pytorch/examples) nor 'upconv1.conv1.conv1.weight' (MobileNetV2)")


def build(architecture: str) -> nn.Module:
    """A network of ``architecture`` with random weights (tests, timing)."""
    return {JOHNSON: TransformerNet, MOBILENET: TransformerMobileNet}[architecture]()


def from_state_dict(state_dict: Mapping[str, torch.Tensor], name: str = "state_dict") -> nn.Module:
    """The network holding ``state_dict`` (CPU, eval mode); :class:`FastStyleError` when it fits neither."""
    state = clean_state_dict(state_dict)
    try:
        model = build(architecture_of(state))
        model.load_state_dict(state, strict=True)
    except (ValueError, RuntimeError) as error:
        raise FastStyleError("style.fast.bad_file", "{file} is not a fast-style network ({reason}).",
                             file=name, reason=str(error).splitlines()[0][:300]) from error
    return model.eval()


def load_fast_model(model_id: str = "candy", path: str | Path | None = None,
                    device: torch.device | str | None = None, progress: weights.Progress | None = None) -> nn.Module:
    """A fast-style network in eval mode on ``device`` (default :func:`pick_device`).

    From the file ``path``, else from the catalogue entry of ``model_id``
    (:data:`FAST_MODELS`); raises :class:`~demos.errors.WeightsUnavailable`
    naming the file and how to get it.
    """
    from_catalogue = path is None
    if from_catalogue:
        path = weights.resolve(FAST_MODELS[model_id].artifact, progress=progress)
    path = Path(path)
    try:
        # the MobileNet files are legacy (pre-zip) pickles: weights_only reads them too
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:   # pickle, zip and weights_only refusals share no base class
        raise FastStyleError("style.fast.bad_file", "{file} is not a fast-style network ({reason}).",
                             file=path.name, reason=f"{type(error).__name__}: {str(error)[:200]}") from error
    if not isinstance(state, Mapping):
        raise FastStyleError("style.fast.bad_file", "{file} is not a fast-style network ({reason}).",
                             file=path.name, reason=f"it holds a {type(state).__name__}")
    model = from_state_dict(state, path.name)
    expected = FAST_MODELS[model_id].architecture
    if from_catalogue and isinstance(model, TransformerNet) != (expected == JOHNSON):
        # mmalotin's candy.pth copied as pytorch/examples' candy.pth (or the reverse): told apart by the
        # keys, so the page never labels one network with the other's name and license
        raise FastStyleError("style.fast.other_network", "`{file}` holds the {found} network, not the {expected} "
                             "one its name says: run `python -m demos.fetch --import {file}` to put it in its place.",
                             file=path.name, found=_ARCHITECTURE_NAMES[JOHNSON if isinstance(model, TransformerNet)
                                                                      else MOBILENET],
                             expected=_ARCHITECTURE_NAMES[expected])
    # a cluster's replica loads the same network (demos.cluster)
    return register_route(model.to(device or pick_device()), "fast style", model_id, path)


_ARCHITECTURE_NAMES = {JOHNSON: "pytorch/examples", MOBILENET: "MobileNetV2 (mmalotin)"}


def candidates(style: str) -> list[str]:
    """The model ids that can paint ``style``: the model of that id, or the official then the MobileNet one."""
    found = [m.id for m in FAST_MODELS.values() if m.id == style or (m.style == style and m.architecture == MOBILENET)]
    if not found:
        raise KeyError(f"unknown style {style!r}; known: {', '.join(FAST_MODELS)}")
    return found


def available(model_id: str) -> bool:
    """Whether the file of ``model_id`` is on this machine."""
    return weights.locate(FAST_MODELS[model_id].artifact) is not None


def pick_model(style: str) -> str:
    """The model id to use for ``style``: the first candidate on this machine, else the first that downloads.

    Raises the first candidate's :class:`~demos.errors.WeightsUnavailable` when none can be had.
    """
    ids = candidates(style)
    for model_id in ids:
        if available(model_id):
            return model_id
    first_error: WeightsUnavailable | None = None
    for model_id in ids:
        try:
            weights.resolve(FAST_MODELS[model_id].artifact)
            return model_id
        except WeightsUnavailable as error:
            first_error = first_error or error
    raise first_error  # type: ignore[misc]


MIN_SIDE = 16   # the networks' reflection paddings need more than 4 pixels after two stride-2 layers


def _pad_to(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, int, int]:
    """Pad bottom/right so both sides divide by ``multiple`` (two stride-2 layers, then ×2 ×2), at least MIN_SIDE."""
    h, w = x.shape[-2:]
    ph, pw = (max(-side % multiple, MIN_SIDE - side + -MIN_SIDE % multiple) for side in (h, w))
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, h, w


def stylize_tensor(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) RGB 0–255 → the same size, stylised, clamped to 0–255.

    On a CPU that computes bfloat16 natively it runs under bf16 autocast:
    25–40 % faster at 512², a difference of a grey level or two in the colours.
    """
    padded, h, w = _pad_to(x, 4)
    dtype = fast_cpu_dtype(x.device)
    with torch.autocast(x.device.type, dtype=dtype, enabled=dtype != torch.float32):
        y = model(padded)
    return y[..., :h, :w].float().clamp(0, 255)


def fast_stylize(image: Image.Image, style: str = "candy", model: nn.Module | None = None, *,
                 alive: Callable[[], bool] | None = None) -> Image.Image:
    """``image`` (any size) painted in ``style`` by one forward pass; the result has the same size.

    ``style``: a :data:`FAST_MODELS` id or a style name (``"candy"``: the official
    pytorch/examples network when it is here, else its MobileNetV2 version).
    ``model``: a network to use instead (``style`` is then ignored).
    The forward pass runs in the process's inference service; ``alive()`` false
    drops it once the visitor has left.
    """
    require_pixels(image)
    side = limits.max_fast_style_size()
    if max(image.size) > side:
        raise DemoError("style.error.too_big", "Fast style paints pictures up to {side} px on this server, not "
                        "{width}×{height}.", side=side, width=image.width, height=image.height)
    if model is None:
        model = load_fast_model(pick_model(style))
    x = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)

    return Image.fromarray(shared_service().run_each(("fast style", model), partial(paint, model), x, alive=alive))


def paint(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """One picture (a (1, 3, H, W) float tensor, 0..255) painted by ``model``: (H, W, 3) uint8."""
    with torch.inference_mode():
        device = next(model.parameters()).device
        return stylize_tensor(model, x.to(device))[0].permute(1, 2, 0).round().byte().cpu().numpy()
