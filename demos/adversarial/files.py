"""The adversarial demo's page. It downloads nothing of its own: the ImageNet networks are the ImageNet demo's
files, and the MNIST version uses the lecture's network that ships with the app.

Light (no torch): the catalogue and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

# Works with no network: the MNIST tab needs only the bundled network (assets/mnist_cnn.pt).
declare(Demo("adversarial", order=25, icon=":material/bug_report:", offline_needs=(("mnist-cnn",),)))
