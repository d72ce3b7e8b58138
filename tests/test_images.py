"""The safe image loader: every bad input becomes an ImageError with the right key."""
from __future__ import annotations

import io
import random
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from demos import i18n, images
from demos.errors import ImageError
from demos.images import fetch_image_bytes, load_image, to_rgb
from tests.support import FileServer, encode, noise, png_declaring


def png_declaring_rgb(width: int, height: int) -> bytes:
    return png_declaring(width, height, colour=2)   # 8-bit RGB


def _refused(key: str, source, **kwargs) -> ImageError:
    with pytest.raises(ImageError) as caught:
        load_image(source, **kwargs)
    assert caught.value.key == key, caught.value
    return caught.value


# --------------------------------------------------------------------------- bad input


def test_truncated_jpeg_is_corrupt(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    data = encode(noise(64, 64), "JPEG", quality=90)
    _refused("image.corrupt", data[: len(data) // 2])


def test_text_renamed_png_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("Shopping list: eggs, milk.\n", encoding="utf-8")
    _refused("image.not_an_image", path)


def test_random_bytes_are_not_an_image():
    data = random.Random(0).randbytes(4096)
    _refused("image.not_an_image", data)


def test_unlisted_format_is_not_an_image():
    """Formats outside the allow-list (here EPS, which would call Ghostscript) are refused."""
    _refused("image.not_an_image", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")


@pytest.mark.parametrize("source", [b"", bytearray(), "EMPTY_FILE", io.BytesIO(b"")])
def test_empty_input(source, tmp_path):
    if source == "EMPTY_FILE":
        source = tmp_path / "empty.jpg"
        source.write_bytes(b"")
    _refused("image.empty", source)


def test_missing_file_is_unreadable(tmp_path):
    _refused("image.unreadable", tmp_path / "nowhere.png")


REFUSE = """
import resource, sys
from pathlib import Path
from demos.errors import ImageError
from demos.images import load_image
data = Path(sys.argv[1]).read_bytes()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_image(data)
except ImageError:
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


def _peak_mb_refusing(data: bytes) -> int:
    """The memory peak of loading ``data`` in a fresh process (this one's peak was raised by earlier tests)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".png") as upload:
        upload.write(data)
        upload.flush()
        return int(subprocess.run([sys.executable, "-c", REFUSE, upload.name], capture_output=True, text=True,
                                  timeout=120, check=True, cwd=Path(__file__).resolve().parents[1]).stdout)


@pytest.mark.parametrize("side", [8_000, 10_000, 20_000])
def test_too_many_pixels_refused_from_the_header(side):
    """8000² is over our limit, 10000² over Pillow's warning, 20000² over Pillow's error: same refusal."""
    data = png_declaring_rgb(side, side)
    error = _refused("image.too_many_pixels", data)
    assert _peak_mb_refusing(data) < 50                # a decode would need 192 MB to 1.2 GB: none happened
    assert (error.params["width"], error.params["height"]) == (side, side)
    assert error.params["max_mp"] == "50"


def test_pillow_bomb_limit_untouched():
    """The loader must not change Pillow's global settings other code relies on."""
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError):
        load_image(png_declaring_rgb(20_000, 20_000))
    assert Image.MAX_IMAGE_PIXELS == before


class _CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.served = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.served += len(chunk)
        return chunk


def test_file_over_the_size_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 1000)
    data = encode(noise(64, 64), "PNG")
    assert len(data) > 5000
    error = _refused("image.file_too_big", data)
    assert i18n.placeholders(i18n.catalogue("fr")["image.file_too_big"]) <= set(error.params)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    assert _refused("image.file_too_big", path).params["size_mb"] == images._mb(len(data))
    stream = _CountingReader(data)
    _refused("image.file_too_big", stream)
    assert stream.served == 1001                       # never reads the whole of a huge upload


def test_only_image_errors_on_mangled_files():
    """Truncated or bit-flipped files of every format: an image or an ImageError, nothing else."""
    rng = random.Random(1)
    picture = noise(24, 16)
    samples = [encode(picture, fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]
    for data in samples:
        for _ in range(12):
            mangled = bytearray(data)
            if rng.random() < 0.5:
                del mangled[rng.randrange(8, len(data)):]
            else:
                for _ in range(4):
                    mangled[rng.randrange(8, len(data))] = rng.randrange(256)
            try:
                out = load_image(bytes(mangled))
            except ImageError:
                continue
            assert out.mode == "RGB"


# --------------------------------------------------------------------------- modes


def test_rgba_composited_on_background():
    rgba = Image.new("RGBA", (3, 1))
    rgba.putdata([(255, 0, 0, 0), (0, 0, 255, 255), (0, 0, 0, 128)])
    out = load_image(encode(rgba, "PNG"), background=(0, 255, 0))
    assert out.mode == "RGB"
    assert out.getpixel((0, 0)) == (0, 255, 0)         # transparent: the background, not the hidden red
    assert out.getpixel((1, 0)) == (0, 0, 255)
    assert out.getpixel((2, 0)) == pytest.approx((0, 127, 0), abs=1)
    assert load_image(encode(rgba, "PNG")).getpixel((0, 0)) == (255, 255, 255)


def test_palette_with_and_without_transparency():
    p = Image.new("P", (2, 1))
    p.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    p.putdata([0, 1])
    out = load_image(encode(p, "PNG", transparency=0), background=(10, 20, 30))
    assert [out.getpixel((x, 0)) for x in range(2)] == [(10, 20, 30), (0, 0, 255)]
    out = load_image(encode(p, "PNG"))
    assert [out.getpixel((x, 0)) for x in range(2)] == [(255, 0, 0), (0, 0, 255)]


def test_la_and_l():
    la = Image.new("LA", (2, 1))
    la.putdata([(200, 0), (50, 255)])
    out = load_image(encode(la, "PNG"), background=(0, 0, 0))
    assert [out.getpixel((x, 0)) for x in range(2)] == [(0, 0, 0), (50, 50, 50)]
    assert load_image(encode(Image.new("L", (2, 2), 77), "PNG")).getpixel((1, 1)) == (77, 77, 77)


def test_cmyk():
    cmyk = Image.new("CMYK", (3, 1))
    cmyk.putdata([(0, 0, 0, 0), (255, 0, 0, 0), (0, 0, 0, 255)])
    out = load_image(encode(cmyk, "TIFF"))
    assert [out.getpixel((x, 0)) for x in range(3)] == [(255, 255, 255), (0, 255, 255), (0, 0, 0)]
    jpeg = load_image(encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95))
    assert jpeg.getpixel((8, 8)) == pytest.approx((255, 0, 0), abs=8)      # red, through Adobe's inverted CMYK


def test_sixteen_bit_scaled_not_clipped():
    values = np.array([[0, 257 * 100, 32768, 65535]], dtype=np.uint16)
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    out = np.asarray(load_image(encode(image, "PNG")))
    assert out[0, :, 0].tolist() == [0, 100, 128, 255]
    assert (out[..., 0] == out[..., 2]).all()
    big_endian = Image.frombytes("I;16B", (4, 1), values.astype(">u2").tobytes())
    assert np.asarray(to_rgb(big_endian))[0, :, 1].tolist() == [0, 100, 128, 255]


def test_gradient_sixteen_bit_stays_a_gradient():
    ramp = Image.fromarray(np.linspace(0, 65535, 256).astype(np.uint16)[None, :])
    out = np.asarray(to_rgb(ramp))[0, :, 0].astype(int)
    assert out[0] == 0 and out[-1] == 255
    assert (np.diff(out) >= 0).all() and len(set(out.tolist())) > 200


def test_thirty_two_bit_integers():
    def gray(values, dtype=np.int32):
        return np.asarray(to_rgb(Image.fromarray(np.array([values], dtype=dtype))))[0, :, 0].tolist()
    assert gray([0, 100, 255]) == [0, 100, 255]                       # 8-bit data kept
    assert gray([0, 32768, 65535]) == [0, 128, 255]                   # 16-bit data scaled
    assert gray([-1000, 0, 1000]) == [0, 128, 255]                    # anything else stretched


def test_one_bit():
    bits = Image.new("1", (2, 1))
    bits.putdata([0, 1])
    out = load_image(encode(bits, "PNG"))
    assert [out.getpixel((x, 0)) for x in range(2)] == [(0, 0, 0), (255, 255, 255)]


def test_float_images():
    unit = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    assert unit.mode == "F"
    assert np.asarray(load_image(encode(unit, "TIFF")))[0, :, 0].tolist() == [0, 128, 255]
    wide = Image.fromarray(np.array([[-5.0, 0.0, 5.0, np.nan]], dtype=np.float32))
    assert np.asarray(to_rgb(wide))[0, :, 0].tolist() == [0, 128, 255, 128]   # NaN → 0, then stretched
    bytes_range = Image.fromarray(np.array([[0.0, 17.0, 255.0]], dtype=np.float32))
    assert np.asarray(to_rgb(bytes_range))[0, :, 0].tolist() == [0, 17, 255]


@pytest.mark.parametrize("mode,colour", [("YCbCr", (128, 128, 128)), ("HSV", (0, 255, 255)), ("LAB", (255, 128, 128))])
def test_other_colour_spaces(mode, colour):
    expected = {"YCbCr": (128, 128, 128), "HSV": (255, 0, 0), "LAB": (255, 255, 255)}[mode]
    assert to_rgb(Image.new(mode, (2, 2), colour)).getpixel((0, 0)) == pytest.approx(expected, abs=2)


def test_to_rgb_keeps_plain_rgb_and_rejects_bad_background():
    rgb = Image.new("RGB", (2, 2), (1, 2, 3))
    assert to_rgb(rgb) is rgb
    with pytest.raises(ValueError):
        to_rgb(Image.new("RGBA", (1, 1)), background=(0, 0, 300))


# --------------------------------------------------------------------------- geometry, frames, inputs


def test_exif_orientation_six_is_rotated():
    stored = Image.new("RGB", (40, 20), (255, 0, 0))
    stored.paste((0, 0, 255), (20, 0, 40, 20))          # left red, right blue, as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6                                    # "rotate 90° clockwise to display"
    out = load_image(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    assert out.size == (20, 40)
    assert out.getpixel((10, 5)) == pytest.approx((255, 0, 0), abs=12)    # left edge went to the top
    assert out.getpixel((10, 34)) == pytest.approx((0, 0, 255), abs=12)


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "TIFF", "WEBP"])
def test_animation_gives_the_first_frame(fmt):
    frames = [Image.new("RGB", (8, 8), colour) for colour in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                   **({"lossless": True} if fmt == "WEBP" else {}))
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    assert load_image(data).getpixel((4, 4)) == (255, 0, 0)


def test_downscale_keeps_aspect_ratio():
    wide = encode(Image.new("RGB", (300, 100), (9, 9, 9)), "PNG")
    assert load_image(wide, max_side=150).size == (150, 50)
    assert load_image(wide, max_side=None).size == (300, 100)
    assert load_image(wide, max_side=1000).size == (300, 100)          # never enlarged
    tall_jpeg = encode(noise(600, 1000), "JPEG")                     # JPEG: decoded at reduced scale
    assert load_image(tall_jpeg, max_side=100).size == (60, 100)
    assert load_image(encode(Image.new("RGB", (4096, 128)), "JPEG")).size == (images.DEFAULT_MAX_SIDE, 64)


def test_path_bytes_and_file_like_all_work(tmp_path):
    data = encode(Image.new("RGB", (5, 3), (1, 200, 3)), "PNG")
    path = tmp_path / "pic.png"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        sources = [data, bytearray(data), memoryview(data), str(path), Path(path), io.BytesIO(data), handle]
        for source in sources:
            out = load_image(source)
            assert (out.size, out.mode, out.getpixel((2, 1))) == ((5, 3), "RGB", (1, 200, 3))


# --------------------------------------------------------------------------- URLs


def _fetch_refused(key: str, url: str, **kwargs) -> ImageError:
    with pytest.raises(ImageError) as caught:
        fetch_image_bytes(url, **kwargs)
    assert caught.value.key == key, caught.value
    return caught.value


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/cat.png", "data:image/png;base64,AAAA",
                                 "gopher://example.com/", "www.example.com/cat.png"])
