"""One catalogue of every file the demos download or ship: weights, data sets.

Where a file is looked for, in order (:func:`locate`, never the network):

1. ``bundled``: shipped with this project (``assets/``);
2. ``$DLDEMOS_WEIGHTS_DIR/<filename>`` (or ``/<basename>``): a local folder,
   e.g. a USB stick brought to a talk;
3. ``$DLDEMOS_CACHE_DIR/<filename>`` (default ``~/.cache/dldemos``).

:func:`resolve` downloads into the cache what is in none of them, unless
``DLDEMOS_OFFLINE`` is set. Downloads try each mirror in order, resume a
``.part`` file left by an interrupted run, check the md5 / sha256 and only
then move the file to its final name, so a half file is never used.
Failures raise :class:`~demos.errors.WeightsUnavailable` with a message a
lecturer can act on (``python -m demos.fetch`` ahead of a talk).
"""
from __future__ import annotations

import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from demos.errors import WeightsUnavailable

Progress = Callable[[int, "int | None"], None]

REPO_ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_DIR_ENV = "DLDEMOS_WEIGHTS_DIR"
CACHE_DIR_ENV = "DLDEMOS_CACHE_DIR"
OFFLINE_ENV = "DLDEMOS_OFFLINE"
STATUSES = ("bundled", "local", "cached", "missing")

_CHUNK = 1 << 16
_PROGRESS_EVERY_S = 0.1  # a Streamlit progress bar need not redraw per 64 kB chunk
_USER_AGENT = "dldemos (python urllib)"


@dataclass(frozen=True)
class Artifact:
    """A file a demo needs, and where it comes from."""

    id: str                  # e.g. "mnist-train-images"
    filename: str            # relative path in a weights dir / the cache
    demo: str                # which demo uses it: "mnist", "imagenet", ...
    description: str
    license: str
    source: str              # homepage / provenance (human-readable)
    urls: tuple[str, ...] = ()   # mirrors, tried in order; empty for bundled files
    size: int | None = None      # bytes, for the readiness table
    sha256: str | None = None    # full hex digest, where one is published
    sha256_prefix: str | None = None  # torchvision-style hash prefix in the file name
    md5: str | None = None
    bundled: str | None = None   # path relative to the repo root (files shipped in assets/)


CATALOGUE: dict[str, Artifact] = {}


def register(artifact: Artifact) -> Artifact:
    """Add ``artifact`` to :data:`CATALOGUE` (ids must be unique)."""
    if artifact.id in CATALOGUE:
        raise ValueError(f"artifact id {artifact.id!r} is registered twice")
    CATALOGUE[artifact.id] = artifact
    return artifact


# ---------------------------------------------------------------------------
# Catalogue, one section per demo
# ---------------------------------------------------------------------------

# --- mnist ------------------------------------------------------------------
# The four files torchvision.datasets.MNIST downloads: same mirrors, same md5.
_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_MNIST_LICENSE = "CC BY-SA 3.0 (Y. LeCun, C. Cortes, C. Burges)"
_MNIST_SOURCE = "http://yann.lecun.com/exdb/mnist/ (mirrors as in torchvision.datasets.MNIST)"

for _id, _name, _md5, _size, _what in (
    ("mnist-train-images", "train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422,
     "MNIST training images (60,000 digits)"),
    ("mnist-train-labels", "train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432", 28881,
     "MNIST training labels"),
    ("mnist-test-images", "t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3", 1648877,
     "MNIST test images (10,000 digits)"),
    ("mnist-test-labels", "t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c", 4542,
     "MNIST test labels"),
):
    register(Artifact(
        id=_id, filename=f"mnist/{_name}.gz", demo="mnist", description=_what,
        license=_MNIST_LICENSE, source=_MNIST_SOURCE,
        urls=tuple(f"{mirror}{_name}.gz" for mirror in _MNIST_MIRRORS), size=_size, md5=_md5,
    ))
del _id, _name, _md5, _size, _what

register(Artifact(
    id="mnist-cnn", filename="mnist/mnist_cnn.pt", demo="mnist",
    description="The lecture's MNIST network, trained by this project (demos/mnist/train.py)",
    license="MIT (this project)", source="this project: python -m demos.mnist.train",
    bundled="assets/mnist_cnn.pt",
))


# ---------------------------------------------------------------------------
# Messages (English defaults; the same texts are in demos/locales/en.json)
# ---------------------------------------------------------------------------

