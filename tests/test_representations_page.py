"""The "Compress and unfold" page in Streamlit's AppTest: the lecture's 36 digits through both, your digit, a walk."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from demos import mnist
from tests.apptest_support import app_page, errors, image_captions
from tests.conftest import require_shared
from tests.support import mnist_test_digits
from tests.test_pages import canvas_state, drawn


@pytest.fixture
def mnist_here(monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(require_shared("mnist", "MNIST", "raw")))


def page(lang: str = "en") -> AppTest:
    return app_page("representations", lang)


@pytest.mark.parametrize("lang,title,pca", [
    ("en", "Compress and unfold: an autoencoder against PCA", "PCA, d = 4: "),
    ("fr", "Compresser et déplier : un auto-encodeur contre l'ACP", "ACP, d = 4 : "),
])
def test_the_lectures_digits_are_misread_more_often_after_pca(mnist_here, lang, title, pca):
    at = page(lang).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == title
    at.segmented_control(key="rep_d").set_value(4).run()
    shown = image_captions(at)
    wrong = {c.split(" d = 4")[0]: int(c.split(": " if lang == "en" else " : ")[1].split()[0])
             for c in shown if "d = 4" in c}
    assert any(c.startswith(pca) for c in shown)
    autoencoder, linear = wrong.values()
    assert autoencoder < linear                                     # at d = 4 PCA's digits are misread more


def test_a_drawn_digit_goes_through_both(mnist_here):
    images, labels = mnist_test_digits()
    at = page()
    at.session_state["rep_canvas"] = canvas_state(drawn(images[0]))     # a 7
    at.run()
    assert not at.exception and not errors(at)
    reads = [c for c in image_captions(at) if "read as" in c]
    assert reads[0] == "Your digit: read as 7" and reads[1] == "Autoencoder, d = 8: read as 7"


def test_a_walk_between_two_test_digits_and_its_download(mnist_here):
    at = page().run()
    at.number_input(key="rep_to").set_value(2).run()
    at.slider(key="rep_alpha").set_value(0).run()
    assert not at.exception and not errors(at)
    strips = [c for c in image_captions(at) if c in ("PCA, d = 32", "Autoencoder, d = 8", "Autoencoder, d = 32")]
    assert strips == ["PCA, d = 32", "Autoencoder, d = 8", "Autoencoder, d = 32"]
    assert [d for d in at.get("download_button")]


def test_offline_without_mnist_the_drawn_digit_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    images, _ = mnist_test_digits()
    at = page("fr")
    at.session_state["rep_canvas"] = canvas_state(drawn(images[0]))
    at.run()
    assert not at.exception
    assert errors(at) or at.warning                                   # the missing file named, with the fix
    assert any(c.startswith("Votre chiffre : lu 7") for c in image_captions(at))


def xy(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    """A plotly trace's points (plotly sends numpy arrays as base64 typed arrays)."""
    import base64

    def values(v):
        return np.frombuffer(base64.b64decode(v["bdata"]), v["dtype"]) if isinstance(v, dict) else np.array(v)
    return values(trace["x"]), values(trace["y"])


def map_charts(at: AppTest) -> dict[str, dict]:
    import json

    return {chart.proto.id.split("rep_map_")[1].split("-")[0]: json.loads(chart.proto.spec)
            for chart in at.get("plotly_chart") if "rep_map_" in chart.proto.id}


@pytest.mark.parametrize("lang,star", [("en", "Your digit"), ("fr", "Votre chiffre")])
def test_the_layer_maps_place_the_drawn_digit_among_its_class(mnist_here, lang, star):
    images, labels = mnist_test_digits()
    at = page(lang).run()
    charts = map_charts(at)
    assert sorted(charts) == sorted(["input", "conv1", "conv2", "fc1", "logits"])
    assert all(len(spec["data"]) == 10 for spec in charts.values())        # one colour per class, no star yet
    at.session_state["rep_map_canvas"] = canvas_state(drawn(images[0]))     # a 7
    at.run()
    assert not at.exception and not errors(at)
    logits = map_charts(at)["logits"]
    assert logits["data"][-1]["name"] == star
    (x,), (y,) = xy(logits["data"][-1])
    sevens_x, sevens_y = xy(logits["data"][7])
    others_x, others_y = xy(logits["data"][1])
    nearest_seven = np.sqrt((sevens_x - x) ** 2 + (sevens_y - y) ** 2).min()
    nearest_one = np.sqrt((others_x - x) ** 2 + (others_y - y) ** 2).min()
    assert nearest_seven < nearest_one / 3                                   # it lands among the 7s
    titles = [spec["layout"]["title"]["text"] for spec in map_charts(at).values()]
    assert all(("the 5 nearest: " if lang == "en" else "les 5 plus proches : ") in title for title in titles)


def test_the_visitors_own_network_is_mapped_through_the_job_queue(mnist_here, monkeypatch):

    import torch

    from demos.representations import tsne

    monkeypatch.setattr(tsne, "MAP_DIGITS", 300)                             # a short run for the test
    at = page()
    at.run()
    assert any("Train your own network" in c.value for c in at.caption)     # nothing to map yet: how to get one
    weights = {k: v.clone() for k, v in mnist.load_model().state_dict().items()}
    weights["fc2.bias"] += torch.arange(10.0)                                 # "trained": not the shipped network
    at.session_state["mnist_my_model"] = {"state_dict": weights}
    at.run()
    at.radio(key="rep_whose").set_value("mine").run()
    at.button(key="rep_map_mine").click().run()
    assert not at.exception and not errors(at)
    job = at.session_state["rep_mapping"]
    assert job.wait(120) and job.status == "done"
    at.run()
    assert not at.exception and not errors(at)
    charts = map_charts(at)
    assert len(charts) == 5 and sum(len(xy(trace)[0]) for trace in charts["fc1"]["data"]) == 300
    at.radio(key="rep_whose").set_value("lecture").run()
    assert sum(len(xy(trace)[0]) for trace in map_charts(at)["fc1"]["data"]) == 2000     # the shipped maps


def test_projected_the_maps_fit_beside_the_canvas_with_large_titles(mnist_here):
    at = page("fr")
    at.session_state["present"] = True
    at.run()
    assert not at.exception and not errors(at)
    assert any(e.label == "Comment lire ces cartes" for e in at.expander)        # the explanation one click away
    charts = map_charts(at)
    assert len(charts) == 5
    assert all(spec["layout"]["height"] <= 225 and spec["layout"]["title"]["font"]["size"] >= 18
               for spec in charts.values())                                     # two rows of maps above y = 720