def test_url_schemes_refused(url):
    _fetch_refused("image.url_scheme", url)


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]/", "http://0.0.0.0/", "http://10.1.2.3/", "https://192.168.0.1/",
                                 "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "http://100.64.0.1/"])
def test_private_hosts_refused(url):
    _fetch_refused("image.url_forbidden", url)


@pytest.mark.parametrize("address", [
    "2002:7f00:1::",                          # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",                       # 6to4 of 169.254.169.254 (cloud metadata)
    "2002:c0a8:1::1",                         # 6to4 of 192.168.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",   # Teredo, client 127.0.0.1 (obfuscated)
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",  # NAT64 of loopback / metadata
    "64:ff9b:1::a00:1",                       # local-use NAT64 of 10.0.0.1
    "::127.0.0.1", "::ffff:169.254.169.254",  # IPv4-compatible / -mapped
    "192.0.0.8", "192.0.0.170", "198.18.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "240.0.0.1",
    "255.255.255.255", "100::1", "2001:db8::1", "fc00::1", "fe80::1%eth0", "ff02::1", "3fff::1",
])
def test_addresses_hiding_a_private_ipv4_or_in_special_ranges_are_refused(address):
    # the pure address check: no traffic is sent anywhere
    assert not images._is_public(address), address


@pytest.mark.parametrize("address", ["8.8.8.8", "2002:808:808::1", "64:ff9b::808:808", "2606:4700:4700::1111",
                                     "::ffff:1.1.1.1"])
