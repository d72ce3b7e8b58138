"""Neural style transfer by optimisation (Gatys, Ecker & Bethge, CVPR 2016), with VGG19.

The image itself is what is optimised: starting from the content photo (or
noise), its pixels move to lower

    L_total = α · L_content + β · L_style

where L_content is the mean squared difference between the image's and the
photo's responses at one deep layer (``conv4_2``: objects and their layout),
and L_style the sum over several layers (``conv1_1`` … ``conv5_1``: colours
and textures at growing scales) of the mean squared difference between their
Gram matrices (:func:`demos.style.gram.gram_matrix`). Responses are those of
the layer's ReLU, as in the paper; only the ratio β/α matters (α = 1 here).

VGG19 comes from torchvision (``vgg19(weights=None)``) with the official
ImageNet weights from the weights catalogue (artifact ``style-vgg19``); only
its convolutional part (``.features``) is used, cut after the deepest layer
needed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from demos import weights
from demos.cluster.heavy import reloadable
from demos.device import pick_device
from demos.style.gram import gram_matrix

VGG19_ARTIFACT = "style-vgg19"
# torchvision's ImageNet normalisation, which VGG19's weights expect.
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)

STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")   # Gatys et al.
CONTENT_LAYER = "conv4_2"
# β/α: with the losses above (mean squares, Gram / C·H·W, torchvision's input scale)
# the PyTorch tutorial and Gatys' own code both land around 10⁶.
DEFAULT_RATIO = 1e6
ADAM_LR = 0.03           # pixels in [0, 1]: visible change within ten steps, no blow-up
OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise")

Callback = Callable[[int, dict, Image.Image], None]


def _layer_indices() -> dict[str, int]:
    """``conv<block>_<n>`` → its index in ``vgg19().features`` (the paper's layer names)."""
    from torchvision.models.vgg import cfgs  # VGG19 is configuration "E"

    names, index, block, conv = {}, 0, 1, 1
    for item in cfgs["E"]:
        if item == "M":
            index, block, conv = index + 1, block + 1, 1
        else:
            names[f"conv{block}_{conv}"] = index
            index, conv = index + 2, conv + 1   # the conv and its ReLU
    return names


LAYERS: dict[str, int] = _layer_indices()


def load_vgg19_features(path: str | Path | None = None, device: torch.device | str | None = None,
                        progress: weights.Progress | None = None, pretrained: bool = True) -> nn.Sequential:
    """VGG19's convolutional part, frozen, in eval mode, on ``device`` (default :func:`pick_device`).

    The weights are the official torchvision ImageNet ones: the file ``path``, or
    the catalogue's ``style-vgg19`` (local folder, cache or download; raises
    :class:`~demos.errors.WeightsUnavailable` with a how-to when it cannot be had).
    ``pretrained=False`` keeps torchvision's random initialisation (tests, timing).
    """
    from torchvision.models import vgg19

    model = vgg19(weights=None)
    if pretrained:
        state = torch.load(path or weights.resolve(VGG19_ARTIFACT, progress=progress),
                           map_location="cpu", weights_only=True)
        # the classifier's 400 MB are in the file but never used: load the features only
        model.features.load_state_dict({k.removeprefix("features."): v for k, v in state.items()
                                        if k.startswith("features.")})
        del state
    features = model.features
    for module in features:
        if isinstance(module, nn.ReLU):
            module.inplace = False   # an in-place ReLU would overwrite a response we keep
    features = features.requires_grad_(False).eval().to(device or pick_device())
    # a Gatys job on a cluster sends how to load the official weights, not 80 MB of them (random ones stay here)
    return reloadable(features, load_vgg19_features, path) if pretrained else features


class _Extractor(nn.Module):
    """The responses (after ReLU) of the named layers, running VGG19 no deeper than needed."""

    def __init__(self, features: nn.Sequential, layers: Iterable[str]) -> None:
        super().__init__()
        wanted = {LAYERS[name] + 1: name for name in layers}   # +1: the ReLU after the conv
        self.wanted = wanted
        self.body = features[: max(wanted) + 1]
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (image - self.mean) / self.std
        out = {}
        for index, module in enumerate(self.body):
            # F.relu, not the module: never in place, whatever the module says
            x = F.relu(x) if isinstance(module, nn.ReLU) else module(x)
            if index in self.wanted:
                out[self.wanted[index]] = x
        return out


def _to_tensor(image: Image.Image, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    array = np.asarray(image.convert("RGB").resize(size, Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).contiguous().to(device)


def to_pil(tensor: torch.Tensor) -> Image.Image:
    """A (1, 3, H, W) image in [0, 1] as a PIL image."""
    array = tensor.detach()[0].clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array)


MIN_SIDE = 32   # VGG19 halves the image four times before conv5_1: a thinner strip would vanish


def working_size(image: Image.Image, size: int) -> tuple[int, int]:
    """(width, height) with the longer side ``size``, keeping the aspect ratio (each side at least MIN_SIDE)."""
    width, height = image.size
    scale = size / max(width, height)
    return max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale))


