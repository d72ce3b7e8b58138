"""MNIST as numpy arrays, read from the original idx files.

The files come through the weights catalogue (torchvision's mirrors, md5
checked), or from a folder given explicitly (e.g. a local copy for tests).
"""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Callable

import numpy as np

from demos import weights

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (gzipped or not) into a uint8 array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    # copy: frombuffer is read-only, and torch wants writable arrays
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def _find(root: Path, name: str) -> Path:
    for candidate in (root / f"{name}.gz", root / name, root / "MNIST" / "raw" / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name}(.gz) not found in {root}")


def load_mnist(split: str = "train", root: str | Path | None = None,
               progress: Callable[[int, int | None], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of the ``train`` or ``test`` split.

    With ``root``, read the idx files from that folder; otherwise resolve them
    through the weights catalogue (local folder, cache, then download).
    """
    images_name, labels_name = _FILES[split]
    if root is not None:
        images_path, labels_path = _find(Path(root), images_name), _find(Path(root), labels_name)
    else:
        images_path = weights.resolve(f"mnist-{split}-images", progress=progress)
        labels_path = weights.resolve(f"mnist-{split}-labels", progress=progress)
    images, labels = read_idx(images_path), read_idx(labels_path).astype(np.int64)
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"unexpected MNIST shapes {images.shape} / {labels.shape}")
    return images, labels
