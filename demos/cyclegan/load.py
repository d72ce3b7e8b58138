"""Which CycleGAN generators exist, and how a checkpoint becomes a ready module.

:data:`GENERATORS` lists every released generator the page offers, each with
its catalogue artifact (``demos.weights``, section "CycleGAN") and, where the
authors released the other direction too, its inverse (for the cycle
F(G(x)) ≈ x). :func:`load_generator` loads one from the catalogue or from any
local file; the architecture is read from the checkpoint's own keys and
shapes, so a file of either architecture loads whatever its name.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import torch
from torch import nn

from demos import weights
from demos.cyclegan.generators import (
    ResnetGenerator,
    SubMobileResnetGenerator,
    macs_per_pixel,
    parameter_count,
)
from demos.device import pick_device
from demos.errors import DemoError
from demos.inference import register_route

FULL = "resnet_9blocks"
COMPRESSED = "sub_mobile_resnet_9blocks"
# Left in old checkpoints by PyTorch < 0.4, whose InstanceNorm kept running statistics.
_STALE_SUFFIXES = (".running_mean", ".running_var", ".num_batches_tracked")


@dataclass(frozen=True)
class GeneratorInfo:
    """One released generator: what it turns into what, and where its weights are."""

    id: str                   # e.g. "horse2zebra"; also the name of the official file
    source: str               # domain it reads (i18n key suffix: "cyclegan.domain.<source>")
    target: str               # domain it writes
    inverse: str | None       # the generator of the opposite direction, when released
    architecture: str = FULL

    @property
    def artifact(self) -> str:
        """Its id in the weights catalogue."""
        return "cyclegan-" + self.id.replace("_", "-")


def _table(*rows: GeneratorInfo) -> dict[str, GeneratorInfo]:
    return {row.id: row for row in rows}


# The official generators of junyanz/pytorch-CycleGAN-and-pix2pix, in the page's order,
# then GAN Compression's horse→zebra generator (the "fast mode").
GENERATORS: dict[str, GeneratorInfo] = _table(
    GeneratorInfo("horse2zebra", "horse", "zebra", "zebra2horse"),
    GeneratorInfo("zebra2horse", "zebra", "horse", "horse2zebra"),
    GeneratorInfo("summer2winter_yosemite", "summer", "winter", "winter2summer_yosemite"),
    GeneratorInfo("winter2summer_yosemite", "winter", "summer", "summer2winter_yosemite"),
    GeneratorInfo("apple2orange", "apple", "orange", "orange2apple"),
    GeneratorInfo("orange2apple", "orange", "apple", "apple2orange"),
    GeneratorInfo("style_monet", "photo", "monet", "monet2photo"),
    GeneratorInfo("monet2photo", "monet", "photo", "style_monet"),
    GeneratorInfo("style_vangogh", "photo", "vangogh", None),
    GeneratorInfo("style_cezanne", "photo", "cezanne", None),
    GeneratorInfo("style_ukiyoe", "photo", "ukiyoe", None),
    GeneratorInfo("horse2zebra_compressed", "horse", "zebra", "zebra2horse", COMPRESSED),
)
# The full generator each compressed one stands in for, in fast mode.
FAST_MODE = {"horse2zebra": "horse2zebra_compressed"}


def get_info(model_id: str) -> GeneratorInfo:
    """The :data:`GENERATORS` entry ``model_id`` (a ``KeyError`` naming the known ones otherwise)."""
    try:
        return GENERATORS[model_id]
    except KeyError:
        raise KeyError(f"unknown CycleGAN generator {model_id!r}; known: {', '.join(GENERATORS)}") from None


class CheckpointError(DemoError, ValueError):
    """A file that is not a CycleGAN generator this project knows."""


def _bad_file(path: Path | str, reason: str) -> CheckpointError:
    return CheckpointError("cyclegan.bad_checkpoint", "{file} is not a CycleGAN generator checkpoint ({reason}).",
                           file=Path(path).name, reason=reason)


def clean_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors a current generator expects, from an old or wrapped checkpoint.

    Strips the ``module.`` prefix that ``nn.DataParallel`` adds, and drops the
    ``running_mean`` / ``running_var`` / ``num_batches_tracked`` entries that
    PyTorch < 0.4 saved for InstanceNorm layers: the generators normalise every
    image by its own statistics, so these were never used (they are the only
    statistics either architecture could have: it has no BatchNorm).
    """
    cleaned = {}
    for key, value in state_dict.items():
        key = key.removeprefix("module.")
        if key.endswith(_STALE_SUFFIXES):
            continue
        cleaned[key] = value
    return cleaned


