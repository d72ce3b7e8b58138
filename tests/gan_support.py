"""A BigGAN-deep-128 folder with random weights, in pytorch-pretrained-BigGAN's format (no download)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from demos.gan import biggan


def save_random_biggan(folder: Path) -> Path:
    """``folder``/config.json + pytorch_model.bin of biggan-deep-128's architecture, random weights."""
    model = biggan.random_biggan()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(vars(model.config)))
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder
