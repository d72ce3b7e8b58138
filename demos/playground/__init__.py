"""A small neural-network playground: 2-D point clouds, an MLP, live training.

The lecture (seed 003) points to the TensorFlow Playground (Smilkov & Carter)
to classify a 2-D point cloud, and seed 001 shows that XOR is not linearly
separable unless the input is pre-processed (``x·y``). Everything here is
small enough to train on a CPU in milliseconds per epoch.

Public API: :func:`make_dataset`, :func:`expand`, :func:`build_mlp`,
:class:`Trainer` (step by step, for the page), :func:`train` (all at once),
:data:`PRESETS` (the overfitting lesson), :func:`decision_grid` (the heatmap)
and :func:`neuron_grids` (each hidden neuron's map); fitting a function of one
variable with one hidden layer: :class:`FunctionFit`, :func:`fit_function`.
"""
from __future__ import annotations

from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "trainer": ("ACTIVATIONS", "BOUND", "DATASETS", "FEATURES", "MAX_BATCH", "MAX_L2", "MAX_LR", "MAX_NOISE",
                "OPTIMIZERS", "PRESETS", "Dataset", "History", "Maxout", "Trainer", "accuracy", "build_mlp",
                "decision_grid", "expand", "make_dataset", "neuron_grids", "train"),
    "regression": ("LOSSES", "TARGETS", "FunctionFit", "fit_function", "target_function"),
})

__all__ = ["ACTIVATIONS", "BOUND", "DATASETS", "FEATURES", "LOSSES", "MAX_BATCH", "MAX_L2", "MAX_LR", "MAX_NOISE",
           "OPTIMIZERS", "PRESETS", "TARGETS", "Dataset", "FunctionFit", "History", "Maxout", "Trainer", "accuracy",
           "build_mlp", "decision_grid", "expand", "fit_function", "make_dataset", "neuron_grids", "target_function",
           "train"]
