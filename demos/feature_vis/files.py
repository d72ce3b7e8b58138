"""The "What a neuron wants" page. It downloads nothing of its own: live pictures use the ImageNet demo's
networks, and the gallery ships in assets/feature_vis/ (computed by this project).

Light (no torch): the catalogue and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

# Works with no network: the gallery is shipped; a new picture needs an ImageNet network (said on the page).
declare(Demo("feature_vis", order=27, icon=":material/auto_awesome:"))
