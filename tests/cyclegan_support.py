"""The shared CycleGAN test files, placed under their catalogue names in a weights folder (at test time).

``../shared/data/cyclegan`` holds GAN Compression's horse→zebra generator and
photos that the catalogue lists as samples: copied into a temporary
``DLDEMOS_WEIGHTS_DIR``, the app finds them exactly as it finds the real
downloads. Nothing is copied into the repository.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from demos import weights
from demos.cyclegan import SAMPLE_PREFIX
from tests.conftest import SHARED_DATA

SHARED_CYCLEGAN = SHARED_DATA / "cyclegan"
COMPRESSED_FILE = SHARED_CYCLEGAN / "horse2zebra_ganCompression_compressed_latest_net_G.pth"
COMPRESSED_ARTIFACT = "cyclegan-horse2zebra-compressed"


def place_compressed_generator(folder: Path) -> Path:
    """Copy the shared compressed generator to ``folder/<catalogue filename>``; returns the copy."""
    target = Path(folder) / weights.get(COMPRESSED_ARTIFACT).filename
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(COMPRESSED_FILE, target)
    return target


def place_samples(folder: Path) -> list[str]:
    """Copy the shared photos that are catalogue samples (same file name) to their catalogue paths."""
    shared = {p.name: p for p in SHARED_CYCLEGAN.glob("test_images/*/*")}
    placed = []
    for artifact_id in weights.sample_ids(SAMPLE_PREFIX):
        filename = weights.get(artifact_id).filename
        source = shared.get(Path(filename).name)
        if source is not None:
            target = Path(folder) / filename
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            placed.append(artifact_id)
    return placed
