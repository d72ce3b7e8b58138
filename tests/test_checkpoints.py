"""Broken and wrong weights files: one typed error naming the file, and the pages keep working."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from demos import attention_sampling, imagenet, mnist
from demos.checkpoints import CheckpointError
from demos.errors import DemoError, ImageError
from demos.gan import conditional
from tests.apptest_support import app_page, errors
from tests.conftest import REPO, require_shared


def mobilenet_file():
    return require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth")


LOADERS = {
    "imagenet": (lambda path: imagenet.load_classifier("mobilenet_v2", path), mobilenet_file),
    "mnist": (mnist.load_model, lambda: REPO / "assets" / "mnist_cnn.pt"),
    "attention": (attention_sampling.load_model, lambda: REPO / "assets" / "attention_sampling.pt"),
    "mnist gan": (conditional.load_generator, lambda: REPO / "assets" / "mnist_cgan.pt"),
}


def broken_copies(good, folder):
    """The ways a lecturer's file can be wrong: (name of the case, the file, the key the error must have)."""
    data = good.read_bytes()
    (folder / "truncated.pth").write_bytes(data[: len(data) // 2])
    (folder / "empty.pth").write_bytes(b"")
    (folder / "notes.pth").write_text("these are my lecture notes, not weights")
    (folder / "a_folder.pth").mkdir()
    torch.save({"conv.weight": torch.zeros(3, 3)}, folder / "other_network.pth")
    state = torch.load(good, weights_only=True)
    first_float = next(k for k, v in state.items() if v.is_floating_point())
    state[first_float] = torch.full_like(state[first_float], float("nan"))
    torch.save(state, folder / "nan.pth")
    return [("truncated", folder / "truncated.pth", "checkpoint.truncated"),
            ("empty", folder / "empty.pth", "checkpoint.empty"),
            ("text", folder / "notes.pth", "checkpoint.not_weights"),
            ("folder", folder / "a_folder.pth", "checkpoint.folder"),
            ("architecture", folder / "other_network.pth", "checkpoint.architecture"),
            ("nan", folder / "nan.pth", "checkpoint.not_finite")]


@pytest.mark.parametrize("demo", list(LOADERS))
def test_every_broken_file_gives_one_typed_error_naming_it(demo, tmp_path):
    load, good = LOADERS[demo]
    for case, path, key in broken_copies(good(), tmp_path):
        with pytest.raises(CheckpointError) as caught:
            load(path)
        assert caught.value.key == key, (demo, case, caught.value)
        assert path.name in str(caught.value), (demo, case)


def test_a_broken_imagenet_file_is_shown_and_the_page_goes_on(tmp_path, monkeypatch):
    spec = imagenet.get_spec("mobilenet_v2")
    data = mobilenet_file().read_bytes()
    (tmp_path / spec.filename).write_bytes(data[: len(data) // 3])    # a copy cut short
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(require_shared("imagenet-samples", "original")))
    at = app_page("imagenet")
    at.run()
    at.selectbox(key="imagenet_model").set_value("mobilenet_v2").run()
    assert not at.exception
    assert any(spec.filename in e and "truncated" in e for e in errors(at)), errors(at)
    # the raw exception text is folded under "Details", not read out in the middle of the sentence
    assert all("RuntimeError" not in e for e in errors(at)) and any("details below" in e for e in errors(at))
    assert any("RuntimeError" in c.value for c in at.code)
    assert at.selectbox(key="imagenet_compare").options   # the rest of the page is there


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0), (128, 30, 200)])
def test_the_lecture_normalisation_of_a_single_colour_photo_is_finite(colour):
    classifier = imagenet.load_classifier("mobilenet_v2", mobilenet_file())
    result = imagenet.classify(Image.new("RGB", (300, 200), colour), classifier, 15, "lecture")
    assert all(np.isfinite(p.score) and np.isfinite(p.probability) for p in result.predictions)
    assert result.flat


def test_a_zero_pixel_image_gets_a_typed_error_everywhere():
    from demos import cyclegan, style

    empty = Image.new("RGB", (0, 0))
    classifier = imagenet.load_classifier("mobilenet_v2", pretrained=False)
    calls = {
        "mnist": lambda: mnist.read(empty),
        "mnist array": lambda: mnist.read(np.zeros((0, 0), np.uint8)),
        "imagenet": lambda: imagenet.classify(empty, classifier),
        "cyclegan": lambda: cyclegan.translate(empty, generator=cyclegan.load_generator(path=require_shared(
            "cyclegan", "horse2zebra_ganCompression_compressed_latest_net_G.pth"))),
        "style": lambda: style.fast_stylize(empty, model=style.fast.TransformerNet()),
        "attention": lambda: attention_sampling.read(empty),
    }
    for name, call in calls.items():
        with pytest.raises(ImageError) as caught:
            call()
        assert caught.value.key == "image.no_pixels", name


@pytest.mark.parametrize("size", [(8000, 2), (2, 8000), (2048, 1), (400, 1)])
def test_images_thinner_than_one_to_fifty_are_refused_with_a_message(size):
    from demos.images import load_image, to_png

    with pytest.raises(ImageError) as caught:
        load_image(to_png(Image.new("RGB", size, (200, 100, 50))))
    assert caught.value.key == "image.too_thin"


def test_the_thinnest_accepted_image_goes_through_the_imagenet_page_projected(tmp_path, monkeypatch):
    from demos.images import to_png

    shutil.copy(mobilenet_file(), tmp_path / imagenet.get_spec("mobilenet_v2").filename)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    at = app_page("imagenet")
    at.query_params["present"] = "1"
    at.run()
    at.selectbox(key="imagenet_model").set_value("mobilenet_v2")
    at.segmented_control(key="imagenet_source").set_value("upload").run()
    at.file_uploader[0].set_value(("strip.png", to_png(Image.new("RGB", (2000, 40), (90, 140, 60))), "image/png"))
    at.run()
    assert not at.exception and not errors(at)
    assert len(at.dataframe[0].value) == 15
    assert at.selectbox(key="imagenet_model").value == "mobilenet_v2"


def test_demo_errors_of_the_loaders_are_demo_errors():
    assert issubclass(CheckpointError, DemoError)


def test_offline_without_alexnet_the_page_opens_on_a_network_that_is_here(tmp_path, monkeypatch):
    shutil.copy(mobilenet_file(), tmp_path / imagenet.get_spec("mobilenet_v2").filename)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(require_shared("imagenet-samples", "original")))
    at = app_page("imagenet")
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert at.selectbox(key="imagenet_model").value == "mobilenet_v2"
    assert len(at.dataframe[0].value) == 15


def test_fast_style_refuses_pictures_above_the_server_limit(monkeypatch):
    from demos import style

    monkeypatch.setenv("DLDEMOS_MAX_FAST_STYLE_SIZE", "300")
    with pytest.raises(DemoError) as caught:
        style.fast_stylize(Image.new("RGB", (400, 200)), model=style.fast.TransformerNet())
    assert caught.value.key == "style.error.too_big"


def test_offline_the_page_skips_a_broken_copy_and_opens_on_one_that_loads(tmp_path, monkeypatch):
    shutil.copy(mobilenet_file(), tmp_path / imagenet.get_spec("mobilenet_v2").filename)
    (tmp_path / imagenet.get_spec("resnet50").filename).write_bytes(b"\0" * 1000)   # listed before MobileNetV2
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(require_shared("imagenet-samples", "original")))
    at = app_page("imagenet", "fr")
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert at.selectbox(key="imagenet_model").value == "mobilenet_v2"
