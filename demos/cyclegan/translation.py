"""Run a generator on a picture: sizes, normalisation, timing, and the cycle F(G(x)).

The picture is resized (never cropped: the result must show the whole photo)
so that its longer side is ``size`` and both sides are multiples of 4, as the
generators' two stride-2 layers need; the result is resized to the exact
aspect ratio of the input. Nothing is random, so the same photo always gives
the same result.
"""
from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from PIL import Image
from torch import nn

from demos.cyclegan.load import get_info, load_generator
from demos.device import fast_cpu_dtype, pick_device
from demos.images import require_pixels
from demos.inference import shared_service

MIN_SIDE = 8          # the two downsamplings and the 3-pixel reflection padding need this much
CPU_SIZE = 256        # the resolution the generators were trained at; ~0.2-0.5 s on 2 CPU cores
CPU_MAX_SIZE = 512
GPU_SIZE = 512        # a few tens of ms on a GPU: more detail for free
GPU_MAX_SIZE = 1024
PRECISIONS = ("auto", "float32", "bfloat16")


def round4(value: float) -> int:
    """The nearest multiple of 4, at least :data:`MIN_SIDE`."""
    return max(MIN_SIDE, 4 * round(value / 4))


def output_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) with the longer side ``size`` and the input's aspect ratio (to the pixel)."""
    scale = size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def working_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) the generator runs at: :func:`output_size` with each side rounded to a multiple of 4."""
    w, h = output_size(width, height, size)
    return round4(w), round4(h)


def default_size(device: torch.device | None = None) -> int:
    """The working size to offer first: 256 (the training size) on the CPU, 512 on a GPU."""
    return CPU_SIZE if (device or pick_device()).type == "cpu" else GPU_SIZE


def size_choices(device: torch.device | None = None) -> list[int]:
    """Working sizes worth offering: up to 512 on the CPU (the full generator needs ~1-2 s there), 1024 on a GPU."""
    top = CPU_MAX_SIZE if (device or pick_device()).type == "cpu" else GPU_MAX_SIZE
    return [s for s in (256, 384, 512, 768, 1024) if s <= top]


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """``"auto"``: bfloat16 on a CPU that computes it natively (about 2× faster, colours within
    about 1/255 on average), float32 elsewhere; or the precision named."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "auto":
        return fast_cpu_dtype(device)
    return getattr(torch, precision)


def to_tensor(image: Image.Image, dims: tuple[int, int], device: torch.device | str = "cpu") -> torch.Tensor:
    """(1, 3, h, w) in [-1, 1] (what ``Normalize(0.5, 0.5)`` gives), resized with Lanczos to ``dims``."""
    resized = image.convert("RGB").resize(dims, Image.Resampling.LANCZOS)
    array = torch.from_numpy(np.asarray(resized, dtype=np.float32).copy())
    return (array.permute(2, 0, 1)[None] / 127.5 - 1.0).to(device)


