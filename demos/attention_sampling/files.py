"""The attention-sampling demo's page and files: the model this project trained (it reads MNIST's test
digits, declared with the MNIST demo's files).

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare
from demos.weights import Artifact, register

declare(Demo("attention_sampling", order=80, icon=":material/center_focus_strong:",
             offline_needs=(("attention-sampling-mnist",), ("mnist-test-images",), ("mnist-test-labels",))))

register(Artifact(
    id="attention-sampling-mnist", filename="attention_sampling/attention_sampling.pt", demo="attention_sampling",
    description="An attention-sampling model for Megapixel MNIST, trained by this project",
    license="MIT (this project)", source="this project: python -m demos.attention_sampling.train",
    bundled="assets/attention_sampling.pt",
))
