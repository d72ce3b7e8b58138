"""Every demo, declared once by its own package: the navigation, the home page and the readiness table read it.

Each demo package has a light ``files`` module (no torch) that declares the
demo and registers the files it needs in the weights catalogue::

    # demos/cyclegan/files.py
    from demos.registry import Demo, declare
    from demos.weights import Artifact, register

    declare(Demo("cyclegan", order=50, icon=":material/swap_horiz:",
                 offline_needs=(("cyclegan-horse2zebra", "cyclegan-horse2zebra-fast"),)))
    register(Artifact(id="cyclegan-horse2zebra", ...))

Its page is ``pages/<name>.py`` and its texts are the ``<name>.*`` keys of the
locale files (``nav``, ``title``, ``intro``, ``card``...). Adding a demo edits no
shared file: :func:`load_all` finds every ``demos/<package>/files.py``.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Demo:
    """One demo page."""

    name: str                 # its package, its page (pages/<name>.py), its URL path and its i18n prefix
    order: int                # where it comes in the navigation and on the home page (smaller first)
    icon: str                 # a Material icon, ":material/draw:"
    # The catalogue files its main interaction cannot do without: each group is satisfied by any one of its
    # files (one ImageNet network is enough). Files not named are extras the page does without, saying so.
    offline_needs: tuple[tuple[str, ...], ...] = ()

    @property
    def page(self) -> str:
        """The page script, relative to the repository root."""
        return f"pages/{self.name}.py"


_DECLARED: dict[str, Demo] = {}
_loaded = False


def declare(demo: Demo) -> Demo:
    """Add ``demo`` (names must be unique); called by the demo's ``files`` module."""
    if demo.name in _DECLARED and _DECLARED[demo.name] != demo:
        raise ValueError(f"demo {demo.name!r} is declared twice")
    _DECLARED[demo.name] = demo
    return demo


def load_all() -> None:
    """Import the ``files`` module of every demo package (once): their demos and files are then registered."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import demos

    for package in pkgutil.iter_modules(demos.__path__):
        if package.ispkg and (Path(package.module_finder.path) / package.name / "files.py").is_file():
            importlib.import_module(f"demos.{package.name}.files")


def demos() -> tuple[Demo, ...]:
    """Every declared demo, in the navigation's order."""
    load_all()
    return tuple(sorted(_DECLARED.values(), key=lambda d: (d.order, d.name)))


def get(name: str) -> Demo:
    """The demo called ``name`` (``KeyError`` otherwise)."""
    load_all()
    return _DECLARED[name]
