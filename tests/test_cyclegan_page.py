"""The CycleGAN page in Streamlit's AppTest: an upload gives a result, missing weights a clear message."""
from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

from demos import cyclegan, weights
from tests.apptest_support import app_page, errors
from tests.conftest import require_shared
from tests.cyclegan_support import (
    SHARED_CYCLEGAN,
    place_compressed_generator,
    place_samples,
)
from tests.support import texts

TIMEOUT = 120


def cyclegan_page(lang: str = "en") -> AppTest:
    return app_page("cyclegan", lang, TIMEOUT)


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """A weights folder with the shared compressed generator only (as on a machine that fetched nothing)."""
    require_shared("cyclegan")
    place_compressed_generator(tmp_path)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    return tmp_path


def horse_bytes() -> bytes:
    return (SHARED_CYCLEGAN / "test_images" / "horse" / "horse_dlwpt.jpg").read_bytes()


def test_upload_gives_a_zebra_with_time_slider_and_download(weights_dir):
    at = cyclegan_page().run()
    assert not at.exception and not errors(at)
    assert "Choose a photo" in texts(at.info)
    assert at.toggle(key="cyclegan_fast").value is True       # only the compressed generator is here
    at.file_uploader[0].set_value(("horse.jpg", horse_bytes(), "image/jpeg")).run()
    assert not at.exception and not errors(at)
    assert len(at.get("image")) == 3                           # input, result, before/after
    assert "Computed in" in texts(at.markdown)
    assert len(at.get("download_button")) == 1
    # zebra → horse is not here and the tests are offline: the round trip says why, without an error
    assert "not on this machine" in texts(at.info)
    at.slider(key="cyclegan_wipe").set_value(10).run()         # the wipe reuses the result
    assert not at.exception and len(at.get("image")) == 3


def test_missing_weights_give_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))   # empty: nothing fetched
    at = cyclegan_page().run()
    assert not at.exception
    message = texts(at.error)
    assert "is not on this machine" in message and "python -m demos.fetch --only cyclegan" in message
    assert not at.get("image")


def test_full_generator_missing_points_to_the_fast_mode(weights_dir):
    at = cyclegan_page().run()
    at.toggle(key="cyclegan_fast").set_value(False).run()
    assert not at.exception
    assert "horse → zebra (official, 45 MB)" in texts(at.error)
    assert "fast mode" in texts(at.info)


def test_samples_and_the_round_trip(weights_dir):
    """With the sample photos and a zebra→horse generator (random weights here), the page shows F(G(x))."""
    assert place_samples(weights_dir)
    torch.manual_seed(0)
    torch.save(cyclegan.ResnetGenerator().state_dict(), weights_dir / weights.get("cyclegan-zebra2horse").filename)
    at = cyclegan_page().run()
    assert not at.exception and not errors(at)
    assert at.radio(key="cyclegan_source").value == "sample"
    sample = at.selectbox(key="cyclegan_sample")
    assert sample.format_func(sample.value).startswith("Horses")          # what the visitor reads
    assert at.toggle(key="cyclegan_cycle").value is True
    assert len(at.get("image")) == 6                           # + G(x), F(G(x)), the error map
    assert at.metric[0].label.startswith("Cycle error") and at.metric[0].value.endswith("%")


def test_french_page(weights_dir):
    at = cyclegan_page("fr").run()
    assert not at.exception
    assert at.title[0].value == "Changer un cheval en zèbre, et retour"
    assert at.selectbox(key="cyclegan_model").format_func("horse2zebra") == "Cheval → Zèbre"
