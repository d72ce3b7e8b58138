"""Errors a user may see, carried as an i18n key plus parameters.

The logic in ``demos`` raises :class:`DemoError`; the page layer translates
``key`` with :func:`demos.i18n.translate` and shows it instead of a traceback.
"""
from __future__ import annotations


class DemoError(Exception):
    """An error whose message is meant for the person using the app."""

    def __init__(self, key: str, default: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(default.format(**params))


class ImageError(DemoError, ValueError):
    """The uploaded file cannot be used as an image."""


class WeightsUnavailable(DemoError, RuntimeError):
    """A pretrained file is neither bundled, cached nor downloadable right now."""
