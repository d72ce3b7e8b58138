"""The ImageNet page in Streamlit's AppTest: 15 rows, comparisons, Grad-CAM, bad inputs, missing weights."""
from __future__ import annotations

import csv as csv_module
import io

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from demos import imagenet
from tests.apptest_support import app_page, errors
from tests.conftest import require_shared
from tests.support import Downloads, encode, mobilenet_weights_dir, png_declaring
from tests.support import upload as upload_file

TIMEOUT = 120
MOBILENET = imagenet.get_spec("mobilenet_v2")


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """A local weights folder holding the real MobileNetV2 file under its official torchvision name."""
    return mobilenet_weights_dir(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def labrador_bytes() -> bytes:
    return require_shared("imagenet-samples", "original", "n02099712_Labrador_retriever.JPEG").read_bytes()


def page(lang: str = "en") -> AppTest:
    return app_page("imagenet", lang, TIMEOUT)


def upload(at: AppTest, name: str, data: bytes, model: str = "mobilenet_v2") -> AppTest:
    at.run()
    at.selectbox(key="imagenet_model").set_value(model)
    return upload_file(at, data, name, "imagenet_source", "image/jpeg")


def test_upload_gives_the_top_15_and_grad_cam(weights_dir, labrador_bytes):
    at = upload(page(), "blacklab.jpg", labrador_bytes)
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert len(table) == 15
    assert table["Class"].iloc[0] == "Labrador retriever" and list(table["#"]) == list(range(1, 16))
    assert any("ms" in c.value and "Inference" in c.value for c in at.caption)
    assert at.header[0].value == "Where does it look?"
    assert len(at.get("download_button")) == 2     # the table as CSV, the heatmap as PNG
    assert len(at.image) >= 1


def test_lecture_normalisation_and_comparison_show_side_by_side(weights_dir, labrador_bytes):
    at = upload(page(), "blacklab.jpg", labrador_bytes)
    at.toggle(key="imagenet_lecture").set_value(True)
    at.selectbox(key="imagenet_compare").set_value("alexnet")
    at.run()
    assert not at.exception
    # MobileNetV2 standard + lecture: two tables; AlexNet's weights are absent: one clear message each.
    assert [len(d.value) for d in at.dataframe] == [15, 15]
    assert len(errors(at)) == 2 and all("alexnet-owt-7be5be79.pth" in e for e in errors(at))


def test_missing_weights_say_which_file_and_how_to_fetch(monkeypatch, labrador_bytes):
    monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV, raising=False)
    at = upload(page(), "blacklab.jpg", labrador_bytes, model="alexnet")
    assert not at.exception
    (message,) = errors(at)
    assert "alexnet-owt-7be5be79.pth" in message and "python -m demos.fetch --only imagenet" in message
    assert not at.dataframe


def test_french_page(weights_dir, labrador_bytes):
    at = upload(page("fr"), "chien.jpg", labrador_bytes)
    assert not at.exception and not errors(at)
    assert at.title[0].value == "Que voit un réseau pré-entraîné ?"
    assert "Classe" in at.dataframe[0].value.columns


@pytest.mark.parametrize("name,data,message", [
    ("broken.jpg", encode(Image.new("RGB", (300, 300), "white"), "JPEG")[:200], "damaged"),
    ("notes.png", b"just some text", "not an image"),
    ("huge.png", png_declaring(20000, 20000, idat=b"\0" * 20001), "too many pixels"),
])
def test_bad_uploads_get_a_clear_message(weights_dir, name, data, message):
    at = upload(page(), name, data)
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert not at.dataframe


@pytest.mark.parametrize("mode", ["RGBA", "L"])
def test_rgba_and_grayscale_uploads_are_classified(weights_dir, labrador_bytes, mode):
    image = Image.open(io.BytesIO(labrador_bytes)).convert(mode)
    if mode == "RGBA":
        alpha = np.full((image.height, image.width), 255, np.uint8)
        alpha[:40] = 0   # a transparent band: composited over white by the loader
        image.putalpha(Image.fromarray(alpha))
    at = upload(page(), f"dog_{mode}.png", encode(image))
    assert not at.exception and not errors(at)
    assert len(at.dataframe[0].value) == 15


def test_sample_gallery_from_the_samples_folder(weights_dir, monkeypatch):
    monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(require_shared("imagenet-samples", "original")))
    at = page().run()
    at.selectbox(key="imagenet_model").set_value("mobilenet_v2")
    at.selectbox(key="imagenet_sample").set_value("Labrador retriever")
    at.run()
    assert not at.exception and not errors(at)
    assert at.dataframe[0].value["Class"].iloc[0] == "Labrador retriever"