def test_public_addresses_stay_allowed(address):
    assert images._is_public(address), address


@pytest.fixture
def server(tmp_path):
    """A local server: a small PNG, big bodies with and without a length, and redirects."""
    image, big = encode(Image.new("RGB", (30, 20), (0, 128, 255)), "PNG"), bytes(20_000)
    routes = {
        "/cat.png": (200, {"Content-Type": "image/png", "Content-Length": str(len(image))}, image),
        "/big": (200, {"Content-Length": str(len(big))}, big),
        "/big-no-length": (200, {}, big),
        "/redirect": (302, {"Location": "/cat.png", "Content-Length": "0"}, b""),
        "/redirect-ftp": (302, {"Location": "ftp://127.0.0.1/cat.png", "Content-Length": "0"}, b""),
    }
    with FileServer(tmp_path / "served", routes) as srv:
        yield srv.base


def test_fetch_from_a_local_server_when_allowed(server):
    data = fetch_image_bytes(f"{server}/cat.png", allow_private=True, timeout=5)
    image = load_image(data)
    assert image.size == (30, 20) and image.getpixel((0, 0)) == (0, 128, 255)
    assert fetch_image_bytes(f"{server}/redirect", allow_private=True, timeout=5) == data


def test_local_server_refused_by_default(server):
    _fetch_refused("image.url_forbidden", f"{server}/cat.png")


