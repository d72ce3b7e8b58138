"""Both languages have every text, with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from demos import i18n

REPO = Path(__file__).resolve().parents[1]


def test_same_keys_in_every_language():
    keys = {lang: set(i18n.catalogue(lang)) for lang in i18n.LANGUAGES}
    fr, en = keys["fr"], keys["en"]
    assert not (en - fr), f"missing in French: {sorted(en - fr)}"
    assert not (fr - en), f"missing in English: {sorted(fr - en)}"


@pytest.mark.parametrize("key", sorted(i18n.catalogue("en")))
def test_same_placeholders_and_no_empty_text(key):
    fr, en = i18n.catalogue("fr")[key], i18n.catalogue("en")[key]
    assert fr.strip() and en.strip()
    assert i18n.placeholders(fr) == i18n.placeholders(en)


def test_every_key_the_code_uses_exists():
    """Literal keys passed to t(...) / translate(...) in pages, ui and demos are all in the catalogue."""
    used = set()
    for path in [REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("ui/*.py"), *REPO.glob("demos/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""Error\(\s*["']([a-z0-9_.]+)["']""", text))   # DemoError(key, ...) and subclasses
    missing = sorted(k for k in used if k not in i18n.catalogue("en"))
    assert not missing, f"keys used in code but absent from the catalogue: {missing}"


def test_language_from_url_and_fallback():
    assert i18n.normalise_language("EN-us") == "en"
    assert i18n.normalise_language("de") == i18n.DEFAULT_LANGUAGE
    assert i18n.translate("common.device", "en", device="CPU") == "Running on: CPU"
    assert i18n.translate("common.device", "fr", device="CPU") == "Calcul sur : CPU"
    assert i18n.translate("no.such.key", "fr") == "no.such.key"
