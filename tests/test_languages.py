"""Every page, rendered in English and in French, shows no English text in French.

Each page runs in Streamlit's AppTest in both languages, in the same state
(the same files, drawing, sample and settings). Every text a visitor reads
is collected in page order: titles, markdown, captions, messages, labels,
options and help of every widget, tab and expander labels, metric labels,
image captions, table column names, and the titles, legends and buttons of
plotly charts. The French page must show each of them translated; only texts
that read the same in both languages (numbers, formulas, network and class
names, "Adam") may stay. A text left out of the catalogue fails here.
"""
from __future__ import annotations

import base64
import io
import json
import re
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from demos import i18n
from tests.apptest_support import app_page
from tests.browser_support import server_env
from ui.pages import DEMO_PAGES

# Words spelled the same in French and English: names of networks, methods, paintings, places and people,
# and a few ordinary words both languages share.
SAME_WORDS = {
    "Adam", "AlexNet", "MobileNetV", "VGG", "ResNet", "EfficientNet", "ViT", "XOR", "ReLU", "Leaky", "ELU", "tanh",
    "SGD", "BFGS", "Nesterov", "Rosenbrock", "Himmelblau", "MNIST", "Megapixel", "BigGAN", "ImageNet", "conv",
    "Monet", "Van", "Gogh", "Cézanne", "Ukiyo", "Candy", "Mosaic", "Picasso", "Rain", "Princess", "Afremov", "Udnie",
    "Picabia", "Tübingen", "Neckarfront", "Andreas", "Praefcke", "English", "Français",
    "Grad", "CAM", "Image", "Photo", "Dimension", "Surface", "Activation", "Pause", "Attention", "Score", "minima",
}


@lru_cache(maxsize=1)
def imagenet_classes() -> frozenset[str]:
    """ImageNet's class names, which stay in English (torchvision's list)."""
    from torchvision.models import AlexNet_Weights

    return frozenset(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def same_in_both(text: str) -> bool:
    """Whether ``text`` may legitimately read the same in French and English.

    ImageNet class names, addresses and commands, and texts whose every word of
    two letters or more is in :data:`SAME_WORDS` once formulas (``$…$``),
    indices and units are set aside: numbers, symbols, one-letter variables
    (``η = 0.125``, ``w₀ (1)``), names (``Candy · MobileNetV2``).
    """
    text = text.strip()
    if re.sub(r"\s*\([\d.,\s]+\)$", "", text) in imagenet_classes():    # a class, maybe with its score
        return True
    if text.startswith(("http://", "https://", "python -m")):
        return True
    rest = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.DOTALL)
    rest = re.sub(r"[₀₁₂₃ᵢⱼₐ⁰¹²³⁴⁵⁶⁷⁸⁹]", " ", rest)
    rest = re.sub(r"\b(?:ms|px|kB|MB|GB|log)\b", " ", rest)
    rest = re.sub(r"_\w+", " ", rest)                                           # indices: w_t, conv4_2
    words = re.findall(r"[^\W\d_]\w*", rest)
    return all(len(word) < 2 or word in SAME_WORDS or word.rstrip("0123456789") in SAME_WORDS for word in words)


# --------------------------------------------------------------------------- what a visitor reads

TEXT_FIELDS = {"label", "body", "help", "placeholder", "caption", "content", "options", "text"}
SKIPPED_FIELDS = {"id", "url", "icon", "form_id", "spec", "type", "data", "format", "default", "raw_value",
                  "raw_values", "value", "set_value", "delta"}


def _proto_texts(message, kind: str, out: list[tuple[str, str]]) -> None:
    for field, value in message.ListFields():
        if field.name in SKIPPED_FIELDS:
            continue
        items = [value] if isinstance(value, (str, bytes, int, float)) or hasattr(value, "ListFields") else list(value)
        for item in items:
            if isinstance(item, str):
                if field.name in TEXT_FIELDS and item.strip():
                    out.append((f"{kind}.{field.name}", item))
            elif hasattr(item, "ListFields"):
                _proto_texts(item, kind, out)