@pytest.mark.parametrize("path", ["/big", "/big-no-length"])
def test_fetch_stops_past_max_bytes(server, path):
    _fetch_refused("image.file_too_big", f"{server}{path}", allow_private=True, max_bytes=5_000, timeout=5)


def test_fetch_http_error_and_redirect_to_ftp(server):
    assert "404" in _fetch_refused("image.url_failed", f"{server}/missing", allow_private=True, timeout=5).params["reason"]
    _fetch_refused("image.url_scheme", f"{server}/redirect-ftp", allow_private=True, timeout=5)


def test_connection_refused_is_url_failed():
    with socket.socket() as probe:                    # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _fetch_refused("image.url_failed", f"http://127.0.0.1:{port}/cat.png", allow_private=True, timeout=5)
    assert error.params["url"].endswith("/cat.png")


def test_dns_rebinding_caught_at_connect(server, monkeypatch):
    """The name checked as public, but the connection lands on 127.0.0.1: refused before any request."""
    monkeypatch.setattr(images, "_resolve", lambda host, port, url: ["93.184.216.34"])
    _fetch_refused("image.url_forbidden", f"{server}/cat.png", timeout=5)


def test_redirect_to_a_private_host_refused():
    handler = images._CheckedRedirects(allow_private=False)
    request = urllib.request.Request("http://93.184.216.34/cat.png")
    with pytest.raises(ImageError) as caught:
        handler.redirect_request(request, None, 302, "Found", {}, "http://169.254.169.254/latest/")
    assert caught.value.key == "image.url_forbidden"


def test_every_image_key_is_translated():
    keys = ["image.empty", "image.not_an_image", "image.corrupt", "image.file_too_big", "image.too_many_pixels",
            "image.unreadable", "image.unsupported_mode", "image.url_scheme", "image.url_forbidden",
            "image.url_failed"]
    for lang in i18n.LANGUAGES:
        missing = [key for key in keys if key not in i18n.catalogue(lang)]
        assert not missing, (lang, missing)


DECODE = """
import resource, sys
from pathlib import Path
from demos.images import load_image
data = Path(sys.argv[1]).read_bytes()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
image = load_image(data)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024, image.size)
"""
DECODE_BUDGET_MB = 300


@pytest.mark.parametrize("name, make", [
    ("float tiff 7000²", lambda: encode(Image.fromarray(np.zeros((7000, 7000), np.float32)), "TIFF",
                                         compression="tiff_deflate")),
    ("16-bit png 7000²", lambda: encode(Image.fromarray(np.zeros((7000, 7000), np.uint16)), "PNG")),
    ("grey png 7000²", lambda: encode(Image.new("L", (7000, 7000)), "PNG")),
    ("rgba png 7000²", lambda: encode(Image.new("RGBA", (7000, 7000)), "PNG")),
    ("la png 7000²", lambda: encode(Image.new("LA", (7000, 7000)), "PNG")),
    ("int32 tiff 7000²", lambda: encode(Image.fromarray(np.zeros((7000, 7000), np.int32)), "TIFF",
                                         compression="tiff_deflate")),
])
def test_decoding_a_small_file_of_a_huge_image_stays_within_the_memory_budget(name, make, tmp_path):
    """A few hundred kilobytes must not cost gigabytes: the peak, measured in a fresh process, stays under 300 MB."""
    import subprocess
    import sys

    path = tmp_path / "upload"
    path.write_bytes(make())
    out = subprocess.run([sys.executable, "-c", DECODE, str(path)], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout.split(maxsplit=1)
    grown_mb = int(out[0])
    assert grown_mb < DECODE_BUDGET_MB, f"{name}: +{grown_mb} MB"
    assert out[1].strip() == f"({images.DEFAULT_MAX_SIDE}, {images.DEFAULT_MAX_SIDE})"
