"""What many tests need, written once: image bytes, PNG bombs, uploads, local HTTP servers, MNIST digits.

Nothing here touches the network beyond 127.0.0.1, and nothing is copied from
``../shared/data`` into the repository.
"""
from __future__ import annotations

import functools
import http.server
import io
import os
import struct
import threading
import time
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from tests.conftest import require_shared

# --------------------------------------------------------------------------- packages


def require_package(name: str) -> ModuleType:
    """``pytest.importorskip``, except under ``CI=true`` where a missing package is a failure."""
    if os.environ.get("CI") == "true":
        try:
            return __import__(name, fromlist=["_"])
        except ImportError as exc:
            pytest.fail(f"CI=true but the package {name!r} is missing: {exc}")
    return pytest.importorskip(name)


# --------------------------------------------------------------------------- images


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """``image`` saved in ``fmt`` (PNG, JPEG, GIF, TIFF...), as the bytes a visitor would upload."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """An RGB picture of random pixels (incompressible: its file is as big as it gets)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int, bit_depth: int = 8, colour: int = 0, idat: bytes = b"\0" * 64) -> bytes:
    """A PNG whose header declares width × height, with almost no data (a decompression bomb's header).

    ``colour`` is PNG's colour type (0 grey, 2 RGB); no pixel is ever allocated by writing it.
    """
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(idat))
            + png_chunk(b"IEND", b""))


def png_16bit_rgb(width: int = 40, height: int = 30) -> bytes:
    """A real 48-bit RGB PNG (Pillow cannot write one): a horizontal ramp over the full 16-bit range."""
    ramp = np.linspace(0, 65535, width).astype(">u2")
    row = np.stack([ramp, ramp[::-1], np.full(width, 30000, ">u2")], 1).tobytes()
    data = b"".join(b"\0" + row for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(data)) + png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------- AppTest


def upload(at, data: bytes, name: str = "photo.png", source_key: str | None = None, mime: str = "image/png"):
    """Run the page, pick its "upload" source (a segmented control or a radio named ``source_key``), send a file."""
    at.run()
    if source_key is not None:
        widget = next(w for kind in ("segmented_control", "radio")
                      for w in at.get(kind) if getattr(w, "key", None) == source_key)
        widget.set_value("upload").run()
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def texts(elements) -> str:
    """The values of a list of AppTest elements (captions, infos, markdown...), one per line."""
    return "\n".join(str(e.value) for e in elements)


class Downloads:
    """What the page's download buttons would give the visitor's browser (AppTest itself cannot read them).

    Streamlit keeps a download's bytes in its media storage, keyed by the id in
    the button's URL, or (data given as a function) a function it calls on the
    click; this records both during the test.
    """

    def __init__(self, monkeypatch) -> None:
        from streamlit.runtime.media_file_manager import MediaFileManager
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

        self.files: dict[str, tuple[str | None, bytes]] = {}
        self.deferred: dict[str, tuple[str | None, object]] = {}
        stored, deferred = MemoryMediaFileStorage.load_and_get_id, MediaFileManager.add_deferred

        def recording(storage, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001
            file_id = stored(storage, path_or_data, mimetype, kind, filename)
            kept = storage.get_file(file_id)
            self.files[file_id] = (kept.filename, kept.content)
            return file_id

        def recording_deferred(manager, data_callable, mimetype, coordinates, file_name=None, **kw):  # noqa: ANN001
            file_id = deferred(manager, data_callable, mimetype, coordinates, file_name=file_name, **kw)
            self.deferred[file_id] = (file_name, data_callable)
            return file_id

        monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
        monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)

    def of(self, at, index: int = 0) -> tuple[str | None, bytes]:
        """(file name, bytes) of the page's ``index``-th download button, as a click would give them."""
        proto = at.get("download_button")[index].proto
        if proto.deferred_file_id:
            name, make = self.deferred[proto.deferred_file_id]
            return name, make()
        return self.files[proto.url.rsplit("/", 1)[1].split(".")[0]]


