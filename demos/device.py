"""Which device the models run on: CUDA, then Apple MPS, then CPU.

``DLDEMOS_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

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
