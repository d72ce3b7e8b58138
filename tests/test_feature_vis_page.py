"""The "What a neuron wants" page in Streamlit's AppTest: a picture forms and is read as its class; the gallery."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page, errors, image_captions
from tests.support import mobilenet_weights_dir

TIMEOUT = 120


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    return mobilenet_weights_dir(tmp_path, monkeypatch)


def page(lang: str = "en") -> AppTest:
    return app_page("feature_vis", lang, TIMEOUT)


@pytest.mark.parametrize("lang,title", [
    ("en", "What a neuron wants: the picture a network dreams of"),
    ("fr", "Ce que veut un neurone : l'image dont rêve un réseau"),
])
def test_the_page_opens_on_the_lectures_king_crab(weights_dir, lang, title):
    at = page(lang).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == title
    assert at.selectbox(key="fv_model").value == "mobilenet_v2"          # the network that is here (no VGG16)
    assert at.selectbox(key="fv_class").value == 121                      # the lecture's King crab, preselected


def test_a_king_crab_forms_and_the_network_reads_it(weights_dir):
    at = page("fr").run()
    at.select_slider(key="fv_steps").set_value(64)
    at.segmented_control(key="fv_size").set_value(160)
    at.button(key="fv_go").click().run()
    job = at.session_state["feature_vis_job"]
    assert job.wait(120) and job.status == "done", job.status
    at.run()
    assert not at.exception and not errors(at)
    assert any("lit cette image comme *king crab*" in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert [d for d in at.get("download_button")]                        # the picture as a PNG
    assert job.result["pictures"][0].size == (160, 160)


def test_a_grid_of_channels_of_one_layer(weights_dir):
    at = page().run()
    at.segmented_control(key="fv_kind").set_value("channel").run()
    assert at.slider(key="fv_layer_channel").value == 17                  # a third of MobileNetV2's 52 layers
    at.select_slider(key="fv_steps").set_value(32)
    at.number_input(key="fv_channel").set_value(2)
    at.button(key="fv_grid").click().run()
    job = at.session_state["feature_vis_job"]
    assert job.wait(120) and job.status == "done", job.status
    at.run()
    assert not at.exception and not errors(at)
    assert [c for c in image_captions(at) if c.startswith("Channel")][:6] == [f"Channel {c}" for c in range(2, 8)]


def test_a_channel_out_of_range_is_not_offered(weights_dir):
    at = page().run()
    at.segmented_control(key="fv_kind").set_value("unit").run()
    assert at.slider(key="fv_layer_unit").value == 52                     # the last conv layer: the lecture's "13 of 13"
    assert at.number_input(key="fv_channel").max == 1279                  # its channels, named in the label
    assert "0 to 1279" in at.number_input(key="fv_channel").label


def test_with_no_network_the_page_says_so_and_the_gallery_still_shows(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("DLDEMOS_OFFLINE", "1")
    at = page("fr").run()
    assert not at.exception
    assert errors(at) or at.warning                                       # which file is missing, and how to get it
    assert any("Galerie" in i.value for i in at.info)
    shown = image_captions(at)
    assert any(c.startswith("King crab") for c in shown) and sum(c.startswith("Canal") for c in shown) == 12
