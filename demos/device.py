"""Which device the models run on: CUDA, then Apple MPS, then CPU.

``DLDEMOS_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice.
A device that is not on this machine (``cuda`` on a laptop, ``cuda:3`` with one
GPU, ``mps`` off a Mac) or a name torch does not know is not used: the usual
choice is made instead, and :func:`refused_device` says why, for the pages to
show (a typo in a lecture's start-up script must not crash every page).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import torch

ENV_VAR = "DLDEMOS_DEVICE"


SUPPORTED = ("cpu", "cuda", "mps")


def pick_device() -> torch.device:
    """Return the device every demo should use."""
    wanted = os.environ.get(ENV_VAR, "").strip().lower()
    if wanted and refused_device() is None:
        return torch.device(wanted)
    return _usual_device()


def refused_device() -> tuple[str, str] | None:
    """``(asked, reason)`` when ``DLDEMOS_DEVICE`` asks for a device that cannot be used here, else None.

    ``reason`` is one of ``unknown``, ``no_cuda``, ``no_such_gpu``, ``no_mps``.
    """
    wanted = os.environ.get(ENV_VAR, "").strip().lower()[:40].replace("`", "")
    if not wanted:
        return None
    try:
        device = torch.device(wanted)
    except (RuntimeError, ValueError):
        return wanted, "unknown"
    if device.type not in SUPPORTED:
        return wanted, "unknown"
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return wanted, "no_cuda"
        if device.index is not None and device.index >= torch.cuda.device_count():
            return wanted, "no_such_gpu"
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            return wanted, "no_mps"
    return None


def _usual_device() -> torch.device:
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


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated, slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return any(flag in flags for flag in (" avx512_bf16", " amx_bf16"))


def fast_cpu_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 for autocast on a CPU that computes it natively (about 2× faster), else float32."""
    return torch.bfloat16 if device.type == "cpu" and cpu_has_native_bf16() else torch.float32
