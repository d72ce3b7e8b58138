"""The sample photos of the CycleGAN page: catalogue entries ``cyclegan-sample-*`` (none is committed)."""
from __future__ import annotations

from pathlib import Path

from demos import weights

SAMPLE_PREFIX = "cyclegan-sample-"


def sample_ids() -> list[str]:
    """Every sample photo's catalogue id, in the catalogue's order (horses, zebras, then the others)."""
    return [a.id for a in weights.CATALOGUE.values() if a.id.startswith(SAMPLE_PREFIX)]


def available_samples() -> dict[str, Path]:
    """label → file of the sample photos already on this machine (weights folder or cache)."""
    found = {}
    for artifact_id in sample_ids():
        path = weights.locate(artifact_id)
        if path is not None:
            found[weights.get(artifact_id).description] = path
    return found


def missing_samples() -> list[str]:
    """The ids of the sample photos not on this machine yet (downloadable with ``python -m demos.fetch``)."""
    return [artifact_id for artifact_id in sample_ids() if weights.locate(artifact_id) is None]
