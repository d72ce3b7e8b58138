"""Every limit that keeps a public server responsive, in one place, each overridable by an environment variable.

A public demo must not let one visitor (or one room of them) exhaust the
machine. The limits below are read from the environment each time they are
asked for (cheap), so a deployment sets them once, e.g. in ``docker run -e``;
a value that is not a whole number (or is out of range) is ignored with a
warning in the log, and the default is used.

============================  ==================  =============================================
variable                      default             what it bounds
============================  ==================  =============================================
``DLDEMOS_MAX_JOBS``          1 on CPU, 2 on GPU  heavy jobs running at once in the process
``DLDEMOS_MAX_QUEUE``         16                  heavy jobs waiting for their turn
``DLDEMOS_MAX_SESSION_JOBS``  2                   jobs one visitor may have waiting or running
``DLDEMOS_MAX_MODELS``        0 (no global cap)   large models kept in memory (least recently used go)
``DLDEMOS_MAX_IMAGES``        8 on CPU, 32 on GPU  BigGAN images per click
``DLDEMOS_MAX_STEPS``         300 CPU, 1000 GPU   steps of a Gatys optimisation
``DLDEMOS_MAX_STYLE_SIZE``    384 CPU, 768 GPU    Gatys working size (pixels, longer side)
============================  ==================  =============================================

The image loader adds its own fixed caps (:mod:`demos.images`): 25 MB per
file (the same as ``server.maxUploadSize`` in ``.streamlit/config.toml``),
50 megapixels declared, and images shrunk to 2048 pixels on their longer side.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    """One limit: its environment variable, its defaults on CPU and GPU, its smallest allowed value."""

    env: str
    cpu: int
    gpu: int
    minimum: int = 1
    maximum: int = 1_000_000


SETTINGS: dict[str, Setting] = {
    "max_jobs": Setting("DLDEMOS_MAX_JOBS", 1, 2, maximum=64),
    "max_queue": Setting("DLDEMOS_MAX_QUEUE", 16, 16, minimum=0),
    "max_session_jobs": Setting("DLDEMOS_MAX_SESSION_JOBS", 2, 2),
    "max_models": Setting("DLDEMOS_MAX_MODELS", 0, 0, minimum=0),
    "max_images": Setting("DLDEMOS_MAX_IMAGES", 8, 32),
    "max_steps": Setting("DLDEMOS_MAX_STEPS", 300, 1000, minimum=10),
    "max_style_size": Setting("DLDEMOS_MAX_STYLE_SIZE", 384, 768, minimum=64),
    # One fast-style pass at 1024² costs ~1 GB and ~6 s on 2 CPU cores; 768² about half of it.
    "max_fast_style_size": Setting("DLDEMOS_MAX_FAST_STYLE_SIZE", 768, 1024, minimum=64),
}


def on_gpu() -> bool:
    """Whether the demos run on a GPU (CUDA or MPS): the defaults are larger there."""
    from demos.device import pick_device

    return pick_device().type != "cpu"


def get(name: str, gpu: bool | None = None) -> int:
    """The limit ``name`` (a key of :data:`SETTINGS`): its environment variable, else the default for the device."""
    setting = SETTINGS[name]
    default = setting.gpu if (on_gpu() if gpu is None else gpu) else setting.cpu
    raw = os.environ.get(setting.env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        log.warning("%s=%r is not a whole number: using %d", setting.env, raw, default)
        return default
    if not setting.minimum <= value <= setting.maximum:
        log.warning("%s=%d is outside %d..%d: using %d", setting.env, value, setting.minimum, setting.maximum,
                    default)
        return default
    return value


def max_jobs() -> int:
    """Heavy jobs running at once (``DLDEMOS_MAX_JOBS``)."""
    return get("max_jobs")


def max_queue() -> int:
    """Heavy jobs waiting for a free slot (``DLDEMOS_MAX_QUEUE``); one more is refused as "busy"."""
    return get("max_queue")


def max_session_jobs() -> int:
    """Jobs one visitor may have waiting or running at once (``DLDEMOS_MAX_SESSION_JOBS``)."""
    return get("max_session_jobs")


def max_models() -> int:
    """Large models kept in memory across all demos, 0 for no global cap (``DLDEMOS_MAX_MODELS``)."""
    return get("max_models")


def max_images() -> int:
    """BigGAN images one click may ask for (``DLDEMOS_MAX_IMAGES``)."""
    return get("max_images")


def max_steps() -> int:
    """Steps of one Gatys optimisation (``DLDEMOS_MAX_STEPS``)."""
    return get("max_steps")


def max_style_size() -> int:
    """Longer side, in pixels, of a Gatys optimisation (``DLDEMOS_MAX_STYLE_SIZE``)."""
    return get("max_style_size")


def max_fast_style_size() -> int:
    """Longer side, in pixels, of a fast-style picture (``DLDEMOS_MAX_FAST_STYLE_SIZE``)."""
    return get("max_fast_style_size")


def summary() -> dict[str, int]:
    """Every limit as it is now (for the log, the README and the load test's report)."""
    return {name: get(name) for name in SETTINGS}
