"""The "Compress and unfold" page. Its autoencoders and PCA ship with the app (assets/representations.pt), and so
do the t-SNE maps of the lecture network's layers (assets/representations_tsne.npz); the 36 lecture digits are
MNIST's first test digits (the MNIST demo's files).

Light (no torch): the catalogue and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

# Works with no network: a drawn digit goes through both and into the maps; the test-digit grid needs MNIST's test
# files (and so does mapping the visitor's own network).
declare(Demo("representations", order=75, icon=":material/compress:"))
