"""The "Fool the network" page in Streamlit's AppTest: a photo becomes an ostrich, a drawn digit is misread."""
from __future__ import annotations

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page, errors, image_captions
from tests.conftest import require_shared
from tests.support import encode, mnist_test_digits, mobilenet_weights_dir, png_declaring, upload
from tests.test_pages import canvas_state, drawn

TIMEOUT = 120


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """The real MobileNetV2 in a local weights folder, and the sample photos (the first: a tench)."""
    return mobilenet_weights_dir(tmp_path, monkeypatch, samples=require_shared("imagenet-samples", "original"))


def page(lang: str = "en") -> AppTest:
    return app_page("adversarial", lang, TIMEOUT)


@pytest.mark.parametrize("lang,title,button", [
    ("en", "Fool the network: an invisible change, another answer", "Fool it"),
    ("fr", "Tromper le réseau : un changement invisible, une autre réponse", "Le tromper"),
])
def test_the_sample_photo_becomes_an_ostrich(weights_dir, lang, title, button):
    at = page(lang).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == title
    assert at.selectbox(key="adv_target").value == 9                  # the slide's ostrich, preselected
    at.button(key="adv_go").click().run()
    assert at.button(key="adv_go").label == button
    job = at.session_state["adversarial_job"]
    assert job.wait(120) and job.status == "done", job.status
    at.run()
    assert not at.exception and not errors(at)
    shown = image_captions(at)
    assert any("ostrich" in c for c in shown), shown                   # the changed photo is read as an ostrich
    assert any("× 50" in c for c in shown)                              # the perturbation, amplified, and its factor
    assert len(at.dataframe) == 4                   # top 5 before, after, and of the PNG and the JPEG read again
    assert at.dataframe[1].value.iloc[0, 0] == "ostrich"
    assert at.dataframe[2].value.equals(at.dataframe[1].value)   # "Does it survive?": the PNG read again, same answer
    assert at.subheader[0].value == ("Does it survive?" if lang == "en" else "Est-ce que ça résiste ?")
    assert at.toggle(key="adv_random_start").value is False            # PGD's random start: offered, off
    assert [d for d in at.get("download_button")]                      # the adversarial PNG
    assert any(("10⁻²" in m.value) for m in at.markdown)               # ‖δ‖₂/‖x‖₂ beside the slide's bound


def test_a_drawn_digit_is_misread_after_the_attack():
    images, labels = mnist_test_digits()
    at = page()
    at.session_state["adv_canvas"] = canvas_state(drawn(images[0]))
    at.run()
    assert not at.exception     # (the photo tab says its network is not here: no network in the tests)
    read = next(m.value for m in at.markdown if m.value.startswith("Before: "))
    before, after = (int(part.split("**")[1]) for part in read.split(". ")[:2])
    assert before == labels[0] and after != before
    assert {"What the network reads", "The changed digit"} <= set(image_captions(at))


def test_an_empty_canvas_asks_for_a_digit():
    at = page().run()
    assert not at.exception
    assert any("Draw a digit" in i.value for i in at.info)


@pytest.mark.parametrize("name,data,message", [
    ("notes.png", b"just some text", "not an image"),
    ("broken.jpg", encode(Image.new("RGB", (300, 300), "white"), "JPEG")[:200], "damaged"),
    ("huge.png", png_declaring(20000, 20000, idat=b"\0" * 20001), "too many pixels"),
])
def test_bad_uploads_get_a_clear_message_and_no_attack(weights_dir, name, data, message):
    at = upload(page(), data, name, "adv_source", "image/jpeg" if name.endswith("jpg") else "image/png")
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert not [b for b in at.button if b.key == "adv_go"]          # nothing to attack: no button
