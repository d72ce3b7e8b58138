"""The "Inside a convolution" page. It downloads nothing: the worked examples are numbers, the filters are
fixed, and the first-layer filters are the lecture's MNIST network's (assets/mnist_cnn.pt).

Light (no torch): the catalogue and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

declare(Demo("convolution", order=28, icon=":material/grid_on:"))
