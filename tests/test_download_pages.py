"""Online: a page downloads the file it needs, with a progress bar, checked, resumed, then works.

Every other test runs offline (conftest sets ``DLDEMOS_OFFLINE=1``). Here the
catalogue's addresses are pointed at a server on 127.0.0.1 serving the real
MobileNetV2 weights from ``../shared/data`` (a test-only mirror: the catalogue
of this process is patched, nothing in the product changes).
"""
from __future__ import annotations

import dataclasses
import hashlib

import pytest

from demos import imagenet, weights
from tests.apptest_support import app_page, errors
from tests.conftest import require_shared
from tests.support import FileServer, upload

MOBILENET = imagenet.get_spec("mobilenet_v2")
FILENAME = weights.get(MOBILENET.artifact_id).filename     # under the cache or a mirror
LABRADOR = ("imagenet-samples", "original", "n02099712_Labrador_retriever.JPEG")


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """Online, with an empty cache, every catalogue file fetched from a server on 127.0.0.1 instead of the web."""
    monkeypatch.setenv("DLDEMOS_OFFLINE", "0")
    monkeypatch.delenv("DLDEMOS_WEIGHTS_DIR", raising=False)
    monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV, raising=False)
    with FileServer(tmp_path / "mirror") as server:
        local = {key: dataclasses.replace(artifact, urls=(server.url(artifact.filename),))
                 for key, artifact in weights.CATALOGUE.items()}
        monkeypatch.setattr(weights, "CATALOGUE", local)
        yield server


def serve_mobilenet(server: FileServer, monkeypatch, checksums_of_the_served_file: bool = True) -> bytes:
    """The shared MobileNetV2 on the mirror under its catalogue name; its checksums in the catalogue if asked.

    The shared copy is a dequantized re-export, not torchvision's own file, so
    its bytes differ from the official checksum: exactly a corrupted download.
    """
    data = require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth").read_bytes()
    artifact = weights.CATALOGUE[MOBILENET.artifact_id]
    server.put(artifact.filename, data)
    if checksums_of_the_served_file:
        weights.CATALOGUE[MOBILENET.artifact_id] = dataclasses.replace(
            artifact, size=len(data), sha256=hashlib.sha256(data).hexdigest(), sha256_prefix=None, md5=None)
    return data


def classify_upload(lang: str = "en"):
    at = app_page("imagenet", lang, 120)
    at.session_state["imagenet_model"] = "mobilenet_v2"
    return upload(at, require_shared(*LABRADOR).read_bytes(), "dog.jpg", "imagenet_source", "image/jpeg")


def progress_bars(at) -> list[tuple[float, str]]:
    return [(bar.proto.value, bar.proto.text) for bar in at.get("progress")]


def test_the_page_downloads_the_network_with_a_progress_bar_then_reads_the_photo(mirror, monkeypatch):
    data = serve_mobilenet(mirror, monkeypatch)
    at = classify_upload()
    assert not at.exception and not errors(at), errors(at)
    bars = progress_bars(at)
    assert len(bars) == 1 and bars[0][0] == 100                        # the bar ends full...
    assert "MobileNetV2" in bars[0][1] and "MB" in bars[0][1]         # ...naming the file and its size
    assert at.dataframe[0].value["Class"].iloc[0] == "Labrador retriever"
    assert (weights.cache_dir() / FILENAME).read_bytes() == data
    requests = [path for path, _ in mirror.log]
    assert requests == [f"/{FILENAME}"]
    classify_upload()                                                  # the next visitor: no second download
    assert len(mirror.log) == 1


def test_a_corrupted_download_gets_a_message_and_leaves_nothing_behind(mirror, monkeypatch):
    serve_mobilenet(mirror, monkeypatch, checksums_of_the_served_file=False)
    at = classify_upload("fr")
    assert not at.exception
    message = " ".join(errors(at))
    assert "est corrompu" in message and "sha256" in message, message
    assert not any(weights.cache_dir().rglob("*.pth*"))                 # no .part, no bad file kept
    assert not at.dataframe


def test_an_interrupted_download_resumes_where_it_stopped(mirror, monkeypatch):
    data = serve_mobilenet(mirror, monkeypatch)
    part = weights.cache_dir() / (FILENAME + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(data[: len(data) // 3])                            # what a closed laptop left
    at = classify_upload()
    assert not at.exception and not errors(at), errors(at)
    assert mirror.log == [(f"/{FILENAME}", f"bytes={len(data) // 3}-")]   # only the rest was asked
    assert (weights.cache_dir() / FILENAME).read_bytes() == data and not part.exists()
    assert at.dataframe[0].value["Class"].iloc[0] == "Labrador retriever"


def test_a_mirror_that_does_not_answer_gets_a_message(mirror, monkeypatch):
    at = classify_upload()                                              # nothing served: HTTP 404
    assert not at.exception
    message = " ".join(errors(at))
    assert "Could not download" in message and "python -m demos.fetch --only imagenet" in message, message
