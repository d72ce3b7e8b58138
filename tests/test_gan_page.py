"""The GAN page in Streamlit's AppTest: offline, BigGAN is missing with a clear message, the MNIST GAN works."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page
from tests.conftest import require_shared
from tests.gan_support import save_random_biggan

TIMEOUT = 120


def gan_page(lang: str = "en") -> AppTest:
    return app_page("gan", lang, TIMEOUT)


def test_page_runs_offline_biggan_missing_mnist_gan_works():
    at = gan_page().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "BigGAN-deep 128×128" in errors[0] and "demos.fetch --only gan" in errors[0]
    assert len(at.tabs) == 2
    assert len(at.image) >= 3                # digits grid, a snapshot of training, the walk
    assert at.select_slider(key="gan_epoch").options[0] == "1"


def test_changing_digits_and_seed_keeps_working():
    at = gan_page().run()
    at.multiselect(key="gan_digits").set_value([3, 5]).run()
    at.number_input(key="gan_seed").set_value(7).run()
    at.select_slider(key="gan_epoch").set_value(1).run()
    at.slider(key="gan_walk_step").set_value(8).run()
    assert not at.exception and len(at.error) == 1   # only BigGAN's missing weights


def test_french_page():
    at = gan_page("fr").run()
    assert not at.exception
    assert at.title[0].value == "Réseaux antagonistes génératifs (GAN)"
    assert "python -m demos.fetch --only gan" in at.error[0].value


@pytest.fixture(scope="module")
def biggan_dir(tmp_path_factory):
    """A weights folder holding biggan-deep-128 (random weights) where the catalogue looks for it."""
    pytest.importorskip("pytorch_pretrained_biggan")
    root = tmp_path_factory.mktemp("weights")
    save_random_biggan(root / "gan" / "biggan-deep-128")
    return root


def test_biggan_tab_generates_a_grid_and_a_walk(biggan_dir, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    at = gan_page().run()
    assert not at.exception and not at.error
    assert any("image(s) take about" in c.value for c in at.caption)      # the honest CPU estimate
    at.multiselect(key="gan_big_classes").set_value(["mushroom", "garter snake"]).run()
    at.button(key="gan_big_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["gan_big_job"].wait(120)     # the job ran in the server's queue
    at.run()
    assert not at.exception and not at.error
    assert any("mushroom, garter snake" in (c.value or "") for c in at.caption) or len(at.image) >= 4
    at.slider(key="gan_big_walk_steps").set_value(3).run()
    at.button(key="gan_big_walk_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["gan_big_walk_job"].wait(120)
    at.run()
    assert not at.exception and not at.error
    at.slider(key="gan_big_walk_frame").set_value(2).run()
    assert not at.exception


def test_unknown_typed_class_is_reported(biggan_dir, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    at = gan_page().run()
    at.multiselect(key="gan_big_classes").set_value(["mushroom", "zzzz"]).run()
    assert not at.exception
    assert len(at.error) == 1 and "zzzz" in at.error[0].value


def test_live_training_updates_the_grid(monkeypatch):
    raw = require_shared("mnist", "MNIST", "raw")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(raw))      # the idx files under their own names
    at = gan_page().run()
    images_before = len(at.image)
    at.button(key="gan_live").click().run()
    assert not at.exception
    assert at.session_state["gan_live_job"].wait(600)   # minutes when other jobs load the machine
    at.run()
    assert not at.exception
    assert any("Done in" in s.value for s in at.success)
    assert len(at.image) > images_before