# --------------------------------------------------------------------------- MNIST


@functools.cache
def mobilenet_weights_dir(folder: Path, monkeypatch, samples: Path | None = None) -> Path:
    """``folder`` as the app's local weights folder, holding the real MobileNetV2 under its torchvision name.

    ``samples``: the ImageNet sample gallery's folder (none by default).
    """
    import shutil

    from demos import imagenet

    shutil.copy(require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth"),
                folder / imagenet.get_spec("mobilenet_v2").filename)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(folder))
    if samples is None:
        monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(samples))
    return folder


def mnist_test_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10 000 MNIST test digits (uint8, 28×28) and their labels, from ``../shared/data``, read once."""
    from demos.mnist.data import load_mnist

    return load_mnist("test", require_shared("mnist", "MNIST", "raw"))


# --------------------------------------------------------------------------- HTTP on 127.0.0.1


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes`` first, then files from ``root`` (with ``Range``), optionally truncated or stalled."""

    root: Path
    routes: dict
    log: list
    ranges = True      # answer ``Range`` with 206 (else ignore it and send 200)
    truncate = False   # announce the full length but send only half the body
    stall = 0.0        # seconds to wait before answering

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def do_GET(self) -> None:
        self.log.append((self.path, self.headers.get("Range")))
        if self.stall:
            time.sleep(self.stall)
        if self.path in self.routes:
            status, headers, body = self.routes[self.path]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.close_connection = True            # the body ends when the connection closes
            self.end_headers()
            self.wfile.write(body)
            return
        path = self.root / self.path.lstrip("/").split("?")[0]
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start, range_header = 0, self.headers.get("Range")
        if range_header and self.ranges:
            start = int(range_header.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.truncate else body)


class FileServer:
    """An HTTP server on 127.0.0.1 (port 0) in a daemon thread: files from ``root``, plus fixed ``routes``."""

    def __init__(self, root: Path, routes: dict | None = None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.handler = type("Handler", (_Handler,), {"root": root, "routes": dict(routes or {}), "log": []})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.httpd.daemon_threads, self.httpd.block_on_close = True, False   # a stalled answer must not hold close()
        self.httpd.handle_error = lambda *args: None  # a client that gave up is expected here
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def log(self) -> list:
        return self.handler.log

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def put(self, name: str, data: bytes) -> str:
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        (self.root / name).write_bytes(data)
        return self.url(name)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> FileServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- gradient descent


def lecture_preset_results(lang: str = "en") -> dict[str, tuple[str, str]]:
    """What the lecture's preset (wavy curve, w₀ = 2.5, 20 steps) must print for η = 0.125 and η = 0.5: (w, L),
    with the decimal mark of ``lang`` (0.125 / 0,125)."""
    from demos import gradient_descent as gd
    from demos.i18n import format_decimal

    out = {}
    for eta in (0.125, 0.5):
        run = gd.run_many("wavy", ("gd",), {"gd": eta}, (2.5,), 20, condition=10.0, beta=0.9, noise=0.0)["gd"]
        out[f"η = {format_decimal(eta, 'g', lang)}"] = (format_decimal(run.trajectory[-1, 0], ".3f", lang),
                                                       format_decimal(run.losses[-1], ".3f", lang))
    return out


def write_mnist_subset(folder: Path, n_train: int, n_test: int) -> Path:
    """The first digits of MNIST's two splits as idx files in ``folder``: a small dataset for training scripts."""
    from demos.mnist.data import load_mnist

    raw = require_shared("mnist", "MNIST", "raw")
    folder.mkdir(parents=True, exist_ok=True)
    for split, n, (images_name, labels_name) in (("train", n_train, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")),
                                                 ("test", n_test, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))):
        images, labels = load_mnist(split, raw)
        (folder / images_name).write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 28, 28) + images[:n].tobytes())
        (folder / labels_name).write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels[:n].astype(np.uint8).tobytes())
    return folder
