"""The playground demo's page: it computes everything itself and needs no file.

Light (no torch): the navigation and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare

declare(Demo("playground", order=40, icon=":material/hub:"))