def _plotly_texts(spec: dict, out: list[tuple[str, str]]) -> None:
    """Axis and colour-bar titles, legend entries, hover templates and buttons of a plotly figure."""
    def titles(node, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "template":
                    continue
                if key == "title":
                    text = value.get("text") if isinstance(value, dict) else value
                    if isinstance(text, str) and text.strip():
                        out.append((f"plotly.{where}title", text))
                elif key in ("name", "label", "hovertemplate", "prefix") and isinstance(value, str) and value.strip():
                    out.append((f"plotly.{key}", re.sub(r"%\{[^}]*\}|<[^>]*>", " ", value)))
                else:
                    titles(value, where)
        elif isinstance(node, list):
            for item in node:
                titles(item, where)

    titles(spec.get("data", []), "trace.")
    titles(spec.get("layout", {}), "layout.")


def visible_texts(at) -> list[tuple[str, str]]:
    """(where, text) of every text the page shows, in page order."""
    out: list[tuple[str, str]] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind == "plotly_chart":
            _plotly_texts(json.loads(proto.spec), out)
        elif kind in ("arrow_data_frame", "arrow_table"):
            out.extend(("dataframe.column", str(c)) for c in node.value.columns)
        elif proto is not None and hasattr(proto, "ListFields"):
            _proto_texts(proto, kind, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return out


# --------------------------------------------------------------------------- each page, in a state that shows it

def _drawn_one() -> dict:
    """The drawing canvas's session state after a "1" is drawn (a thick vertical stroke)."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[40:240, 125:155, :3] = 255
    rgba[..., 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [], "background": "#000000"}, "data": url}, "backgroundFit": None}


# page → (script, session state, query parameters); the files come from the browser tests' server folders
PAGES = {
    "home": ("app", {}, {}),
    "mnist": ("mnist", {"mnist_canvas": _drawn_one()}, {}),
    "imagenet": ("imagenet", {"imagenet_model": "mobilenet_v2"}, {}),
    "gradient_descent": ("gradient_descent", {}, {}),
    "gradient_descent_2d": ("gradient_descent", {}, {"gd_mode": "2d", "gd_opts": "gd,momentum,nesterov,adam,sgd"}),
    "playground": ("playground", {}, {}),
    "cyclegan": ("cyclegan", {}, {}),
    "style": ("style", {}, {}),
    "gan": ("gan", {}, {}),
    "attention_sampling": ("attention_sampling", {}, {}),
}


@pytest.fixture(scope="module")
def files_env(tmp_path_factory) -> dict[str, str]:
    """The weights and samples folders the browser tests' server uses (built from ../shared/data when present)."""
    env = server_env(tmp_path_factory)
    return {k: env[k] for k in ("DLDEMOS_WEIGHTS_DIR", "DLDEMOS_SAMPLES_DIR") if k in env}


def render(page: str, lang: str) -> list[tuple[str, str]]:
    script, state, query = PAGES[page]
    at = app_page(script, lang)
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, f"{page} ({lang}) raised: {at.exception}"
    return visible_texts(at)


@pytest.mark.parametrize("page", list(PAGES))
def test_french_page_shows_no_english_text(page, files_env, monkeypatch):
    for key, value in files_env.items():
        monkeypatch.setenv(key, value)
    english, french = render(page, "en"), render(page, "fr")
    assert len(english) > 5, f"{page}: the page shows almost nothing: {english}"
    assert [where for where, _ in english] == [where for where, _ in french], (
        f"{page}: the French page does not show the same elements as the English one")
    untranslated = [(where, en) for (where, en), (_, fr) in zip(english, french)
                    if en.strip() == fr.strip() and not same_in_both(en)]
    assert not untranslated, f"{page}: the same text in French and English (a missing translation?): {untranslated}"


def test_a_forgotten_translation_is_caught(monkeypatch):
    """The check itself: a French catalogue missing one title makes the page show English, and that is seen."""
    catalogue = i18n.catalogue
    french = dict(catalogue("fr"))
    del french["gradient_descent.title"]
    monkeypatch.setattr(i18n, "catalogue", lambda lang: french if lang == "fr" else catalogue(lang))
    english, french_texts = render("gradient_descent", "en"), render("gradient_descent", "fr")
    same = [en for (_, en), (_, fr) in zip(english, french_texts) if en == fr and not same_in_both(en)]
    assert same == ["Gradient descent, step by step"]


@pytest.mark.parametrize("text,neutral", [
    ("η = 0.125", True), ("w₀ (1)", True), ("12.3 MB", True), ("#1 · 45%", True), ("Adam", True), ("x²", True),
    ("Candy · MobileNetV2", True), ("Labrador retriever", True), ("$\\mathcal{L}(w)$", True),
    ("Number of steps", False), ("Draw", False), ("Your photo (Horse)", False), ("Sample image", False),
    ("Image seed", False), ("Horses (Aleksei Zaitcev)", False),
])
def test_what_may_stay_the_same(text, neutral):
    assert same_in_both(text) is neutral


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("demo", [page.demo for page in DEMO_PAGES])
def test_every_introduction_ties_to_the_lecture_with_a_formula_and_a_paper(demo, lang):
    intro = i18n.translate(f"{demo}.intro", lang)
    assert re.search(r"Fleuret|Meyer|Mallat", intro), "names the lecture it comes from"
    assert "$" in intro, "shows the formula"
    assert re.search(r"\b(19[4-9]\d|20[0-2]\d)\b", intro), "cites the paper with its year"
    assert "seed" not in intro.lower() and "graine 0" not in intro     # the lecture files' names mean nothing to a room