MESSAGES = {
    "weights.missing": (
        "{description} is not on this machine: `{filename}` ({size}) is neither in the local "
        "folder nor in the cache {cache}, and downloading is off (offline mode, `DLDEMOS_OFFLINE`). "
        "To get it, run `python -m demos.fetch --only {demo}` on a machine with network access, "
        "or copy the file to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.download_failed": (
        "Could not download {description} (`{filename}`, {size}): {errors}. "
        "To get it, run `python -m demos.fetch --only {demo}` once the network works, "
        "or copy the file to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.checksum": (
        "The download of {description} (`{filename}`) is corrupted: its {algorithm} is {actual}, "
        "expected {expected}. The partial file was deleted. Try again with "
        "`python -m demos.fetch --only {demo}`, or copy a good copy to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.not_bundled": (
        "{description}: the file `{bundled}` that ships with this app is missing. Restore it "
        "from the project's repository, or copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.manual": (
        "{description} cannot be downloaded automatically (source: {source}). "
        "Get `{filename}` from there and copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
}


def _unavailable(key: str, artifact: Artifact, **params: object) -> WeightsUnavailable:
    """A :class:`WeightsUnavailable` with the artifact's usual message parameters."""
    base = dict(description=artifact.description, filename=artifact.filename, demo=artifact.demo,
                size=human_size(artifact.size), bundled=artifact.bundled or "",
                source=artifact.source, cache=str(cache_dir()))
    base.update(params)
    return WeightsUnavailable(key, MESSAGES[key], **base)


# ---------------------------------------------------------------------------
# Where files are
# ---------------------------------------------------------------------------

def weights_dir() -> Path | None:
    """The local folder named by ``$DLDEMOS_WEIGHTS_DIR`` (e.g. a USB stick), if set."""
    value = os.environ.get(WEIGHTS_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads go: ``$DLDEMOS_CACHE_DIR``, else ``~/.cache/dldemos``."""
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "dldemos"


def offline() -> bool:
    """Whether ``$DLDEMOS_OFFLINE`` forbids downloads (``1``, ``true`` or ``yes``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def get(artifact_id: str) -> Artifact:
    """The catalogue entry ``artifact_id`` (``KeyError`` naming the known ids otherwise)."""
    try:
        return CATALOGUE[artifact_id]
    except KeyError:
        raise KeyError(f"unknown artifact {artifact_id!r}; known: {', '.join(sorted(CATALOGUE))}") from None


def _where(artifact: Artifact) -> tuple[str, Path] | None:
    """The status and path of the first copy found, without touching the network."""
    if artifact.bundled:
        path = REPO_ROOT / artifact.bundled
        if path.is_file():
            return "bundled", path
    local = weights_dir()
    if local is not None:
        for path in (local / artifact.filename, local / Path(artifact.filename).name):
            if path.is_file():
                return "local", path
    path = cache_dir() / artifact.filename
    if path.is_file():
        return "cached", path
    return None


def locate(artifact_id: str) -> Path | None:
    """The file of ``artifact_id`` if it is on this machine (bundled, local folder, cache), else None."""
    found = _where(get(artifact_id))
    return found[1] if found else None


def status(artifact_id: str) -> str:
    """``"bundled"``, ``"local"``, ``"cached"`` or ``"missing"``."""
    found = _where(get(artifact_id))
    return found[0] if found else "missing"


# ---------------------------------------------------------------------------
# Getting files
# ---------------------------------------------------------------------------

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    # Two Streamlit sessions asking for the same file must not write one .part together.
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def resolve(artifact_id: str, progress: Progress | None = None, download: bool = True) -> Path:
    """The local path of ``artifact_id``, downloading it into the cache if needed.

    ``progress(done_bytes, total_bytes_or_None)`` is called during a download.
    Raises :class:`WeightsUnavailable` (with a how-to) when the file is not
    here and cannot be downloaded: offline, ``download=False``, no mirror
    answers, or a checksum fails.
    """
    artifact = get(artifact_id)
    path = locate(artifact_id)
    if path is not None:
        return path
    if not artifact.urls:
        raise _unavailable("weights.not_bundled" if artifact.bundled else "weights.manual", artifact)
    if not download or offline():
        raise _unavailable("weights.missing", artifact)
    dest = cache_dir() / artifact.filename
    with _lock_for(dest):
        if dest.is_file():  # another session finished it while we waited
            return dest
        return _download(artifact, dest, progress=progress)


def _hashers(artifact: Artifact) -> dict[str, "hashlib._Hash"]:
    hashers = {}
    if artifact.md5:
        hashers["md5"] = hashlib.md5(usedforsecurity=False)
    if artifact.sha256 or artifact.sha256_prefix:
        hashers["sha256"] = hashlib.sha256()
    return hashers


def _check(artifact: Artifact, hashers: dict) -> tuple[str, str, str] | None:
    """``(algorithm, expected, actual)`` of the first failed checksum, or None when all pass."""
    if artifact.md5 and hashers["md5"].hexdigest() != artifact.md5.lower():
        return "md5", artifact.md5.lower(), hashers["md5"].hexdigest()
    if artifact.sha256 and hashers["sha256"].hexdigest() != artifact.sha256.lower():
        return "sha256", artifact.sha256.lower(), hashers["sha256"].hexdigest()
    if artifact.sha256_prefix and not hashers["sha256"].hexdigest().startswith(artifact.sha256_prefix.lower()):
        return "sha256", artifact.sha256_prefix.lower() + "…", hashers["sha256"].hexdigest()
    return None


class _Incomplete(OSError):
    """The server closed the connection before sending the whole file (the .part is kept)."""


def _stream(url: str, part: Path, hashers: dict, progress: Progress | None, timeout: float,
            size_hint: int | None) -> None:
    """Fetch ``url`` into ``part``, resuming it when the server honours ``Range``."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not have:
            raise
        # 416: the .part is no prefix of this file (or already whole): start afresh.
        exc.close()
        part.unlink()
        have = 0
        request.remove_header("Range")
        response = urllib.request.urlopen(request, timeout=timeout)
    with response:
        resuming = have > 0 and response.status == 206
        if resuming and not response.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            part.unlink()  # resumed at another offset: unusable, the next try starts afresh
            raise _Incomplete(f"the server resumed at the wrong offset ({response.headers.get('Content-Range')})")
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        if resuming:
            total = have + length if length is not None else size_hint
            # Recompute the hash over the bytes already there, then go on appending.
            with open(part, "rb") as f:
                while chunk := f.read(_CHUNK):
                    for h in hashers.values():
                        h.update(chunk)
        else:
            have = 0  # a 200 answer is the whole file: restart from zero
            total = length if length is not None else size_hint
        done, last = have, 0.0
        if progress:
            progress(done, total)
        with open(part, "ab" if resuming else "wb") as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                for h in hashers.values():
                    h.update(chunk)
                done += len(chunk)
                if progress and time.monotonic() - last >= _PROGRESS_EVERY_S:
                    progress(done, total)
                    last = time.monotonic()
    if length is not None and done != total:
        raise _Incomplete(f"connection closed after {human_size(done)} of {human_size(total)}")
    if progress:
        progress(done, done if total is None else total)


def _reason(exc: BaseException) -> str:
    """A short readable reason for a network failure."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def download(artifact: Artifact, dest: Path, progress: Progress | None = None, timeout: float = 30) -> Path:
    """Download ``artifact`` to ``dest`` from its first mirror that works, checked and atomic.

    Writes ``<dest>.part`` (resumed if present), verifies the md5 / sha256,
    then renames it to ``dest``. Raises :class:`WeightsUnavailable`
    (``weights.checksum`` or ``weights.download_failed``) otherwise.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors: list[str] = []
    mismatch: tuple[str, str, str] | None = None
    for url in artifact.urls:
        hashers = _hashers(artifact)
        try:
            _stream(url, part, hashers, progress, timeout, artifact.size)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError, HTTPError, timeouts and refused connections are all OSErrors;
            # ValueError is a malformed URL. Keep the .part: the next mirror resumes it.
            errors.append(f"{url}: {_reason(exc)}")
            continue
        mismatch = _check(artifact, hashers)
        if mismatch is None:
            os.replace(part, dest)
            return dest
        # A corrupted (or captive-portal) answer: drop it, another mirror may be good.
        part.unlink(missing_ok=True)
        errors.append(f"{url}: {mismatch[0]} mismatch")
    if mismatch is not None:
        algorithm, expected, actual = mismatch
        raise _unavailable("weights.checksum", artifact, algorithm=algorithm, expected=expected, actual=actual)
    raise _unavailable("weights.download_failed", artifact, errors="; ".join(errors) or "no mirror")


_download = download  # resolve() has a parameter named ``download``


def load_state_dict(artifact_id: str, progress: Progress | None = None, map_location="cpu") -> dict:
    """:func:`resolve` then ``torch.load(..., weights_only=True)`` (no code runs from the file)."""
    import torch  # here, so that the catalogue and `demos.fetch` load without torch

    return torch.load(resolve(artifact_id, progress=progress), map_location=map_location, weights_only=True)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def readiness(demo: str | None = None) -> list[dict]:
    """One row per artifact (of ``demo``, or all): id, demo, description, status, size, license, filename."""
    rows = []
    for artifact in CATALOGUE.values():
        if demo is not None and artifact.demo != demo:
            continue
        found = _where(artifact)
        size = artifact.size
        if size is None and found is not None:
            size = found[1].stat().st_size
        rows.append(dict(id=artifact.id, demo=artifact.demo, description=artifact.description,
                         status=found[0] if found else "missing", size=size,
                         license=artifact.license, filename=artifact.filename))
    return rows


def human_size(n: int | None) -> str:
    """``12.3 MB``-style size in decimal units; ``"?"`` when unknown."""
    if n is None:
        return "?"
    if n < 1000:
        return f"{n} B"
    value, unit = n / 1000, "kB"
    for bigger in ("MB", "GB", "TB"):
        if value < 999.95:  # would print as "1000.0 kB" otherwise
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"
