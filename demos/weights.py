"""One catalogue of every file the demos download or ship: weights, data sets.

Each demo declares its own files, in its package's ``files`` module (see
:mod:`demos.registry`); this module holds them (:data:`CATALOGUE`) and does the rest.

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

from demos import registry
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
    also: tuple[str, ...] = ()   # other demos that use the file (fetched and counted with them too)

    def used_by(self, demo: str) -> bool:
        """Whether ``demo`` uses this file (its own demo, or one of ``also``)."""
        return demo == self.demo or demo in self.also


CATALOGUE: dict[str, Artifact] = {}


def register(artifact: Artifact) -> Artifact:
    """Add ``artifact`` to :data:`CATALOGUE` (ids must be unique)."""
    if artifact.id in CATALOGUE:
        raise ValueError(f"artifact id {artifact.id!r} is registered twice")
    CATALOGUE[artifact.id] = artifact
    return artifact


# ---------------------------------------------------------------------------
# Messages (English defaults; the same texts are in demos/locales/en.json)
# ---------------------------------------------------------------------------

MESSAGES = {
    "weights.missing": (
        "{Description} is not on this machine: `{filename}` ({size}) is neither in the local "
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
        "{Description}: the file `{bundled}` that ships with this app is missing. Restore it "
        "from the project's repository, or copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.manual": (
        "{Description} cannot be downloaded automatically (source: {source}). "
        "Get `{filename}` from there and copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
}


def _unavailable(key: str, artifact: Artifact, **params: object) -> WeightsUnavailable:
    """A :class:`WeightsUnavailable` with the artifact's usual message parameters."""
    # ``artifact`` lets a page put the description and size in the visitor's language (ui.common.show_error).
    base = dict(artifact=artifact.id, description=artifact.description, Description=artifact.description,
                filename=artifact.filename, demo=artifact.demo,
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
        if demo is not None and not artifact.used_by(demo):
            continue
        found = _where(artifact)
        size = artifact.size
        if size is None and found is not None:
            size = found[1].stat().st_size
        rows.append(dict(id=artifact.id, demo=artifact.demo, description=artifact.description,
                         status=found[0] if found else "missing", size=size,
                         license=artifact.license, filename=artifact.filename, also=artifact.also))
    return rows


def readiness_by_demo(rows: list[dict], demos: tuple[str, ...] | None = None) -> list[dict]:
    """Per demo (every one of ``demos``, by default all, with or without files), from :func:`readiness` rows.

    ``ready`` / ``total`` files here; ``missing_bytes`` left to download
    (``missing_unknown`` more files of unknown size); ``bundled``: every file
    it uses ships with the app; ``offline``: its main interaction works with
    no network right now (its :attr:`~demos.registry.Demo.offline_needs`), else ``offline_bytes`` is
    the least it still needs.
    """
    by_id = {row["id"]: row for row in rows}
    summary = []
    for demo in demos if demos is not None else DEMOS:
        mine = [row for row in rows if demo == row["demo"] or demo in row.get("also", ())]
        missing = [row for row in mine if row["status"] == "missing"]
        unmet = [group for group in registry.get(demo).offline_needs
                 if all(by_id.get(i, {}).get("status", "missing") == "missing" for i in group)]
        # The least to download: the smallest file of known size in each group still unmet.
        needed = sum(min((by_id[i]["size"] for i in group if by_id.get(i, {}).get("size")), default=0)
                     for group in unmet)
        summary.append({
            "demo": demo, "ready": len(mine) - len(missing), "total": len(mine),
            "missing_bytes": sum(row["size"] or 0 for row in missing),
            "missing_unknown": sum(row["size"] is None for row in missing),
            "bundled": bool(mine) and all(row["status"] == "bundled" for row in mine),
            "offline": not unmet, "offline_bytes": needed,
        })
    return summary


_UNITS = {"en": ("B", "kB", "MB", "GB", "TB"), "fr": ("o", "ko", "Mo", "Go", "To")}


def human_size(n: int | None, lang: str = "en") -> str:
    """``12.3 MB``-style size in decimal units (``12,3 Mo`` in French); ``"?"`` when unknown."""
    if n is None:
        return "?"
    units = _UNITS.get(lang, _UNITS["en"])
    if n < 1000:
        return f"{n} {units[0]}"
    value, unit = n / 1000, units[1]
    for bigger in units[2:]:
        if value < 999.95:  # would print as "1000.0 kB" otherwise
            break
        value, unit = value / 1000, bigger
    from demos.i18n import format_decimal  # light (JSON only)

    return f"{format_decimal(value, '.1f', lang)} {unit}"


def describe(artifact_id: str, lang: str = "en") -> str:
    """What the file is, in ``lang``: its ``artifact.<id>`` text in the catalogue of that language."""
    from demos import (
        i18n,  # light (JSON only); imported here to keep this module's imports minimal
    )

    return i18n.translate(f"artifact.{artifact_id}", lang) if f"artifact.{artifact_id}" in i18n.catalogue("en") \
        else get(artifact_id).description


def describe_label(label: str, lang: str = "en") -> str:
    """What ``label`` names, in ``lang``: a catalogue id (a sample) is described; any other text is kept."""
    return describe(label, lang) if label in CATALOGUE else label


# ---------------------------------------------------------------------------
# Samples: the photos and paintings a page offers (catalogue entries, never committed)
# ---------------------------------------------------------------------------

def sample_ids(prefix: str) -> list[str]:
    """The catalogue ids starting with ``prefix`` (``"cyclegan-sample-"``), in the catalogue's order."""
    return [artifact_id for artifact_id in CATALOGUE if artifact_id.startswith(prefix)]


def samples(prefix: str) -> dict[str, Path]:
    """Catalogue id → file of the samples with ``prefix`` already on this machine (weights folder or cache)."""
    return {artifact_id: path for artifact_id in sample_ids(prefix) if (path := locate(artifact_id)) is not None}


def missing(*prefixes: str) -> list[str]:
    """The ids of the samples with one of ``prefixes`` not on this machine yet (``python -m demos.fetch`` gets them)."""
    return [artifact_id for prefix in prefixes for artifact_id in sample_ids(prefix) if locate(artifact_id) is None]


# ---------------------------------------------------------------------------
# The catalogue itself: every demo package's ``files`` module registers its files (demos.registry)
# ---------------------------------------------------------------------------

registry.load_all()
DEMOS = tuple(demo.name for demo in registry.demos())   # every demo page, with or without files
# In the navigation's order of the demos (the packages were found alphabetically): what fetch and the home list.
_sorted = sorted(CATALOGUE.items(), key=lambda item: DEMOS.index(item[1].demo) if item[1].demo in DEMOS else len(DEMOS))
CATALOGUE.clear()
CATALOGUE.update(_sorted)
del _sorted