def to_image(tensor: torch.Tensor, dims: tuple[int, int] | None = None) -> Image.Image:
    """The first image of a [-1, 1] batch as RGB, resized to ``dims`` when given."""
    array = ((tensor[0].float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    image = Image.fromarray(array, "RGB")
    return image if dims is None or image.size == tuple(dims) else image.resize(dims, Image.Resampling.LANCZOS)


@dataclass
class Translation:
    """One run of a generator."""

    image: Image.Image          # the result, at ``size`` with the input's aspect ratio
    input: Image.Image          # the input at the same size (for side-by-side views)
    seconds: float              # generator time, including the transfers to and from the device
    work_size: tuple[int, int]  # (w, h) the generator ran at
    device: str
    dtype: str
    tensor: torch.Tensor        # the raw output in [-1, 1], at work_size (for the cycle)


def _run(generator: nn.Module, x: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, float]:
    """generator(x) in inference mode, and its duration in seconds (the GPU waited for)."""
    device = x.device
    autocast = (torch.autocast(device.type, dtype=dtype) if dtype != torch.float32
                else contextlib.nullcontext())
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    with torch.inference_mode(), autocast:
        y = generator(x).float()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return y, time.perf_counter() - start


def _in_service(generator: nn.Module, x: torch.Tensor, dtype: torch.dtype,
                alive: Callable[[], bool] | None = None) -> tuple[torch.Tensor, float]:
    """:func:`_run` in the process's inference service: in the generator's lane, taking turns with the others."""
    return shared_service().run_each(("cyclegan", generator), lambda item: _run(generator, *item), (x, dtype),
                                     alive=alive)


def warm_up(generator: nn.Module, size: int = 64, precision: str = "auto") -> None:
    """Run once on a small blank image: the first call of a fresh model sets up its kernels."""
    parameter = next(generator.parameters())
    x = torch.zeros(1, 3, size, size, device=parameter.device)
    _run(generator, x, resolve_precision(precision, parameter.device))


@functools.lru_cache(maxsize=4)
def _cached_generator(model: str) -> nn.Module:
    return load_generator(model)


def translate_timed(image: Image.Image, model: str = "horse2zebra", size: int = CPU_SIZE,
                    generator: nn.Module | None = None, precision: str = "auto", *,
                    alive: Callable[[], bool] | None = None) -> Translation:
    """Like :func:`translate`, with the timing, the sizes and the resized input.

    ``alive()`` false drops the request once the visitor has left.
    """
    require_pixels(image)
    if size < MIN_SIDE:
        raise ValueError(f"size must be at least {MIN_SIDE}, not {size}")
    if generator is None:
        get_info(model)   # an unknown name fails here, before anything is loaded
        generator = _cached_generator(model)
    device = next(generator.parameters()).device
    dims = output_size(*image.size, size)
    work = working_size(*image.size, size)
    x = to_tensor(image, work, device)
    dtype = resolve_precision(precision, device)
    y, seconds = _in_service(generator, x, dtype, alive)
    return Translation(image=to_image(y, dims), input=to_image(x, dims), seconds=seconds, work_size=work,
                       device=str(device), dtype=str(dtype).removeprefix("torch."), tensor=y)


def translate(image: Image.Image, model: str = "horse2zebra", size: int = CPU_SIZE,
              generator: nn.Module | None = None, precision: str = "auto") -> Image.Image:
    """``image`` translated by the CycleGAN generator ``model`` (e.g. a horse into a zebra).

    The result is an RGB image with the input's aspect ratio and ``size``
    pixels on its longer side. ``model`` names an entry of
    :data:`demos.cyclegan.load.GENERATORS` (its weights come from the
    catalogue); or pass a ``generator`` already loaded, for example by
    ``load_generator(path="my_file.pth")``.
    """
    return translate_timed(image, model, size, generator, precision).image


@dataclass
class Cycle:
    """x → G(x) → F(G(x)), and how far the round trip is from x."""

    forward: Translation
    backward: Translation
    error: float               # mean |F(G(x)) - x| over pixels and channels, on the [0, 1] scale
    error_map: np.ndarray      # (h, w) per-pixel mean over channels, [0, 1], at the working size

    @property
    def reconstruction(self) -> Image.Image:
        return self.backward.image

    @property
    def seconds(self) -> float:
        return self.forward.seconds + self.backward.seconds


def round_trip(image: Image.Image, there: Translation, backward: nn.Module, precision: str = "auto", *,
               alive: Callable[[], bool] | None = None) -> Cycle:
    """Close the cycle of a :func:`translate_timed` result ``there`` (G(x) of ``image``) with ``backward`` (F).

    F runs on G's raw output at the same working size, and the error compares
    it with G's own input: no resampling in between blurs the comparison.
    """
    device = next(backward.parameters()).device
    back_tensor, seconds = _in_service(backward, there.tensor.to(device), resolve_precision(precision, device), alive)
    x = to_tensor(image, there.work_size, device)
    difference = (back_tensor.to(device).clamp(-1, 1) - x).abs().mean(1)[0] / 2     # [-1, 1] → [0, 1] scale
    back = Translation(image=to_image(back_tensor, there.image.size), input=there.image, seconds=seconds,
                       work_size=there.work_size, device=str(device),
                       dtype=str(resolve_precision(precision, device)).removeprefix("torch."), tensor=back_tensor)
    return Cycle(forward=there, backward=back, error=float(difference.mean()), error_map=difference.cpu().numpy())


def cycle(image: Image.Image, forward: nn.Module, backward: nn.Module, size: int = CPU_SIZE,
          precision: str = "auto") -> Cycle:
    """Translate with ``forward`` (G), then back with ``backward`` (F).

    The cycle-consistency loss of CycleGAN trains F(G(x)) to equal x; this
    returns G(x), F(G(x)) and their per-pixel error |F(G(x)) − x|.
    """
    there = translate_timed(image, size=size, generator=forward, precision=precision)
    return round_trip(image, there, backward, precision)