def _config_from(state: Mapping[str, torch.Tensor]) -> tuple[str, dict]:
    """The architecture and constructor arguments that produce exactly these keys and shapes."""
    blocks = sorted({int(m.group(1)) for key in state if (m := re.match(r"model\.(\d+)\.conv_block\.", key))})
    if "model.1.weight" not in state or not blocks:
        raise ValueError("no 'model.1.weight' and no residual blocks 'model.N.conv_block'")
    if f"model.{blocks[0]}.conv_block.1.conv.0.weight" in state:     # depthwise-separable blocks
        first, up = blocks[0], blocks[-1] + 1
        hidden = [state[f"model.{first + 3 * i}.conv_block.1.conv.2.weight"].shape[0] // 4 for i in range(3)]
        config = (state["model.1.weight"].shape[0], state["model.4.weight"].shape[0] // 2,
                  state["model.7.weight"].shape[0] // 4, *hidden,
                  state[f"model.{up}.weight"].shape[1] // 2, state[f"model.{up + 3}.weight"].shape[1])
        return COMPRESSED, dict(config=config, n_blocks=len(blocks))
    return FULL, dict(ngf=state["model.1.weight"].shape[0], n_blocks=len(blocks))


def build_generator(state_dict: Mapping[str, torch.Tensor], path: Path | str = "state_dict") -> nn.Module:
    """A generator (CPU, eval mode) holding ``state_dict``, whose architecture it is read from.

    Raises :class:`CheckpointError` when the keys or shapes fit neither architecture.
    """
    state = clean_state_dict(state_dict)
    try:
        architecture, kwargs = _config_from(state)
        model = (SubMobileResnetGenerator if architecture == COMPRESSED else ResnetGenerator)(**kwargs)
        model.load_state_dict(state, strict=True)
    except (ValueError, KeyError, IndexError, RuntimeError) as error:
        raise _bad_file(path, str(error).splitlines()[0][:300]) from error
    return model.eval()


def load_generator(model_id: str | None = "horse2zebra", path: str | Path | None = None,
                   device: torch.device | str | None = None, progress: weights.Progress | None = None) -> nn.Module:
    """A generator in eval mode on ``device`` (default: :func:`demos.device.pick_device`).

    With ``path``, the checkpoint is that local file (any generator of either
    architecture; ``model_id`` is then ignored). Otherwise the file of
    ``model_id`` comes from the weights catalogue (``$DLDEMOS_WEIGHTS_DIR``,
    the cache, or a download, ``progress`` reporting it); raises
    :class:`~demos.errors.WeightsUnavailable` with a how-to when it cannot be had.
    """
    if path is None:
        if model_id is None:
            raise ValueError("give a model_id or a path")
        path = weights.resolve(get_info(model_id).artifact, progress=progress)
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as error:   # pickle, zip and weights_only refusals have no common base class
        raise _bad_file(path, f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}") from error
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]   # a training checkpoint wrapping the weights
    if not isinstance(state, Mapping):
        raise _bad_file(path, f"it holds a {type(state).__name__}, not a state_dict")
    return register_route(build_generator(state, path).to(device or pick_device()), "cyclegan", model_id, path)


@functools.lru_cache(maxsize=None)
def architecture_cost(model_id: str) -> tuple[int, float]:
    """(parameters, multiply-adds per pixel) of ``model_id``'s architecture, without its weights."""
    info = get_info(model_id)
    with torch.device("meta"):   # shapes only: no memory, no initialisation, no arithmetic
        model = SubMobileResnetGenerator() if info.architecture == COMPRESSED else ResnetGenerator()
    return parameter_count(model), macs_per_pixel(model.eval())
