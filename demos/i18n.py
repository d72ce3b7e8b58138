"""French and English texts of the app: one JSON catalogue per language.

Keys are dotted names (``mnist.title``); values are ``str.format`` templates.
A key missing in one language falls back to English, then to the key itself,
so a forgotten translation shows up in the page instead of crashing it
(``tests/test_i18n.py`` makes such a gap fail the suite).
"""
from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
_LOCALES = Path(__file__).with_name("locales")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The texts of one language, keyed by message id."""
    with open(_LOCALES / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def normalise_language(lang: str | None) -> str:
    """Map anything (``"FR"``, ``"en-US"``, ``None``) to a supported language."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``."""
    text = catalogue(normalise_language(lang)).get(key) or catalogue("en").get(key) or key
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a template expects (used to check both catalogues agree)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