def test_no_image_yet_asks_for_one(monkeypatch):
    monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV, raising=False)
    at = page().run()
    assert not at.exception and not errors(at)
    assert any("Choose an image" in i.value for i in at.info)


def test_a_click_that_changes_nothing_heavy_computes_and_decodes_nothing_again(weights_dir, labrador_bytes,
                                                                                monkeypatch):
    """Switching the language (a rerun of the whole page) must not decode the photo or run a network again."""
    import ui.inputs
    from demos.inference import shared_service

    decoded: list[int] = []
    real_load = ui.inputs.load_image
    monkeypatch.setattr(ui.inputs, "load_image", lambda data, **kw: decoded.append(len(data)) or real_load(data, **kw))
    phone = Image.open(io.BytesIO(labrador_bytes)).resize((2400, 1800))   # a 4.3-megapixel phone photo
    at = upload(page(), "phone.jpg", encode(phone, "JPEG"))
    assert not at.exception and not errors(at)
    assert len(decoded) == 1
    computed = shared_service().computed
    at.session_state["lang"] = "fr"
    at.run()
    assert not at.exception and not errors(at)
    assert len(decoded) == 1, "the photo was decoded again"
    assert shared_service().computed == computed, "the network ran again for a click that changed nothing heavy"


def test_grad_cam_class_and_method_and_the_downloads(weights_dir, labrador_bytes, monkeypatch):
    downloads = Downloads(monkeypatch)
    at = upload(page(), "blacklab.jpg", labrador_bytes)
    assert not at.exception and not errors(at)
    name, csv = downloads.of(at, 0)
    rows = list(csv_module.DictReader(io.StringIO(csv.decode())))
    assert name == "top15_mobilenet_v2_standard.csv" and len(rows) == 15
    assert rows[0]["class_name"] == "Labrador retriever" and [r["rank"] for r in rows] == [str(i) for i in range(1, 16)]
    probabilities = [float(r["probability"]) for r in rows]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.0001
    shown = at.dataframe[0].value
    assert [r["class_name"] for r in rows] == list(shown["Class"])                   # the table, as shown
    assert [float(r["score"]) for r in rows] == pytest.approx(list(shown["Score"]), abs=0.01)

    def overlay() -> tuple[str, str]:
        image = at.image[-1].proto.imgs[0]
        return image.url, image.caption

    url, caption = overlay()
    assert "Labrador retriever" in caption
    second = at.selectbox(key="imagenet_cam_class").options[1]
    at.selectbox(key="imagenet_cam_class").select_index(1).run()
    assert not at.exception and not errors(at)
    assert overlay()[0] != url and second.split(" (")[0] in overlay()[1]        # another class, another map
    by_class = overlay()[0]
    at.segmented_control(key="imagenet_cam_method").set_value("saliency").run()
    assert not at.exception and not errors(at)
    assert overlay()[0] != by_class
    name, png = downloads.of(at, len(at.download_button) - 1)
    heat = Image.open(io.BytesIO(png))
    assert name == "saliency_mobilenet_v2.png" and heat.size == Image.open(io.BytesIO(labrador_bytes)).size
    at.segmented_control(key="imagenet_cam_method").set_value("guided").run()       # the lecture's VGG16 slide
    assert not at.exception and not errors(at)
    assert "pixel by pixel" in overlay()[1]
    name, png = downloads.of(at, len(at.download_button) - 1)
    guided = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.int16)
    assert name == "guided_mobilenet_v2.png" and guided.shape[:2] == heat.size[::-1]
    assert np.all(np.abs(guided[:, :20] - 128) <= 1)     # grey margins, not the photo: a gradient picture


def test_comparing_with_a_second_network_that_is_here(weights_dir, labrador_bytes):
    """A second network in the weights folder (EfficientNet-B0, random weights saved in torchvision's format)."""
    import torchvision

    spec = imagenet.get_spec("efficientnet_b0")
    torch.save(torchvision.models.efficientnet_b0().state_dict(), weights_dir / spec.filename)
    at = page()
    at.session_state["imagenet_compare"] = "efficientnet_b0"
    at = upload(at, "blacklab.jpg", labrador_bytes)
    assert not at.exception and not errors(at)
    assert [h.value for h in at.subheader][:2] == ["MobileNetV2", "EfficientNet-B0"]
    tables = [d.value for d in at.dataframe]
    assert len(tables) == 2 and tables[0]["Class"].iloc[0] == "Labrador retriever"
    assert list(tables[1]["Class"]) != list(tables[0]["Class"])                     # two networks, two answers
