"""The ImageNet classifiers the page offers, all straight from torchvision.

Each model is a torchvision builder plus its weights enum. The enum gives,
without downloading anything, the class names (``meta["categories"]``), the
preprocessing (``transforms()``) and the URL of the official file, which the
weights catalogue (:mod:`demos.weights`) downloads, checks and caches. The
network itself is always built with ``weights=None`` and then given a
``state_dict`` loaded with ``weights_only=True``, so torchvision's own
downloader (and its cache in ``~/.cache/torch``) is never involved.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torchvision import models as tvm
from torchvision.models import WeightsEnum

from demos import weights
from demos.checkpoints import load_weights
from demos.device import pick_device
from demos.inference import register_route
from demos.imagenet.files import NETWORKS


@dataclass(frozen=True)
class ModelSpec:
    """One offered network: how to build it and where its weights come from."""

    id: str                          # "alexnet": its key in demos.imagenet.files.NETWORKS, the page's option
    builder: Callable[..., nn.Module]
    weights: WeightsEnum             # torchvision's enum member: categories, transforms, url
    target_layer: str                # Grad-CAM: the module whose output is the last feature map
    tokens: bool = False             # a transformer: the target layer outputs (N, 1 + h*w, C) tokens
    paper: str = ""

    @property
    def label(self) -> str:
        """What the page shows, e.g. ``ResNet-50`` (declared with the network's file)."""
        return NETWORKS[self.id].label

    @property
    def artifact_id(self) -> str:
        """Its entry in the weights catalogue."""
        return f"imagenet-{self.id}"

    @property
    def filename(self) -> str:
        """The official torchvision file name, e.g. ``alexnet-owt-7be5be79.pth``."""
        return self.weights.url.rsplit("/", 1)[-1]

    @property
    def categories(self) -> list[str]:
        return list(self.weights.meta["categories"])

    @property
    def size_bytes(self) -> int | None:
        mb = self.weights.meta.get("_file_size")
        return round(mb * 1_000_000) if mb else None


# How torchvision builds each network of demos.imagenet.files.NETWORKS (the same keys, in its order).
# MobileNetV2 uses its V1 weights, the classic ones (Resize 256), which the shared test file matches.
_BUILT = (
    ModelSpec("alexnet", tvm.alexnet, tvm.AlexNet_Weights.IMAGENET1K_V1, "features.11",
              paper="Krizhevsky, Sutskever & Hinton, 2012"),
    ModelSpec("vgg16", tvm.vgg16, tvm.VGG16_Weights.IMAGENET1K_V1, "features.29",
              paper="Simonyan & Zisserman, 2015"),
    ModelSpec("resnet50", tvm.resnet50, tvm.ResNet50_Weights.IMAGENET1K_V2, "layer4", paper="He et al., 2016"),
    ModelSpec("mobilenet_v2", tvm.mobilenet_v2, tvm.MobileNet_V2_Weights.IMAGENET1K_V1, "features.18",
              paper="Sandler et al., 2018"),
    ModelSpec("efficientnet_b0", tvm.efficientnet_b0, tvm.EfficientNet_B0_Weights.IMAGENET1K_V1, "features.8",
              paper="Tan & Le, 2019"),
    # The block's first LayerNorm sees the tokens the last attention mixes: the usual ViT Grad-CAM layer.
    ModelSpec("vit_b_16", tvm.vit_b_16, tvm.ViT_B_16_Weights.IMAGENET1K_V1, "encoder.layers.encoder_layer_11.ln_1",
              tokens=True, paper="Dosovitskiy et al., 2021"),
)
SPECS: dict[str, ModelSpec] = {network: next(spec for spec in _BUILT if spec.id == network) for network in NETWORKS}
DEFAULT_MODEL = "alexnet"


def get_spec(model_id: str) -> ModelSpec:
    """The spec of ``model_id`` (``KeyError`` naming the offered ones otherwise)."""
    try:
        return SPECS[model_id]
    except KeyError:
        raise KeyError(f"unknown model {model_id!r}; offered: {', '.join(SPECS)}") from None


@dataclass
class Classifier:
    """A ready network with what it needs around it (eval mode, on its device)."""

    spec: ModelSpec
    module: nn.Module
    device: torch.device
    pretrained: bool
    source: str = ""                 # the state_dict file, or "" for random weights
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def categories(self) -> list[str]:
        return self.spec.categories

    @property
    def transforms(self) -> nn.Module:
        """torchvision's own eval preprocessing for these weights."""
        return self.spec.weights.transforms()


def weights_path(model_id: str, progress: weights.Progress | None = None, download: bool = True) -> Path:
    """The local file of ``model_id``'s official weights, via the catalogue (may download).

    Raises :class:`~demos.errors.WeightsUnavailable` naming the file and how to fetch it.
    """
    return weights.resolve(get_spec(model_id).artifact_id, progress=progress, download=download)


def load_classifier(model_id: str, state_dict_path: str | Path | None = None, *, pretrained: bool = True,
                    device: torch.device | None = None, warm_up: bool = False) -> Classifier:
    """Build ``model_id`` with ``weights=None`` and load its ImageNet weights.

    ``state_dict_path``: a local ``state_dict`` file to use instead of the
    catalogue (tests, a USB stick). ``pretrained=False``: keep the random
    initial weights (tests of the pipeline, latency benchmarks).
    ``warm_up`` runs one dummy forward pass, so the first timing a visitor
    sees is not the slow first call.
    """
    spec = get_spec(model_id)
    device = device or pick_device()
    module = spec.builder(weights=None)
    source = ""
    if pretrained:
        path = Path(state_dict_path) if state_dict_path is not None else weights_path(model_id)
        load_weights(module, path)   # weights_only; a broken or wrong file raises CheckpointError naming it
        source = str(path)
    module = module.eval().to(device)
    classifier = Classifier(spec, module, device, pretrained, source)
    register_route(module, "imagenet", model_id, source or None, pretrained)   # a cluster's replica loads the same
    if warm_up:
        with torch.inference_mode():
            module(torch.zeros(1, 3, 224, 224, device=device))
    return classifier


@lru_cache(maxsize=4)
def cached_classifier(model_id: str, state_dict_path: str | None = None, pretrained: bool = True) -> Classifier:
    """:func:`load_classifier`, once per process per argument set (for :func:`demos.imagenet.top_k`)."""
    return load_classifier(model_id, state_dict_path, pretrained=pretrained)


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """``fn()`` and the milliseconds it took (synchronising CUDA so the time is real)."""
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, (time.perf_counter() - start) * 1000