def gatys(content: Image.Image, style: Image.Image, steps: int = 100, size: int = 256,
          callback: Callback | None = None, *, style_layers: Iterable[str] = STYLE_LAYERS,
          content_layer: str = CONTENT_LAYER, ratio: float = DEFAULT_RATIO, optimizer: str = "lbfgs",
          init: str = "content", features: nn.Sequential | None = None,
          should_stop: Callable[[], bool] | None = None, report_every: int | None = None,
          lr: float | None = None, seed: int = 0) -> Image.Image:
    """``content`` painted in the style of ``style``: the image after ``steps`` optimisation steps.

    ``size`` is the longer side of the result (the style image is brought to
    the same longer side). ``ratio`` is β/α, the style weight over the content
    weight. ``optimizer``: ``"lbfgs"`` (one step = one L-BFGS iteration, as
    in the paper) or ``"adam"`` (learning rate ``lr``, default
    :data:`ADAM_LR`). ``init``: start from the ``"content"`` photo or from
    uniform ``"noise"``. ``features`` is VGG19's ``.features`` to use (default
    :func:`load_vgg19_features`, which may raise
    :class:`~demos.errors.WeightsUnavailable`).

    ``callback(step, losses, preview)`` is called at step 0, every
    ``report_every`` steps (default: about 20 previews in all) and after the
    last step, with ``losses = {"content", "style", "total"}`` (floats) and
    ``preview`` the image at that step. ``should_stop()`` returning True ends
    the optimisation early: the image as it is then is returned.
    """
    style_layers = tuple(style_layers)
    unknown = [name for name in (*style_layers, content_layer) if name not in LAYERS]
    if unknown or not style_layers:
        raise ValueError(f"unknown or no layers {unknown}; known: {', '.join(LAYERS)}")
    if optimizer not in OPTIMIZERS or init not in INITS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, init one of {INITS}")
    if features is None:
        features = load_vgg19_features()
    device = next(features.parameters()).device
    features.requires_grad_(False)   # shared between sessions: gradients go to the pixels only
    extractor = _Extractor(features, {*style_layers, content_layer}).to(device)
    report_every = report_every or max(1, steps // 20)

    shape = working_size(content, size)
    content_t = _to_tensor(content, shape, device)
    style_t = _to_tensor(style, working_size(style, size), device)
    with torch.no_grad():
        target_content = extractor(content_t)[content_layer]
        style_out = extractor(style_t)
        target_grams = {name: gram_matrix(style_out[name]) for name in style_layers}
        del style_out
    if init == "content":
        image = content_t.clone()
    else:
        generator = torch.Generator().manual_seed(seed)
        image = torch.rand(content_t.shape, generator=generator).to(device)   # white noise, as in the paper
    image.requires_grad_(True)
    if optimizer == "lbfgs":
        opt: torch.optim.Optimizer = torch.optim.LBFGS([image], lr=lr or 1.0, max_iter=1, history_size=50)
    else:
        opt = torch.optim.Adam([image], lr=lr or ADAM_LR)

    def losses_of(x: torch.Tensor) -> tuple[torch.Tensor, dict]:
        out = extractor(x)
        content_loss = F.mse_loss(out[content_layer], target_content)
        style_loss = sum(F.mse_loss(gram_matrix(out[name]), target_grams[name]) for name in style_layers)
        total = content_loss + ratio * style_loss
        return total, {"content": content_loss.item(), "style": style_loss.item(), "total": total.item()}

    seen: list[dict] = []

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        total, losses = losses_of(image)
        total.backward()
        seen.append(losses)
        return total

    for step in range(steps + 1):
        if step == steps or (should_stop is not None and should_stop()):
            if callback is not None:
                with torch.no_grad():
                    callback(step, losses_of(image)[1], to_pil(image))
            break
        report = callback is not None and step % report_every == 0
        preview = to_pil(image) if report else None   # the image these losses are of, before it moves
        seen.clear()
        if optimizer == "lbfgs":
            opt.step(closure)
        else:
            closure()
            opt.step()
        with torch.no_grad():
            image.clamp_(0, 1)   # stay a displayable image
        if report:
            callback(step, seen[0], preview)
    return to_pil(image)


def layer_gram(image: Image.Image, layer: str, size: int, features: nn.Sequential) -> torch.Tensor:
    """The Gram matrix (C × C, on the CPU) of ``layer`` for ``image`` brought to longer side ``size``."""
    device = next(features.parameters()).device
    with torch.inference_mode():
        out = _Extractor(features, [layer]).to(device)(_to_tensor(image, working_size(image, size), device))
        return gram_matrix(out[layer])[0].cpu()
