"""Malformed input through the image loader and every demo's entry point: a result or a clear DemoError, nothing else.

Anyone on the internet can upload anything to the public demo. Each input
below is either turned into a usable image (and then every demo runs on it)
or refused with a :class:`~demos.errors.DemoError` whose message, in both
languages, says what is wrong; never another exception.
"""
from __future__ import annotations

import random
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from demos import (
    attention_sampling,
    cyclegan,
    gradient_descent,
    i18n,
    imagenet,
    mnist,
    playground,
    style,
)
from demos.errors import DemoError, ImageError
from demos.images import load_image, to_rgb
from tests.conftest import require_shared
from tests.support import encode, png_16bit_rgb, png_declaring

# --------------------------------------------------------------------------- the inputs

def photo(size=(96, 64)) -> Image.Image:
    """A small picture with some structure (a gradient and a dark square)."""
    x = np.linspace(0, 255, size[0], dtype=np.float32)
    y = np.linspace(0, 255, size[1], dtype=np.float32)[:, None]
    rgb = np.stack([np.broadcast_to(x, (size[1], size[0])), np.broadcast_to(y, (size[1], size[0])),
                    np.full((size[1], size[0]), 128.0)], -1).astype(np.uint8)
    rgb[size[1] // 4: size[1] // 2, size[0] // 4: size[0] // 2] = 20
    return Image.fromarray(rgb)


def gif_declaring(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose SOF marker is patched to declare another size."""
    data = bytearray(encode(photo((16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def exif_rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6          # orientation: rotate 90° clockwise to view
    return encode(photo((120, 60)), "JPEG", exif=exif.tobytes())


def bad_exif_jpeg() -> bytes:
    return encode(photo(), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff\xff")


def animated_gif() -> bytes:
    frames = [Image.new("P", (40, 30), i * 40) for i in range(5)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)


def animated_png() -> bytes:
    frames = [photo((40, 30)), Image.new("RGBA", (40, 30), (255, 0, 0, 0))]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:])


def float_tiff(values: np.ndarray) -> bytes:
    return encode(Image.fromarray(values.astype(np.float32), "F"), "TIFF")


def multipage_tiff() -> bytes:
    return encode(photo(), "TIFF", save_all=True, append_images=[Image.new("CMYK", (20, 20))])


VALID_PNG = encode(photo(), "PNG")
VALID_JPEG = encode(photo(), "JPEG")

INPUTS: dict[str, bytes] = {
    "zero bytes": b"",
    "text named .png": b"Hello, this is not an image at all.\n" * 3,
    "html named .jpg": b"<html><script>alert(1)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "png signature only": b"\x89PNG\r\n\x1a\n",
    "png, truncated header": VALID_PNG[:30],
    "png, truncated data": VALID_PNG[: len(VALID_PNG) // 2],
    "png, bad checksum": VALID_PNG[:40] + bytes([VALID_PNG[40] ^ 0xFF]) + VALID_PNG[41:],
    "jpeg, truncated": VALID_JPEG[: len(VALID_JPEG) // 3],
    "jpeg, header only": VALID_JPEG[:20],
    "jpeg bytes with a .png name": VALID_JPEG,
    "1x1 png": encode(Image.new("RGB", (1, 1), "red"), "PNG"),
    "1x1 gif": encode(Image.new("P", (1, 1)), "GIF"),
    "2048x1 png": encode(Image.new("L", (2048, 1), 200), "PNG"),         # thinner than 1:50: refused
    "1x3000 png": encode(Image.new("L", (1, 3000), 30), "PNG"),
    "2048x41 png": encode(Image.new("L", (2048, 41), 200), "PNG"),       # the thinnest accepted
    "20x1000 png": encode(Image.new("L", (20, 1000), 30), "PNG"),
    "bomb png 20000x20000": png_declaring(20000, 20000),
    "bomb png 2^31 wide": png_declaring(2**31 - 1, 1),
    "bomb png 0x0": png_declaring(0, 0),
    "bomb gif 65535x65535": gif_declaring(65535, 65535),
    "bomb jpeg 65000x65000": jpeg_declaring(65000, 65000),
    "jpeg declaring 0x0": jpeg_declaring(0, 0),
    "animated gif": animated_gif(),
    "animated png": animated_png(),
    "16-bit grey png": encode(Image.fromarray((np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16)), "PNG"),
    "16-bit rgb png": png_16bit_rgb(),
    "cmyk jpeg": encode(photo().convert("CMYK"), "JPEG"),
    "cmyk tiff": encode(photo().convert("CMYK"), "TIFF"),
    "exif rotated jpeg": exif_rotated_jpeg(),
    "malformed exif jpeg": bad_exif_jpeg(),
    "palette with transparency": encode(photo().convert("P"), "PNG", transparency=0),
    "LA png": encode(photo().convert("LA"), "PNG"),
    "1-bit bmp": encode(photo().convert("1"), "BMP"),
    "all-NaN float tiff": float_tiff(np.full((32, 32), np.nan)),
    "inf float tiff": float_tiff(np.array([[np.inf, -np.inf], [0.0, 1.0]]).repeat(16, 0).repeat(16, 1)),
    "huge float tiff values": float_tiff(np.linspace(-1e38, 1e38, 32 * 32).reshape(32, 32)),
    "negative int32 tiff": encode(Image.fromarray(np.arange(-500, 524).reshape(32, 32).astype(np.int32)), "TIFF"),
    "multi-page tiff": multipage_tiff(),
    "webp": encode(photo(), "WEBP"),
    "webp, truncated": encode(photo(), "WEBP")[:40],
    "ico (a format not offered)": encode(photo((32, 32)), "ICO"),
    "eps header (never run)": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
}


def mutations(seed: int, count: int) -> dict[str, bytes]:
    """Valid PNG / JPEG / GIF files with a few random bytes changed, deleted or inserted."""
    rng = random.Random(seed)
    sources = {"png": VALID_PNG, "jpeg": VALID_JPEG, "gif": encode(photo().convert("P"), "GIF")}
    out = {}
    for i in range(count):
        kind = rng.choice(sorted(sources))
        data = bytearray(sources[kind])
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            action = rng.random()
            if action < 0.6:
                data[at] = rng.randrange(256)
            elif action < 0.8:
                del data[at: at + rng.randint(1, 64)]
            else:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        out[f"mutated {kind} #{i}"] = bytes(data)
    return out


def loaded(data: bytes) -> Image.Image | None:
    """load_image's result, or None after checking the refusal is a readable ImageError in both languages."""
    try:
        image = load_image(data)
    except ImageError as error:
        for lang in i18n.LANGUAGES:
            message = i18n.translate(error.key, lang, **error.params)
            assert message != error.key and "{" not in message, message
        return None
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    assert 1 <= min(image.size) and max(image.size) <= 2048
    return image


# --------------------------------------------------------------------------- the loader

@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_loader_gives_an_image_or_a_clear_message(name):
    loaded(INPUTS[name])


@pytest.mark.parametrize("name,expected", [
    ("zero bytes", "image.empty"), ("text named .png", "image.not_an_image"), ("svg", "image.not_an_image"),
    ("bomb png 20000x20000", "image.too_many_pixels"), ("bomb gif 65535x65535", "image.too_many_pixels"),
    ("bomb jpeg 65000x65000", "image.too_many_pixels"), ("png, truncated data", "image.corrupt"),
    ("eps header (never run)", "image.not_an_image"), ("ico (a format not offered)", "image.not_an_image"),
])
def test_refusals_say_why(name, expected):
    with pytest.raises(ImageError) as refused:
        load_image(INPUTS[name])
    assert refused.value.key == expected


def test_images_are_upright_first_frame_and_rgb():
    assert load_image(INPUTS["exif rotated jpeg"]).size == (60, 120)          # turned as the phone meant
    assert load_image(INPUTS["animated gif"]).size == (40, 30)
    assert load_image(INPUTS["cmyk jpeg"]).mode == "RGB"
    assert np.asarray(load_image(INPUTS["all-NaN float tiff"])).max() == 0    # NaN is black, not an error
    assert np.asarray(load_image(INPUTS["16-bit grey png"])).max() > 200      # scaled from 16 bits, not clipped


def test_randomly_damaged_files_never_escape_as_another_exception():
    for name, data in mutations(seed=10, count=150).items():
        try:
            loaded(data)
        except Exception as error:   # pragma: no cover - the message names the input
            pytest.fail(f"{name}: {type(error).__name__}: {error}")


# --------------------------------------------------------------------------- every demo's entry point

@pytest.fixture(scope="module")
def models():
    """The real networks where ../shared/data or assets/ have them; random weights only for what is not there."""
    torch.manual_seed(0)
    return {
        "mnist": mnist.load_model(),
        "imagenet": imagenet.load_classifier("mobilenet_v2", require_shared(
            "weights", "mobilenet_v2_imagenet_dequantized.pth"), device=torch.device("cpu")),
        "cyclegan": cyclegan.load_generator(path=require_shared(
            "cyclegan", "horse2zebra_ganCompression_compressed_latest_net_G.pth")),
        "fast": style.fast.load_fast_model("candy-mobilenet", path=require_shared(
            "style", "mobilenetv2_fnst", "candy.pth"), device="cpu"),
        "johnson": style.TransformerNet().eval(),           # pytorch/examples' files are not in ../shared/data
        "vgg": style.load_vgg19_features(pretrained=False, device="cpu"),   # nor VGG19's 548 MB
        "attention": attention_sampling.load_model(),
    }


def usable_inputs() -> dict[str, Image.Image]:
    out = {}
    for name, data in INPUTS.items():
        try:
            out[name] = load_image(data)
        except ImageError:
            pass
    return out


USABLE = usable_inputs()


def test_most_odd_but_valid_files_are_usable():
    assert {"1x1 png", "2048x41 png", "20x1000 png", "animated gif", "cmyk jpeg", "16-bit grey png",
            "exif rotated jpeg", "all-NaN float tiff", "multi-page tiff"} <= set(USABLE)
    assert not {"2048x1 png", "1x3000 png"} & set(USABLE)


def clean_or_demo_error(fn, *args, **kwargs):
    """fn's result, or None when it raised a DemoError with a readable message; any other exception fails."""
    try:
        return fn(*args, **kwargs)
    except DemoError as error:
        assert i18n.translate(error.key, "en", **error.params) != error.key
        return None


@pytest.mark.parametrize("name", sorted(USABLE))
def test_every_demo_runs_on_every_usable_input(name, models):
    """A file the loader accepts is one every demo can use: no refusal here, not even a polite one."""
    image = USABLE[name]
    assert np.isfinite(mnist.read(image, models["mnist"]).probabilities).all()
    result = imagenet.classify(image, models["imagenet"], 5)
    assert len(result.predictions) == 5 and all(np.isfinite(p.score) for p in result.predictions)
    out = cyclegan.translate(image, size=64, generator=models["cyclegan"], precision="float32")
    assert max(out.size) == 64
    small = image if max(image.size) <= 256 else image.resize(cyclegan.output_size(*image.size, 256))
    for network in ("fast", "johnson"):
        assert style.fast_stylize(small, model=models[network]).size == small.size
    reading = attention_sampling.read(image, k=3, model=models["attention"])
    assert np.isfinite(reading.probabilities).all() and 1 <= len(reading.positions) <= 3   # fewer on a tiny image


@pytest.mark.parametrize("name", ["1x1 png", "2048x41 png", "animated gif", "all-NaN float tiff"])
def test_gatys_first_step_on_odd_inputs(name, models):
    image = USABLE[name]
    out = clean_or_demo_error(style.gatys, image, image, steps=1, size=48, features=models["vgg"],
                              style_layers=("conv1_1", "conv2_1"), content_layer="conv2_1", optimizer="adam")
    assert out is None or np.isfinite(np.asarray(out, dtype=np.float32)).all()


@pytest.mark.parametrize("array", [
    np.full((28, 28), np.nan, np.float32), np.full((28, 28), np.inf), np.zeros((0, 0), np.uint8),
    np.zeros((5,), np.uint8), np.ones((28, 28), bool), np.full((40, 40, 3), -7, np.int64),
    np.random.default_rng(0).normal(size=(30, 30, 4)), np.zeros((2, 2, 2, 2), np.uint8),
    np.array([["a", "b"]]),
], ids=["nan", "inf", "empty", "1-d", "bool", "int64 negative", "float rgba", "4-d", "strings"])
def test_arrays_given_to_the_array_entry_points(array, models):
    """mnist.read and attention_sampling.read also take numpy arrays (the canvas, a generated sample)."""
    reading = clean_or_demo_error(mnist.read, array, models["mnist"])
    assert reading is None or np.isfinite(reading.probabilities).all()
    reading = clean_or_demo_error(attention_sampling.read, array, k=2, model=models["attention"])
    assert reading is None or np.isfinite(reading.probabilities).all()


def test_to_rgb_turns_nan_and_inf_into_pixels():
    values = np.array([[np.nan, np.inf], [-np.inf, 0.5]], np.float32)
    assert np.asarray(to_rgb(Image.fromarray(values, "F"))).shape == (2, 2, 3)


# --------------------------------------------------------------------------- the playgrounds' numbers

BAD_NUMBERS = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 0.0]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("surface", ["wavy", "quadratic", "rosenbrock"])
def test_gradient_descent_with_nan_or_inf_settings(value, surface):
    dim = gradient_descent.make_surface(surface).dim
    for optimizer in ("gd", "momentum", "adam", "sgd"):
        for lr, start, options in ((value, [0.5] * dim, {}), (0.1, [value] * dim, {}),
                                   (0.1, [0.5] * dim, {"beta": value}), (0.1, [0.5] * dim, {"condition": value})):
            if optimizer != "momentum":
                options = {k: v for k, v in options.items() if k != "beta"}
            run = clean_or_demo_error(gradient_descent.run, surface, optimizer, lr, start, 20, **options)
            if run is not None:   # what is drawn is finite; a blow-up is reported, not drawn
                assert np.isfinite(run.trajectory).all() and np.isfinite(run.losses).all(), (optimizer, lr, start)
                assert len(run.trajectory) == 21 or run.diverged


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_playground_with_nan_or_inf_settings(value):
    for settings in ({"lr": value}, {"l2": value}):
        trainer = clean_or_demo_error(playground.Trainer, playground.make_dataset("xor", 60), **settings)
        if not (np.isfinite(value) and 0 <= value <= 100):      # NaN, ±inf, ±1e308 (and only those) refused
            assert trainer is None, (settings, "accepted")
            continue
        clean_or_demo_error(trainer.step, 2)
        assert np.isfinite(trainer.history[-1]["train_loss"]), settings
    data = clean_or_demo_error(playground.make_dataset, "circles", 50, noise=value)
    assert data is None or (np.isfinite(data.x_train).all() and np.isfinite(data.x_test).all())


# --------------------------------------------------------------------------- the drawing canvas (a browser's message)

@pytest.mark.parametrize("drawing", [
    {"raw": {"objects": []}, "data": "data:image/png;base64," + __import__("base64").b64encode(
        png_declaring(30000, 30000)).decode()},
    {"raw": {"objects": []}, "data": "data:image/png;base64,@@@ not base64 @@@"},
    {"raw": {"objects": []}, "data": "no data URL at all"},
    {"raw": {"objects": []}, "data": 12345},
    "not even a dict",
], ids=["bomb", "bad base64", "no data url", "a number", "a string"])
def test_a_malformed_canvas_message_gets_a_message_not_a_crash(drawing):
    """The canvas's value comes from the visitor's browser: anything may arrive; it goes through the loader."""
    from tests.apptest_support import app_page, errors

    at = app_page("mnist")
    at.session_state["mnist_canvas"] = {"drawing": drawing, "backgroundFit": None}
    at.run()
    assert not at.exception
    assert errors(at) and not at.metric
