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


# --- numbers as each language writes them -----------------------------------------------------------------

def format_decimal(x: float, spec: str = "g", lang: str = DEFAULT_LANGUAGE) -> str:
    """``x`` formatted by ``spec`` with the language's decimal mark (0.12 / 0,12)."""
    text = format(x, spec)
    if normalise_language(lang) != "fr":
        return text
    return text.replace(".", ",").replace("%", "\u202f%")     # 0,93 % (French puts a thin space before %)


def format_number(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """An integer with thousands separated as the language does it (12,345 / 12 345)."""
    return f"{n:,}".replace(",", "\u202f" if normalise_language(lang) == "fr" else ",")


def format_percent(share: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A share as a percentage with two significant digits: one cell of 32,400 holds 0.0031%, not "0.00%"."""
    import numpy as np  # here: the catalogue itself loads without numpy

    text = np.format_float_positional(share * 100, precision=2, fractional=False, trim="-")
    return (text.replace(".", ",") if normalise_language(lang) == "fr" else text) + "%"
