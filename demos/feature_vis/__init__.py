"""Demo: what a neuron wants. Activation maximisation (Olah et al., Distill 2017) on the ImageNet networks.

:func:`visualise` makes the picture that most raises a class score, a channel or a unit of a conv layer.
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "maximise": ("MAX_STEPS", "Target", "check_target", "conv_layers", "visualise"),
})

__all__ = ["MAX_STEPS", "Target", "check_target", "conv_layers", "visualise"]
