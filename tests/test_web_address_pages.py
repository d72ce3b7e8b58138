"""A picture from a web address, on the three pages that offer it (ImageNet, CycleGAN, style transfer).

A visitor's address is never allowed to reach the server's own network: the
pages refuse 127.0.0.1 with a message. For the success path the test serves a
real photo on 127.0.0.1 and lets *only this test's* loader reach it, by
swapping the fetcher the pages call for one with ``allow_private=True``; the
production code has no switch at all.
"""
from __future__ import annotations

import functools
import shutil

import pytest
from PIL import Image

from demos import i18n, imagenet, images
from tests.apptest_support import app_page, errors
from tests.conftest import require_shared
from tests.cyclegan_support import place_compressed_generator
from tests.style_support import place_mobilenet_styles
from tests.support import FileServer, encode, texts

TIMEOUT = 120
LABRADOR = ("imagenet-samples", "original", "n02099712_Labrador_retriever.JPEG")
PAGES = {   # page → (its source control, its address box)
    "imagenet": ("imagenet_source", "imagenet_url"),
    "cyclegan": ("cyclegan_source", "cyclegan_url"),
    "style": ("style_content_source", "style_content_url"),
}


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """The files each page needs: MobileNetV2, the compressed horse→zebra generator, the fast-style networks."""
    shutil.copy(require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth"),
                tmp_path / imagenet.get_spec("mobilenet_v2").filename)
    require_shared("cyclegan")
    place_compressed_generator(tmp_path)
    require_shared("style", "mobilenetv2_fnst")
    place_mobilenet_styles(tmp_path)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV, raising=False)
    return tmp_path


@pytest.fixture
def photo_server(tmp_path):
    """A web server on 127.0.0.1 with a real photo (a Labrador) and a text file posing as a JPEG."""
    with FileServer(tmp_path / "web") as server:
        server.put("dog.jpg", require_shared(*LABRADOR).read_bytes())
        server.put("notes.jpg", b"this is not a picture")
        server.put("wide.png", encode(Image.new("RGB", (200, 3), "red")))
        yield server


@pytest.fixture
def loopback_allowed(monkeypatch):
    """This test's pages may fetch from 127.0.0.1 (the pages call ``ui.inputs.fetch_image_bytes``)."""
    import ui.inputs

    monkeypatch.setattr(ui.inputs, "fetch_image_bytes",
                        functools.partial(images.fetch_image_bytes, allow_private=True, timeout=5))
    ui.inputs._fetch.clear()


def errors_but_vgg19(at) -> list[str]:
    """The page's errors, except the style page's note that VGG19 (its other tab) was not fetched."""
    return [e for e in errors(at) if "vgg19" not in e]


def open_address(name: str, url: str, lang: str = "en"):
    source, box = PAGES[name]
    at = app_page(name, lang, TIMEOUT)
    if name == "imagenet":
        at.session_state["imagenet_model"] = "mobilenet_v2"
    at.run()
    widget = next(w for kind in ("segmented_control", "radio") for w in at.get(kind) if w.key == source)
    widget.set_value("url").run()
    at.text_input(key=box).input(url)
    return at.run()


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_address_on_the_server_itself_is_refused_with_a_message(weights_dir, photo_server, name, lang):
    at = open_address(name, photo_server.url("dog.jpg"), lang)
    assert not at.exception
    expected = i18n.translate("image.url_forbidden", lang, host="127.0.0.1")
    assert expected in errors(at), errors(at)
    assert photo_server.log == []                  # not even one request reached the server


@pytest.mark.parametrize("name", list(PAGES))
def test_a_photo_from_a_web_address_gives_the_result(weights_dir, photo_server, loopback_allowed, name):
    at = open_address(name, photo_server.url("dog.jpg"))
    assert not at.exception and not errors_but_vgg19(at), errors(at)
    if name == "imagenet":
        assert at.dataframe[0].value["Class"].iloc[0] == "Labrador retriever"
    elif name == "cyclegan":
        assert "Computed in" in texts(at.markdown) and len(at.get("download_button")) == 1
    else:
        assert "One forward pass in" in texts(at.markdown) and len(at.get("download_button")) == 1
    assert [path for path, _ in photo_server.log] == ["/dog.jpg"]
    at.run()                                       # another click on the page: not downloaded again
    assert len(photo_server.log) == 1


@pytest.mark.parametrize("name", list(PAGES))
def test_bad_web_addresses_get_a_message_in_the_visitors_words(weights_dir, photo_server, loopback_allowed, name):
    cases = {
        photo_server.url("notes.jpg"): "not an image",
        photo_server.url("missing.jpg"): "could not be downloaded",
        photo_server.url("wide.png"): "too thin to show",
        "ftp://example.com/dog.jpg": "starting with http:// or https://",
    }
    for url, message in cases.items():
        at = open_address(name, url)
        assert not at.exception
        assert any(message in e for e in errors(at)), (url, errors(at))
