"""The sample gallery: catalogue photos already on this machine, plus a folder of one's own.

Samples are never committed: they are downloaded by ``python -m demos.fetch``
(the ``imagenet-sample-*`` entries of :mod:`demos.weights`, with source and
license) or read from the folder named by ``$DLDEMOS_SAMPLES_DIR``.
"""
from __future__ import annotations

import os
from pathlib import Path

from demos import weights

SAMPLES_DIR_ENV = "DLDEMOS_SAMPLES_DIR"
SAMPLE_PREFIX = "imagenet-sample-"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def samples_dir() -> Path | None:
    """The folder named by ``$DLDEMOS_SAMPLES_DIR``, if set and present."""
    value = os.environ.get(SAMPLES_DIR_ENV, "").strip()
    path = Path(value).expanduser() if value else None
    return path if path is not None and path.is_dir() else None


def label_for(path: Path) -> str:
    """A readable name: ``n02099712_Labrador_retriever.JPEG`` → ``Labrador retriever``."""
    stem = path.stem
    head, _, rest = stem.partition("_")
    if rest and head[:1] == "n" and head[1:].isdigit():   # ImageNet's "<wnid>_<name>"
        stem = rest
    return stem.replace("_", " ")


def list_samples() -> dict[str, Path]:
    """Gallery entries → file: the catalogue samples here (by id) first, then the folder's images (by name)."""
    found = weights.samples(SAMPLE_PREFIX)     # keyed by catalogue id, shown as the catalogue describes it
    folder = samples_dir()
    if folder is not None:
        for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                label = label_for(path)
                found[label if label not in found else f"{label} ({path.name})"] = path
    return found
