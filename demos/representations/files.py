"""The "Compress and unfold" page. Its autoencoders and PCA ship with the app (assets/representations.pt);
the 36 lecture digits are MNIST's first test digits (the MNIST demo's files).

Light (no torch): the catalogue and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

# Works with no network: a drawn digit goes through both; the test-digit grid needs MNIST's test files.
declare(Demo("representations", order=75, icon=":material/compress:"))
