"""Files a lecturer brings (a USB stick, a colleague's folder): recognised, then put where the catalogue looks.

Released weights travel under many names: GAN Compression's generator is
``latest_net_G.pth``, mmalotin's MobileNetV2 style networks are ``candy.pth``
like pytorch/examples' (another architecture, another license). Here a file
is recognised by what it is, not by its name:

1. by checksum, where the catalogue knows one (sha256, torchvision's hash
   prefix, md5);
2. else by its tensors' names and shapes: each ImageNet network of the page,
   the lecture's MNIST network, the CycleGAN generators (full or compressed)
   and the two fast-style architectures; the file name then only says which
   one of several same-shaped files it is (``candy`` or ``mosaic``,
   ``horse2zebra`` or ``zebra2horse``).

:func:`import_files` copies each recognised file to
``$DLDEMOS_WEIGHTS_DIR/<catalogue path>`` (or the cache when no folder is
set) and says what it recognised and what it did not.
``python -m demos.fetch --import FILE_OR_FOLDER…`` is the command.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import torch

from demos import weights
from demos.checkpoints import CheckpointError, read_state_dict


@dataclass(frozen=True)
class Recognised:
    """What one file turned out to be."""

    path: Path
    artifact: str | None     # the catalogue id, or None when not recognised
    how: str                 # "checksum", "keys", or why it was not recognised


def _digests(path: Path) -> tuple[str, str]:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha256.update(chunk)
            md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def by_checksum(path: Path) -> str | None:
    """The catalogue entry whose published checksum this file has."""
    sha256, md5 = _digests(path)
    for artifact in weights.CATALOGUE.values():
        if artifact.sha256 == sha256 or artifact.md5 == md5 or (
                artifact.sha256_prefix and sha256.startswith(artifact.sha256_prefix)):
            return artifact.id
    return None


def _shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _same(state: Mapping[str, torch.Tensor], expected: dict[str, tuple[int, ...]]) -> bool:
    return set(state) == set(expected) and all(tuple(state[k].shape) == s for k, s in expected.items())


def _named(path: Path, names: Iterable[str]) -> str | None:
    """The one of ``names`` the file's name contains (longest first: ``zebra2horse`` before ``horse``)."""
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower())
    for name in sorted(names, key=len, reverse=True):
        if name.lower() in stem or name.lower().replace("_", "") in stem.replace("_", ""):
            return name
    return None


def by_keys(path: Path, state: Mapping[str, torch.Tensor]) -> str | None:
    """The catalogue entry whose network has exactly these tensors (the name only picks among equals)."""
    from demos import imagenet
    from demos.cyclegan import load as cyclegan_load
    from demos.mnist import LectureNet
    from demos.style import fast

    style = fast.clean_state_dict(state)
    try:
        architecture = fast.architecture_of(style)
    except ValueError:
        architecture = None
    if architecture is not None:     # pytorch/examples or mmalotin, told apart by the keys
        if not _same(style, _shapes(fast.build(architecture))):
            return None
        models = [m for m in fast.FAST_MODELS.values() if m.architecture == architecture]
        chosen = _named(path, [m.style for m in models])
        return next((m.artifact for m in models if m.style == chosen), None)
    generator = cyclegan_load.clean_state_dict(state)
    try:
        kind, _ = cyclegan_load._config_from(generator)
    except (ValueError, KeyError, IndexError):
        kind = None
    if kind is not None:
        infos = [i for i in cyclegan_load.GENERATORS.values() if i.architecture == kind]
        if len(infos) == 1:          # one compressed generator is released: latest_net_G.pth is it
            return infos[0].artifact
        chosen = _named(path, [i.id for i in infos])
        return next((i.artifact for i in infos if i.id == chosen), None)
    if _same(state, _shapes(LectureNet())):
        return "mnist-cnn"
    with torch.device("meta"):       # shapes only: no memory for VGG16's 138 M weights
        for spec in imagenet.SPECS.values():
            if _same(state, _shapes(spec.builder(weights=None))):
                return spec.artifact_id
    return None


def recognise(path: Path) -> Recognised:
    """What ``path`` is: a catalogue entry by checksum or by keys, or why not."""
    artifact = by_checksum(path)
    if artifact is not None:
        return Recognised(path, artifact, "checksum")
    try:
        state = read_state_dict(path)
    except CheckpointError as error:
        return Recognised(path, None, str(error))
    artifact = by_keys(path, state)
    return Recognised(path, artifact, "keys" if artifact else "no network of this app has these weights")


def files_in(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and those inside the folders named."""
    found: list[Path] = []
    for path in map(Path, paths):
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def import_files(paths: Iterable[str | Path], folder: Path | None = None) -> list[tuple[Recognised, Path | None]]:
    """Recognise each file and copy it to ``folder`` (default: the weights folder, else the cache) under its
    catalogue path; returns each file's recognition and where it went (None when not recognised)."""
    folder = folder or weights.weights_dir() or weights.cache_dir()
    done = []
    for path in files_in(paths):
        found = recognise(path)
        target = None
        if found.artifact is not None:
            target = folder / weights.get(found.artifact).filename
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.resolve() != target.resolve():
                shutil.copyfile(path, target)
        done.append((found, target))
    return done
