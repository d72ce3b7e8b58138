"""Demo 1: draw a digit, the lecture's CNN reads it.

Public API: :func:`load_model`, :func:`preprocess`, :func:`predict`, and
:func:`read` (everything the page shows, computed once).
"""
from __future__ import annotations

from demos.lazy import lazy_package

WEIGHTS_ID = "mnist-cnn"   # the catalogue's shipped network (assets/mnist_cnn.pt)

__getattr__, __dir__ = lazy_package(__name__, {
    "model": ("LectureNet",),
    "preprocessing": ("center_digit", "ink_map", "is_blank", "preprocess"),
    "reader": ("Reading", "load_model", "predict", "read", "read_batch"),
})

__all__ = ["WEIGHTS_ID", "LectureNet", "Reading", "load_model", "predict", "preprocess", "is_blank", "read",
           "read_batch"]
