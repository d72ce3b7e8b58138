"""Which device the models run on: CUDA, then Apple MPS, then CPU.

``DLDEMOS_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice.
"""
from __future__ import annotations

import os

import torch

ENV_VAR = "DLDEMOS_DEVICE"


def pick_device() -> torch.device:
    """Return the device every demo should use."""
    wanted = os.environ.get(ENV_VAR, "").strip().lower()
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | None = None) -> str:
    """A short human label, e.g. ``"GPU · NVIDIA H100"`` or ``"CPU · 2 threads"``."""
    device = device or pick_device()
    if device.type == "cuda":
        return f"GPU · {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU · Apple MPS"
    return f"CPU · {torch.get_num_threads()} threads"
