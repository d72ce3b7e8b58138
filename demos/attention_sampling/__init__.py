"""Demo 7: attention sampling on megapixel images (Katharopoulos & Fleuret, ICML 2019).

Public API:

- :func:`make_sample` ``(seed)`` → ``(image uint8 (1500, 1500), label, boxes (5, 4))``;
- :func:`predict` ``(image, k=DEFAULT_K, seed=0)`` → ``(probabilities (10,), attention (180, 180),
  positions (k, 2))``, the positions being the sampled patches' centres
  ``(row, col)`` in full-resolution pixels;
- :func:`read`: the same and everything the page shows (patches, cost, ...);
- :func:`read_full_resolution`: the baseline, a CNN over the whole image.
"""
from __future__ import annotations

from demos.lazy import lazy_package

WEIGHTS_ID = "attention-sampling-mnist"   # the catalogue's shipped model (assets/attention_sampling.pt)
DEFAULT_K = 10   # patches sampled per image by default: the page, the benchmark and the stated error use it

__getattr__, __dir__ = lazy_package(__name__, {
    "cost": ("Cost",),
    "megapixel_mnist": ("make_sample",),
    "model": ("AttentionSampler", "attention_in_boxes"),
    "reader": ("MAX_SIDE", "Reading", "load_model", "predict", "prepare", "read", "read_full_resolution"),
})

__all__ = ["WEIGHTS_ID", "DEFAULT_K", "AttentionSampler", "Cost", "MAX_SIDE", "Reading", "attention_in_boxes", "load_model",
           "make_sample", "predict", "prepare", "read", "read_full_resolution"]
