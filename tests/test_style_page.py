"""The style page in Streamlit's AppTest: fast mode paints an upload, a missing VGG19 is a clear message."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page
from tests.conftest import require_shared
from tests.style_support import place_mobilenet_styles
from tests.support import Downloads, encode, texts

TIMEOUT = 120


def style_page(lang: str = "en") -> AppTest:
    return app_page("style", lang, TIMEOUT)


def photo_bytes() -> bytes:
    image = Image.open(require_shared("style", "content_images", "dancing.jpg")).convert("RGB").resize((160, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def mobilenet_styles(tmp_path, monkeypatch):
    """A weights folder with only the shared MobileNetV2 fast-style networks (no VGG19, no samples)."""
    require_shared("style", "mobilenetv2_fnst")
    place_mobilenet_styles(tmp_path)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    return tmp_path


def test_fast_mode_paints_an_upload_while_vgg19_is_missing(mobilenet_styles):
    at = style_page().run()
    assert not at.exception
    assert "3 of 7" in texts(at.caption)                                     # fast mode reports its state
    assert at.selectbox(key="style_fast_model").value == "candy-mobilenet"   # the first one that is here
    assert "Choose a photo" in texts(at.info)
    # VGG19 is missing and the tests are offline: the Gatys tab says so and how to fetch it
    assert len(at.error) == 1 and "python -m demos.fetch --only style" in at.error[0].value
    at.file_uploader(key="style_content_upload").set_value(("photo.png", photo_bytes(), "image/png"))
    at.segmented_control(key="style_content_source").set_value("upload").run()
    assert not at.exception
    assert "One forward pass in" in texts(at.markdown)
    assert len(at.get("image")) >= 2                                         # the photo and the painting
    assert len(at.get("download_button")) == 1
    assert len(at.error) == 1                                                # still only the VGG19 message


def test_no_fast_network_gives_a_message_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    at = style_page("fr").run()
    assert not at.exception
    assert "0 sur 7" in texts(at.caption)
    errors = texts(at.error)
    assert "style/candy.pth" in errors and "vgg19-dcbb9e9d.pth" in errors


def place_random_vgg19(folder) -> None:
    """VGG19's features with random weights, saved in torchvision's format under the catalogue's name."""
    import torch

    from demos import style, weights

    path = folder / weights.get(style.VGG19_ARTIFACT).filename
    path.parent.mkdir(parents=True, exist_ok=True)
    vgg = style.load_vgg19_features(pretrained=False, device="cpu")
    torch.save({f"features.{k}": v for k, v in vgg.state_dict().items()}, path)


def test_the_servers_caps_on_steps_and_sizes_are_what_the_visitor_can_choose(mobilenet_styles, monkeypatch):
    downloads = Downloads(monkeypatch)
    monkeypatch.setenv("DLDEMOS_MAX_STEPS", "50")
    monkeypatch.setenv("DLDEMOS_MAX_STYLE_SIZE", "192")
    monkeypatch.setenv("DLDEMOS_MAX_FAST_STYLE_SIZE", "384")
    place_random_vgg19(mobilenet_styles)
    big_photo = encode(Image.open(require_shared("style", "content_images", "dancing.jpg")).convert("RGB")
                       .resize((900, 700)))
    at = style_page().run()
    at.segmented_control(key="style_content_source").set_value("upload").run()
    at.file_uploader(key="style_content_upload").set_value(("big.png", big_photo, "image/png")).run()
    assert not at.exception
    assert at.slider(key="style_steps").max == 50                                   # Gatys: at most 50 steps
    assert [int(o) for o in at.select_slider(key="style_size").options] == [128, 192]
    assert max(int(o) for o in at.select_slider(key="style_fast_size").options) == 384
    assert at.select_slider(key="style_fast_size").value <= 384                     # 512 is not offered
    name, png = downloads.of(at, 0)
    assert max(Image.open(io.BytesIO(png)).size) <= 384                             # the painting obeys it


def test_gatys_runs_live_and_stops(mobilenet_styles, monkeypatch):
    """With a (random) VGG19 in place, Start launches the optimisation, the view follows it, Stop keeps it."""
    place_random_vgg19(mobilenet_styles)
    at = style_page().run()
    assert not at.exception and not at.error
    upload = ("photo.png", photo_bytes(), "image/png")
    at.segmented_control(key="style_content_source").set_value("upload")
    at.file_uploader(key="style_content_upload").set_value(upload)
    at.segmented_control(key="style_style_source").set_value("upload").run()
    at.file_uploader(key="style_style_upload").set_value(upload)
    at.select_slider(key="style_size").set_value(128)
    at.button_group(key="style_layers").set_value(["conv1_1", "conv2_1"])
    at.radio(key="style_optimizer").set_value("adam")
    at.slider(key="style_steps").set_value(300).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1                                    # the Gram heatmap
    images_before = len(at.get("image"))
    at.button(key="style_start").click().run()
    job = at.session_state["style_job"]
    for _ in range(240):           # the page polls the same way, once a second
        if job.step >= 2:
            break
        job.wait(0.25)
    at.run()
    assert not at.exception
    progress = at.get("progress")
    assert len(progress) == 1 and progress[0].proto.text.startswith("Step ")
    assert len(at.get("image")) == images_before + 1                            # the live preview
    assert len(at.get("plotly_chart")) == 2                                    # + the loss curves
    at.button(key="style_stop").click().run()
    assert job.wait(60) and job.status == "stopped"
    at.run()
    assert not at.exception
    assert "Stopped after" in texts(at.success)
    assert len(at.get("download_button")) >= 1
