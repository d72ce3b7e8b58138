"""A small neural-network playground: 2-D point clouds, an MLP, live training.

The lecture (seed 003) points to the TensorFlow Playground (Smilkov & Carter)
to classify a 2-D point cloud, and seed 001 shows that XOR is not linearly
separable unless the input is pre-processed (``x·y``). Everything here is
small enough to train on a CPU in milliseconds per epoch.

Public API: :func:`make_dataset`, :func:`expand`, :func:`build_mlp`,
:class:`Trainer` (step by step, for the page), :func:`train` (all at once)
and :func:`decision_grid` (the heatmap).
"""
from __future__ import annotations

from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "trainer": ("ACTIVATIONS", "BOUND", "DATASETS", "FEATURES", "MAX_BATCH", "MAX_L2", "MAX_LR", "MAX_NOISE",
                "OPTIMIZERS", "Dataset", "Trainer", "accuracy", "build_mlp", "decision_grid", "expand",
                "make_dataset", "train"),
})

__all__ = ["ACTIVATIONS", "BOUND", "DATASETS", "FEATURES", "MAX_BATCH", "MAX_L2", "MAX_LR", "MAX_NOISE",
           "OPTIMIZERS", "Dataset", "Trainer", "accuracy", "build_mlp", "decision_grid", "expand", "make_dataset",
           "train"]
