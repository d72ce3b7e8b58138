"""Packages whose heavy modules (torch, torchvision) are imported only when one of their names is used.

A demo's package exports its public names (``demos.cyclegan.translate``...) but
imports the module defining each one on first use, so that its light modules
(``demos.cyclegan.files``, the list of files it needs) load without torch: the
catalogue, ``python -m demos.fetch`` and the home page's readiness table stay fast.
"""
from __future__ import annotations

import importlib
import sys
from typing import Callable


def lazy_package(package: str, exports: dict[str, tuple[str, ...]]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``package``: each name of ``exports[module]`` comes from ``package.module``.

    An exported name must not also be a submodule's name (importing that submodule would replace it).
    """
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}

    def __getattr__(name: str):  # noqa: N807 (the module-level hook of PEP 562)
        if name not in where:   # a submodule used as an attribute (``style.fast.available``)
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)    # the next use is a plain attribute
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(where) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
