"""The style page's sample images: catalogue entries ``style-sample-*`` (none is committed)."""
from __future__ import annotations

from pathlib import Path

from demos import weights

PAINTING_PREFIX = "style-sample-"
PHOTO_PREFIX = "style-photo-"


def _ids(prefix: str) -> list[str]:
    return [a.id for a in weights.CATALOGUE.values() if a.id.startswith(prefix)]


def _found(prefix: str) -> dict[str, Path]:
    """label → file of the samples with ``prefix`` already on this machine."""
    return {weights.get(i).description: path for i in _ids(prefix) if (path := weights.locate(i)) is not None}


def available_paintings() -> dict[str, Path]:
    """Public-domain paintings to take the style from (Starry Night, The Great Wave, The Scream)."""
    return _found(PAINTING_PREFIX)


def available_photos() -> dict[str, Path]:
    """Content photos (the Tübingen riverside of Gatys et al.'s figures)."""
    return _found(PHOTO_PREFIX)


def missing_samples() -> list[str]:
    """Ids of the sample images not on this machine yet."""
    return [i for i in _ids(PAINTING_PREFIX) + _ids(PHOTO_PREFIX) if weights.locate(i) is None]
