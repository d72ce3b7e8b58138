"""BigGAN-deep (Brock et al., 2019) through the lecture's library, pytorch-pretrained-BigGAN.

Weights come through the weights catalogue (``gan-biggan-deep-{128,256,512}-*``:
a folder holding ``config.json`` + ``pytorch_model.bin``, the package's own
format), or from any such folder given as ``model_dir``. Class names map to
ImageNet indices through torchvision's ImageNet category list (no NLTK/WordNet).
"""
from __future__ import annotations

import io
import math
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image

from demos import weights
from demos.checkpoints import read_state_dict
from demos.cluster.heavy import reloadable
from demos.errors import DemoError

MODELS = ("biggan-deep-128", "biggan-deep-256", "biggan-deep-512")
CONFIG_NAME, WEIGHTS_NAME = "config.json", "pytorch_model.bin"
LECTURE_CLASSES = ("coffee", "mushroom", "military uniform", "garter snake")   # seed 004
LECTURE_TRUNCATION = 0.4
# Names the lecture uses that are not an ImageNet category name: the package's
# WordNet lookup turns "coffee" into its hyponym "espresso"; the same here, without NLTK.
ALIASES = {"coffee": "espresso"}


def artifact_ids(name: str) -> tuple[str, str]:
    """The catalogue ids of a model's config and weights."""
    return f"gan-{name}-config", f"gan-{name}-pytorch-model"


def model_folder(name: str = "biggan-deep-128", download: bool = True,
                 progress: Callable[[int, int | None], None] | None = None) -> Path:
    """The folder holding ``name``'s two files (via the catalogue); raises WeightsUnavailable."""
    if name not in MODELS:
        raise DemoError("gan.error.bad_model", "Unknown BigGAN model {name}; choose one of {models}.",
                        name=name, models=", ".join(MODELS))
    config_id, weights_id = artifact_ids(name)
    config = weights.resolve(config_id, download=download)
    model = weights.resolve(weights_id, progress=progress, download=download)
    if config.parent != model.parent:   # e.g. one in the USB folder, one in the cache: same layout is required
        raise DemoError("gan.error.split_folder", "{config} and {model} must be in the same folder.",
                        config=str(config), model=str(model))
    return config.parent


def load_biggan(name: str = "biggan-deep-128", model_dir: str | Path | None = None,
                device: torch.device | str = "cpu") -> torch.nn.Module:
    """A BigGAN generator in eval mode, from ``model_dir`` (config.json + pytorch_model.bin) or the catalogue.

    The package's own ``from_pretrained`` loads with ``strict=False`` (a wrong
    file would silently keep random weights); here every key must match, and
    the file is read with ``weights_only=True``.
    """
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig

    folder = Path(model_dir) if model_dir else model_folder(name)
    config_path, weights_path = folder / CONFIG_NAME, folder / WEIGHTS_NAME
    for path in (config_path, weights_path):
        if not path.exists():
            raise DemoError("gan.error.no_file", "{path} is missing: a BigGAN folder holds config.json and "
                            "pytorch_model.bin.", path=str(path))
    model = BigGAN(BigGANConfig.from_json_file(str(config_path)))
    state = read_state_dict(weights_path)   # a truncated or foreign file: CheckpointError naming it
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise DemoError("gan.error.bad_checkpoint", "{path} does not fit its config.json: {reason}",
                        path=str(weights_path), reason=str(exc).splitlines()[0]) from exc
    # a BigGAN job on a cluster sends (name, folder), not 200 MB of weights, to its actor
    return reloadable(model.to(device).eval(), load_biggan, name, str(folder))


# --- class names ---------------------------------------------------------------

