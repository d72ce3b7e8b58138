"""The gradient descent demo's page: it computes everything itself and needs no file.

Light (no torch): the navigation and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

declare(Demo("gradient_descent", order=30, icon=":material/trending_down:"))
