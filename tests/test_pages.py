"""Every page runs in Streamlit's AppTest, and reacts as a visitor would see."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from demos import weights
from tests.apptest_support import app_page, errors
from tests.conftest import REPO, require_shared
from tests.support import Downloads, encode, mnist_test_digits, png_declaring
from tests.support import upload as upload_file

TIMEOUT = 60


def canvas_state(rgba: np.ndarray) -> dict:
    """What the drawing canvas component keeps in session state after a stroke."""
    url = "data:image/png;base64," + base64.b64encode(encode(Image.fromarray(rgba, "RGBA"))).decode()
    return {"drawing": {"raw": {"objects": [], "background": "#000000"}, "data": url}, "backgroundFit": None}


@pytest.fixture(scope="module")
def digits():
    images, labels = mnist_test_digits()
    return images[:20], labels[:20]


def drawn(digit: np.ndarray) -> np.ndarray:
    """A digit as the canvas returns it: 280×280 RGBA, white strokes on opaque black."""
    big = np.asarray(Image.fromarray(digit).resize((200, 200), Image.Resampling.BILINEAR))
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[30:230, 50:250, :3] = big[..., None]
    rgba[..., 3] = 255
    return rgba


def mnist_page(lang: str = "en") -> AppTest:
    return app_page("mnist", lang, TIMEOUT)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_app_runs_with_navigation(lang):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)   # no language in session: from the URL
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == {"fr": "L'apprentissage profond, en direct", "en": "Deep learning, live"}[lang]


def test_home_lists_the_demos_and_readiness():
    at = app_page("app")   # home is the default page
    at.run()
    assert not at.exception
    summary, files = at.table[0].value, at.dataframe[0].value
    row = {demo: dict(zip(summary.columns, values)) for demo, values in zip(summary["Demo"], summary.values)}
    assert len(row) == 12                                   # every demo, those with no file too
    assert row["Read a digit"]["Files here"] == "1 / 5"     # the bundled network; MNIST itself not fetched
    assert row["Read a digit"]["On this machine"] == "✓ ready · ⬇️ 11.6 MB more for the extras"   # not "missing"
    assert row["Read a digit"]["Works with no network"] == "✓ yes"           # reading needs the bundled network only
    cards = [c.value for c in at.caption]                                   # each demo's card says it too
    assert "Works with no network: ✓ yes" in cards
    assert "Works with no network: ✗ not yet: needs one network's weights (from 13.6 MB, MobileNetV2)" in cards
    assert row["Gradient descent"]["On this machine"] == "✓ no file needed"
    assert row["Gradient descent"]["Works with no network"] == "✓ yes"
    assert row["GANs"]["Works with no network"] == "✓ yes"                   # our GAN ships; BigGAN is an extra
    assert row["What does it see?"]["Works with no network"] == (
        "✗ not yet: needs one network's weights (from 13.6 MB, MobileNetV2)")
    assert row["Attention sampling"]["Works with no network"].startswith("✗ not yet: needs the MNIST test digits (1.7 MB)")
    assert "Attention sampling" not in at.caption[-1].value and "Gradient descent" in at.caption[-1].value
    mnist_row = files[files["File"].str.contains("MNIST network")]
    assert list(mnist_row["Status"]) == ["✓ bundled"]


def test_home_readiness_in_french_and_once_the_files_are_here(monkeypatch, tmp_path):
    """French sizes and names; with the MNIST test digits in a local folder, attention sampling works offline."""
    for artifact_id in ("mnist-test-images", "mnist-test-labels"):
        (tmp_path / weights.get(artifact_id).filename).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / weights.get(artifact_id).filename).write_bytes(b"x")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    at = app_page("app", "fr").run()
    assert not at.exception
    summary = at.table[0].value
    row = {demo: dict(zip(summary.columns, values)) for demo, values in zip(summary["Démo"], summary.values)}
    assert row["Échantillonnage par attention"]["Marche sans réseau"] == "✓ oui"
    assert row["Échantillonnage par attention"]["Sur cette machine"] == "✓ prêt : tous les fichiers sont là"
    assert row["Lire un chiffre"]["Sur cette machine"] == "✓ prêt · ⬇️ encore 9,9 Mo pour les extras"
    files = at.dataframe[0].value
    assert "Images de test de MNIST (10 000 chiffres)" in set(files["Fichier"])


def test_empty_canvas_asks_for_a_digit():
    at = mnist_page().run()
    assert not at.exception and not errors(at)
    assert any("Draw a digit" in i.value for i in at.info)
    assert not at.metric


@pytest.mark.parametrize("fill", [0, 255])
def test_all_black_or_white_canvas_is_not_guessed(fill):
    at = mnist_page()
    at.session_state["mnist_canvas"] = canvas_state(np.full((280, 280, 4), fill, np.uint8))
    at.run()
    assert not at.exception and not at.metric
    assert any("Draw a digit" in i.value for i in at.info)


def test_drawn_digits_are_read(digits):
    images, labels = digits
    for i in range(3):
        at = mnist_page()
        at.session_state["mnist_canvas"] = canvas_state(drawn(images[i]))
        at.run()
        assert not at.exception
        assert at.metric[0].value == str(labels[i])
        assert len(at.get("plotly_chart")) == 1     # the probability chart


def test_french_page(digits):
    at = mnist_page("fr")
    at.session_state["mnist_canvas"] = canvas_state(drawn(digits[0][0]))
    at.run()
    assert not at.exception
    assert at.title[0].value == "Dessinez un chiffre, un CNN le lit"
    assert at.metric[0].label == "Le réseau lit"


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return upload_file(at, data, name, "mnist_source")


@pytest.mark.parametrize("name,data", [
    ("notes.png", b"this is not an image, just text"),
    ("broken.jpg", None),
    ("empty.png", b""),
])
def test_bad_uploads_get_a_message(name, data):
    if data is None:   # a JPEG cut in the middle
        data = encode(Image.new("RGB", (300, 300), "white"), "JPEG")[:200]
    at = upload(mnist_page(), name, data)
    assert not at.exception
    assert errors(at), "a bad file must get a clear message"
    assert not at.metric


@pytest.mark.parametrize("mode", ["RGBA", "P", "CMYK", "I;16"])
def test_uploaded_photo_modes_are_read(mode, digits):
    images, labels = digits
    paper = 255 - np.asarray(Image.fromarray(images[1]).resize((140, 140)))   # dark ink, light paper
    image = Image.fromarray(paper)
    if mode == "I;16":
        image = Image.fromarray(paper.astype(np.uint16) * 257)
    else:
        image = image.convert(mode)
    at = upload(mnist_page(), f"digit.{'jpg' if mode == 'CMYK' else 'png'}", encode(image, "JPEG" if mode == "CMYK" else "PNG"))
    assert not at.exception and not errors(at)
    assert at.metric[0].value == str(labels[1])


def test_huge_upload_is_refused_with_a_message():
    data = png_declaring(20000, 20000, idat=b"\0" * 20001)   # refused before any decoding
    at = upload(mnist_page(), "huge.png", data)
    assert not at.exception and errors(at)


def probability_bars(at: AppTest) -> list[float]:
    """The ten bars of the chart of probabilities, as drawn."""
    chart = next(c for c in at.get("plotly_chart") if "mnist_curve" not in c.proto.id)
    return json.loads(chart.proto.spec)["data"][0]["y"]


def test_train_it_yourself_replaces_the_model(monkeypatch, tmp_path, digits):
    """The button trains from scratch with a live curve, reports the test error, and the canvas uses the new
    network; the visitor can switch back to the shipped one, and the downloaded file reads digits elsewhere."""
    import time

    from demos import mnist
    from demos.mnist.train import QUICK

    downloads = Downloads(monkeypatch)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(require_shared("mnist", "MNIST", "raw")))
    at = mnist_page()
    at.session_state["mnist_canvas"] = canvas_state(drawn(digits[0][2]))
    at.run()
    shipped = probability_bars(at)
    expected = next(c.value for c in at.caption if c.value.startswith("Expected here: about "))
    assert "The lecture's claim: under 10 s." in expected     # before the click: how long, here, against the slide
    at.button(key="mnist_train").click().run()
    assert not at.exception and not errors(at)
    job = at.session_state["mnist_training"]            # queued in the server's job queue, then run
    deadline = time.monotonic() + 120
    while len(job.state.get("history", [])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    at.run()                                              # a rerun while it trains: the curve so far
    if not job.finished:
        live = next(c for c in at.get("plotly_chart") if "mnist_curve_live" in c.proto.id)
        spec = json.loads(live.proto.spec)
        assert len(spec["data"][0]["y"]) >= 2
        assert spec["layout"]["xaxis"]["range"] == [0, QUICK.steps]      # the whole run's width from the start
        bar = at.get("progress")[0].proto
        assert 0 < bar.value < 100 and bar.text.startswith("Step ")       # "Step 40/400 · 3.1 s"
    assert job.wait(300) and job.status == "done"
    at.run()
    assert not at.exception and not errors(at)
    done = next(s.value for s in at.success if s.value.startswith("Trained in"))
    claim = "within the lecture's 10 s" if job.result["seconds"] <= 10 else "× the lecture's 10 s"
    assert claim in done                                  # after: how long it took here, against the slide
    assert at.toggle(key="mnist_use_mine").value is True
    assert at.metric[0].value == str(digits[1][2])
    assert probability_bars(at) != shipped                      # another network: other probabilities
    at.toggle(key="mnist_use_mine").set_value(False).run()   # back to the lecture's network
    assert at.metric[0].value == str(digits[1][2]) and probability_bars(at) == shipped
    name, data = downloads.of(at)
    assert name == "my_mnist_cnn.pt"
    (tmp_path / name).write_bytes(data)
    model = mnist.load_model(tmp_path / name)                 # the way the app loads a network file
    images, labels = digits
    read = [mnist.read(image, model).prediction for image in images]
    assert np.mean(np.array(read) == labels) >= 0.85