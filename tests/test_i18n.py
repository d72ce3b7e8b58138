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


def test_a_files_name_inside_a_french_sentence_is_not_capitalised():
    """"Le téléchargement de poids ImageNet de VGG16", not "... de Poids ImageNet ..."; a sentence still starts with a capital."""
    from demos import weights
    from ui.common import error_text, mid_sentence

    assert mid_sentence("Poids ImageNet de VGG16") == "poids ImageNet de VGG16"
    assert mid_sentence("MNIST training images") == "MNIST training images"
    assert mid_sentence("ImageNet weights") == "ImageNet weights"
    artifact = weights.get("imagenet-vgg16")
    import streamlit as st
    st.session_state["lang"] = "fr"
    try:
        inside = error_text(weights._unavailable("weights.checksum", artifact, algorithm="sha256", actual="a",
                                                 expected="b"))
        starting = error_text(weights._unavailable("weights.missing", artifact))
    finally:
        del st.session_state["lang"]
    assert "Le téléchargement de poids ImageNet de VGG16" in inside
    assert starting.startswith("Poids ImageNet de VGG16 (torchvision) n'est pas sur cette machine")


def test_decimals_and_percentages_as_each_language_writes_them():
    from demos.i18n import format_decimal

    assert format_decimal(0.125, "g", "en") == "0.125" and format_decimal(0.125, "g", "fr") == "0,125"
    assert format_decimal(0.0093, ".2%", "en") == "0.93%"
    assert format_decimal(0.0093, ".2%", "fr") == "0,93\u202f%"      # French: a thin space before %
