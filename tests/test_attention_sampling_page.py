"""The attention-sampling page in Streamlit's AppTest: K patches, re-sampling, the full-image baseline, uploads.

Accuracy is not tested here (that is the trained model's tests' business): these
tests hold with any weights, random ones included.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from demos import attention_sampling as ats, i18n
from tests.apptest_support import app_page, errors, image_captions
from tests.conftest import require_shared
from tests.support import encode, upload

TIMEOUT = 120


def attention_page(lang: str = "en") -> AppTest:
    return app_page("attention_sampling", lang, TIMEOUT)


@pytest.fixture
def mnist_dir(monkeypatch):
    """The MNIST test digits, where the catalogue finds them (their own file names)."""
    raw = require_shared("mnist", "MNIST", "raw")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(raw))
    return raw


def patches_shown(at: AppTest) -> int:
    """How many sampled patches the "Zoom in" gallery shows (their captions read "#i · a_i")."""
    return sum(image.caption.startswith("#") for element in at.get("image") for image in element.proto.imgs)


def patch_urls(at: AppTest) -> list[str]:
    """The zoomed patches, by address (Streamlit names an image by its content)."""
    return [image.url for element in at.get("image") for image in element.proto.imgs if image.caption.startswith("#")]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def metrics(at: AppTest) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for metric in at.metric:
        found.setdefault(metric.label, []).append(metric.value)
    return found


@pytest.mark.parametrize("lang,title,seed_caption", [
    ("en", "Read a megapixel image through twenty small patches", "Sampling seed: 0"),
    ("fr", "Lire une image géante par vingt petits morceaux", "Graine du tirage : 0"),
])
def test_page_shows_the_image_its_attention_and_twenty_patches(mnist_dir, lang, title, seed_caption):
    at = attention_page(lang).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == title
    assert at.get("latex"), "the estimator's formula"
    assert "arXiv:1905.03711" in captions(at)
    assert seed_caption in captions(at)
    assert len(at.get("image")) == 4                 # Input, Attention and its colour scale, Zoom in
    scale = i18n.translate("attention_sampling.legend", lang)
    assert scale in image_captions(at)
    assert patches_shown(at) == ats.DEFAULT_K == 20
    assert len(at.get("plotly_chart")) == 1          # the 10 probabilities
    assert [m.value for m in at.metric if m.value in {str(d) for d in range(10)}], "the digit read"
    assert len(at.get("download_button")) == 1


def test_the_page_states_how_often_the_shipped_model_errs(mnist_dir):
    """Issue #26: the shipped model's measured error, at the K the page reads with, under the results."""
    at = attention_page().run()
    assert ("This model was trained by this project in 91 min; it misreads 3.4% of 1,000 Megapixel MNIST test "
            "images (made from the MNIST test digits, K = 20).") in captions(at)


def test_k_slider_sets_the_number_of_patches(mnist_dir):
    at = attention_page().run()
    at.slider(key="attention_k").set_value(3).run()
    assert not at.exception and not errors(at)
    assert patches_shown(at) == 3
    assert "The 3 patches of 50×50 pixels" in captions(at)
    assert "= **7,500** pixels of the full image (K = 3)" in "\n".join(m.value for m in at.markdown)


def test_resample_draws_new_patches_and_new_image_changes_the_image(mnist_dir):
    at = attention_page().run()
    seed = at.number_input(key="attention_seed").value
    assert "Sampling seed: 0" in captions(at)
    patches = patch_urls(at)
    at.button(key="attention_resample").click().run()
    assert not at.exception and not errors(at)
    assert "Sampling seed: 0" not in captions(at) and "Sampling seed: " in captions(at)
    assert patch_urls(at) != patches and len(patch_urls(at)) == len(patches)   # other patches, as many
    assert at.number_input(key="attention_seed").value == seed                  # of the same image
    at.button(key="attention_new").click().run()
    assert not at.exception and not errors(at)
    assert at.number_input(key="attention_seed").value != seed


def test_attention_mass_in_the_boxes_beside_their_area(mnist_dir):
    at = attention_page().run()
    found = metrics(at)
    assert found["Area of the digits"] == ["0.17%"]            # 5 boxes of 28×28 in 1500×1500
    assert found["Attention on the digits"][0].endswith("%")
    assert "times denser on the digits" in captions(at)


def test_full_image_cnn_shows_time_memory_and_ratios_and_keeps_them(mnist_dir):
    at = attention_page().run()
    assert "Press the button to measure it" in captions(at)
    assert len(metrics(at)["Time per image"]) == 1
    at.button(key="attention_full_go").click().run()
    assert not at.exception and not errors(at)
    assert at.session_state["attention_full_job"].wait(120)    # a heavy job: it ran in the server's queue
    at.run()
    assert not at.exception and not errors(at)
    found = metrics(at)
    assert len(found["Time per image"]) == 2 and len(found["Peak memory"]) == 2
    assert all(value.endswith(("ms", " s")) for value in found["Time per image"])
    assert all(value.endswith(("kB", "MB", "GB")) for value in found["Peak memory"])
    ratios = [m.delta for m in at.metric if m.delta and "attention sampling" in m.delta]
    assert len(ratios) == 2                                     # × time, × memory
    assert "The CNN on the full image reads" in captions(at)
    at.toggle(key="attention_heat").set_value(False).run()     # an unrelated rerun keeps the result
    assert len(metrics(at)["Time per image"]) == 2
    assert "The low-resolution view x̃ alone" in captions(at)
    at.number_input(key="attention_seed").set_value(8).run()   # another image: not measured yet
    assert len(metrics(at)["Time per image"]) == 1


def test_settings_come_from_the_link(mnist_dir):
    at = attention_page()
    at.query_params.update({"attention_seed": "42", "attention_k": "5", "attention_draw": "3"})
    at.run()
    assert not at.exception and not errors(at)
    assert at.number_input(key="attention_seed").value == 42
    assert patches_shown(at) == 5
    assert "Sampling seed: 3" in captions(at)


def uploading(at: AppTest, name: str, data: bytes) -> AppTest:
    return upload(at, data, name, "attention_source")


def test_bad_upload_gets_a_message():
    at = uploading(attention_page(), "notes.png", b"this is not an image")
    assert not at.exception
    assert errors(at), "a file that is no image must get a clear message"
    assert not at.get("image")


def test_uploaded_page_is_read_without_boxes():
    # Dark ink on white paper, 900×600: inverted and read as it is.
    paper = np.full((600, 900), 255, np.uint8)
    paper[200:300, 400:450] = 0
    at = uploading(attention_page(), "page.png", encode(Image.fromarray(paper)))
    assert not at.exception and not errors(at)
    assert patches_shown(at) == ats.DEFAULT_K == 20
    assert "900×600 pixels as the model reads it" in captions(at)
    assert "no known digit boxes" in captions(at)
    assert "Area of the digits" not in metrics(at)


def test_mnist_missing_gives_the_catalogue_message_and_uploads_still_work(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))   # empty, and the tests are offline
    at = attention_page().run()
    assert not at.exception
    message = "\n".join(errors(at))
    assert "MNIST test images" in message and "python -m demos.fetch --only mnist" in message
    assert any("Your image" in i.value for i in at.info)
    assert not at.get("image")
    at.radio(key="attention_source").set_value("upload").run()
    assert not at.exception and not errors(at)
    assert len(at.file_uploader) == 1


def test_home_page_has_a_card_for_the_demo():
    at = app_page("app").run()
    assert not at.exception
    assert any("only twenty 50×50 patches" in m.value for m in at.markdown)