@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet category names, in index order (torchvision's list)."""
    from torchvision.models import AlexNet_Weights

    return tuple(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def suggest(name: str, k: int = 3) -> list[str]:
    """Close category names, for an error message."""
    import difflib

    lower = [c.lower() for c in imagenet_classes()]
    words = [c for c in imagenet_classes() if any(w and w in c.lower() for w in name.lower().split())]
    close = [imagenet_classes()[lower.index(c)] for c in difflib.get_close_matches(name.lower(), lower, n=k, cutoff=0.6)]
    return list(dict.fromkeys(close + words))[:k]


def class_indices(names: Sequence[str | int]) -> list[int]:
    """ImageNet indices for class names (case-insensitive; exact name, else a unique substring) or indices.

    Unknown or ambiguous names raise one :class:`DemoError` listing all of them, with suggestions.
    """
    classes = imagenet_classes()
    lower = [c.lower() for c in classes]
    found, unknown = [], []
    for name in names:
        if isinstance(name, (int, np.integer)):
            if not 0 <= int(name) < len(classes):
                unknown.append(str(name))
            else:
                found.append(int(name))
            continue
        key = str(name).strip().lower()
        key = ALIASES.get(key, key)
        if key in lower:
            found.append(lower.index(key))
            continue
        hits = [i for i, c in enumerate(lower) if key and key in c]
        if len(hits) == 1:
            found.append(hits[0])
        else:
            options = [classes[i] for i in hits[:3]] or suggest(key)
            typed = str(name).replace("`", "'")[:80]   # the visitor's text, quoted as code: never Markdown
            unknown.append(f"`{typed}`" + (f" ({' / '.join(options)}?)" if options else ""))
    if unknown:
        raise DemoError("gan.error.unknown_classes", "Not ImageNet class names: {names}.", names="; ".join(unknown))
    if not found:
        raise DemoError("gan.error.no_classes", "Choose at least one class.")
    return found


# --- generating ----------------------------------------------------------------

def check_truncation(truncation: float) -> float:
    truncation = float(truncation)
    if not (0.0 < truncation <= 1.0) or math.isnan(truncation):
        raise DemoError("gan.error.truncation", "The truncation must be in (0, 1], got {value}.", value=truncation)
    return truncation


def noise(n: int, truncation: float, seed: int, dim_z: int = 128) -> torch.Tensor:
    """BigGAN's truncated noise (the package's ``truncated_noise_sample``), reproducible from ``seed``."""
    from pytorch_pretrained_biggan import truncated_noise_sample

    return torch.from_numpy(truncated_noise_sample(batch_size=n, dim_z=dim_z, truncation=truncation, seed=int(seed)))


def one_hot(indices: Sequence[int], num_classes: int = 1000) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.as_tensor(list(indices)), num_classes).float()


def to_pil(batch: torch.Tensor) -> list[Image.Image]:
    """(N, 3, H, W) in [-1, 1] → PIL images."""
    array = ((batch.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a) for a in array]


@torch.inference_mode()
def run(model: torch.nn.Module, z: torch.Tensor, classes: torch.Tensor, truncation: float,
        batch_size: int = 4, progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> list[Image.Image]:
    """The generator on (z, class vectors) in batches, reporting ``progress(done, total)``.

    ``should_stop()`` returning True ends it after the current batch, with the images so far.
    """
    device = next(model.parameters()).device
    images: list[Image.Image] = []
    for start in range(0, len(z), batch_size):
        out = model(z[start:start + batch_size].to(device), classes[start:start + batch_size].to(device), truncation)
        if not torch.isfinite(out).all():
            raise DemoError("gan.error.not_finite", "The generator produced NaN or infinite values: are its "
                            "weights right?")
        images += to_pil(out)
        if progress:
            progress(len(images), len(z))
        if should_stop and should_stop():
            break
    return images


def biggan_generate(class_names: Sequence[str | int], truncation: float = LECTURE_TRUNCATION, seed: int = 0,
                    model_dir: str | Path | None = None, n_per_class: int = 1, model: torch.nn.Module | None = None,
                    name: str = "biggan-deep-128",
                    progress: Callable[[int, int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> list[Image.Image]:
    """Images of the given ImageNet classes: ``n_per_class`` each, class by class, as PIL RGB images.

    ``truncation`` in (0, 1] (smaller: more typical, less varied; the lecture
    uses 0.4). The same arguments always give the same images. ``model_dir`` is
    a folder with config.json + pytorch_model.bin; by default the catalogue's
    ``name`` model is used.
    """
    truncation = check_truncation(truncation)
    indices = class_indices(class_names)
    model = model or _cached(name, str(model_dir) if model_dir else None)
    dim_z = model.config.z_dim
    z = noise(len(indices) * n_per_class, truncation, seed, dim_z)
    classes = one_hot([i for i in indices for _ in range(n_per_class)], model.config.num_classes)
    return run(model, z, classes, truncation, progress=progress, should_stop=should_stop)


@lru_cache(maxsize=1)
def _cached(name: str, model_dir: str | None) -> torch.nn.Module:
    return load_biggan(name, model_dir)


def latent_walk(model: torch.nn.Module, class_a: str | int, class_b: str | int, seed_a: int, seed_b: int,
                truncation: float = LECTURE_TRUNCATION, steps: int = 8,
                progress: Callable[[int, int], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> list[Image.Image]:
    """Frames morphing (class_a, noise of seed_a) into (class_b, noise of seed_b): linear in both.

    Same class and different seeds walk in the noise only; same seed and
    different classes walk between the class embeddings.
    """
    truncation = check_truncation(truncation)
    a, b = class_indices([class_a, class_b])
    dim_z, n_classes = model.config.z_dim, model.config.num_classes
    za, zb = noise(1, truncation, seed_a, dim_z), noise(1, truncation, seed_b, dim_z)
    ca, cb = one_hot([a], n_classes), one_hot([b], n_classes)
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return run(model, (1 - t) * za + t * zb, (1 - t) * ca + t * cb, truncation, progress=progress,
               should_stop=should_stop)


def to_gif(frames: Sequence[Image.Image | np.ndarray], duration_ms: int = 120, bounce: bool = True) -> bytes:
    """An animated GIF (looping; forth and back with ``bounce``) of the frames."""
    images = [f if isinstance(f, Image.Image) else Image.fromarray(np.asarray(f)) for f in frames]
    if bounce and len(images) > 2:
        images = images + images[-2:0:-1]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return buffer.getvalue()


def grid(images: Sequence[Image.Image], cols: int | None = None, pad: int = 4) -> Image.Image:
    """The images side by side in rows (white gaps)."""
    from demos.grids import tile

    arrays = np.stack([np.asarray(im.convert("RGB"), dtype=np.float32) / 255 for im in images])
    cols = cols or min(len(images), 4)
    return Image.fromarray(tile(arrays, cols=cols, pad=pad, pad_value=1.0, normalize=False))


def seconds_per_image(model: torch.nn.Module, truncation: float = LECTURE_TRUNCATION) -> float:
    """Time one image takes on this machine (after one warm-up), for an honest estimate."""
    z, c = noise(1, truncation, 0, model.config.z_dim), one_hot([0], model.config.num_classes)
    run(model, z, c, truncation)
    start = time.perf_counter()
    run(model, z, c, truncation)
    return time.perf_counter() - start
