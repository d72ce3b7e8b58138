"""The shared style test files, placed under their catalogue names in a weights folder (at test time).

``../shared/data/style`` holds the three MobileNetV2 fast-style networks and
paintings that the catalogue lists as samples: copied into a temporary
``DLDEMOS_WEIGHTS_DIR``, the app finds them as it finds real downloads.
Nothing is copied into the repository.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from demos import weights
from tests.conftest import SHARED_DATA

SHARED_STYLE = SHARED_DATA / "style"
MOBILENET_FILES = {f"style-fast-{name}-mobilenet": SHARED_STYLE / "mobilenetv2_fnst" / f"{name}.pth"
                   for name in ("candy", "mosaic", "picasso")}
# catalogue sample → the shared copy of the same painting (from other repositories, see SOURCES.md §5)
SAMPLE_FILES = {
    "style-sample-starry-night": SHARED_STYLE / "style_images" / "starry_night.jpg",
    "style-sample-great-wave": SHARED_STYLE / "style_images" / "great_wave.jpg",
    "style-sample-scream": SHARED_STYLE / "style_images" / "skrik.jpg",
    "style-photo-tuebingen": SHARED_STYLE / "content_images" / "tuebingen.jpg",
}


def _place(folder: Path, files: dict[str, Path]) -> list[str]:
    placed = []
    for artifact_id, source in files.items():
        target = Path(folder) / weights.get(artifact_id).filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        placed.append(artifact_id)
    return placed


def place_mobilenet_styles(folder: Path) -> list[str]:
    """Copy the shared MobileNetV2 fast-style networks to ``folder/<catalogue filename>``."""
    return _place(folder, MOBILENET_FILES)


def place_samples(folder: Path) -> list[str]:
    """Copy the shared paintings and photo to their catalogue paths in ``folder``."""
    return _place(folder, SAMPLE_FILES)
