"""The weights catalogue and ``python -m demos.fetch``, against a local HTTP server.

Every download here goes to a ``http.server`` on 127.0.0.1 (port 0) serving a
temporary folder, with a fake catalogue: no test touches the real network.
"""
from __future__ import annotations

import hashlib
import json
import socket
import time
from pathlib import Path

import pytest
import torch

from demos import fetch, weights
from demos.errors import WeightsUnavailable
from demos.weights import Artifact
from tests.support import FileServer

LOCALES = Path(weights.__file__).with_name("locales")


@pytest.fixture
def server(tmp_path):
    srv = FileServer(tmp_path / "served")
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    """A cache of this test's own (conftest's one is shared by the session)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("DLDEMOS_CACHE_DIR", str(path))
    return path


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setenv("DLDEMOS_OFFLINE", "0")


@pytest.fixture
def catalogue(monkeypatch) -> dict:
    fake: dict[str, Artifact] = {}
    monkeypatch.setattr(weights, "CATALOGUE", fake)
    return fake


def payload(n: int = 300_000, seed: int = 0) -> bytes:
    return bytes((i * 31 + seed) % 251 for i in range(n))


def add(catalogue: dict, id: str, urls, data: bytes | None = None, demo: str = "toy", **kw) -> Artifact:
    """Register a fake artifact whose checksums are those of ``data`` (unless given)."""
    if data is not None and not any(k in kw for k in ("md5", "sha256", "sha256_prefix")):
        kw["md5"] = hashlib.md5(data).hexdigest()
        kw["sha256"] = hashlib.sha256(data).hexdigest()
    artifact = Artifact(id=id, filename=f"{demo}/{id}.bin", demo=demo, description=f"Toy file {id}",
                        license="CC0", source="tests", urls=tuple(urls),
                        size=len(data) if data is not None else None, **kw)
    catalogue[id] = artifact
    return artifact


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing.bin"  # closed now: connection refused


# --- downloads ----------------------------------------------------------------

def test_download_writes_the_file_and_reports_progress(server, catalogue, online, cache):
    data = payload()
    add(catalogue, "toy", [server.put("toy.bin", data)], data)
    calls = []
    path = weights.resolve("toy", progress=lambda done, total: calls.append((done, total)))
    assert path == cache / "toy" / "toy.bin"
    assert path.read_bytes() == data
    assert not path.with_name("toy.bin.part").exists()
    assert calls[0] == (0, len(data)) and calls[-1] == (len(data), len(data))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert weights.status("toy") == "cached"
    # Once cached, no request goes out any more.
    server.log.clear()
    assert weights.resolve("toy") == path and server.log == []


def test_sha256_prefix_alone_is_accepted(server, catalogue, online):
    data = payload(5000)
    add(catalogue, "toy", [server.put("toy.bin", data)], data,
        sha256_prefix=hashlib.sha256(data).hexdigest()[:8])
    assert weights.resolve("toy").read_bytes() == data


@pytest.mark.parametrize("bad", ["md5", "sha256", "sha256_prefix"])
def test_checksum_mismatch_leaves_no_file(server, catalogue, online, cache, bad):
    data = payload(20_000)
    good = {"md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest()}
    good[bad] = "0123456789abcdef" if bad == "sha256_prefix" else "0" * len(good.get(bad, "0" * 64))
    add(catalogue, "toy", [server.put("toy.bin", data)], data, **good)
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy")
    assert err.value.key == "weights.checksum"
    assert "toy/toy.bin" in str(err.value) and "python -m demos.fetch --only toy" in str(err.value)
    assert not (cache / "toy" / "toy.bin").exists()
    assert not (cache / "toy" / "toy.bin.part").exists()
    assert weights.status("toy") == "missing"


def test_server_down_gives_a_readable_error(catalogue, online, cache):
    add(catalogue, "toy", [closed_port_url()], payload(100))
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy")
    message = str(err.value)
    assert err.value.key == "weights.download_failed"
    assert "toy/toy.bin" in message and "100 B" in message
    assert "python -m demos.fetch --only toy" in message and "$DLDEMOS_WEIGHTS_DIR/toy/toy.bin" in message
    assert not (cache / "toy" / "toy.bin").exists()


def test_second_mirror_is_used_when_the_first_404s(server, catalogue, online):
    data = payload(10_000)
    add(catalogue, "toy", [server.url("gone.bin"), server.put("toy.bin", data)], data)
    assert weights.resolve("toy").read_bytes() == data
    assert [path for path, _ in server.log] == ["/gone.bin", "/toy.bin"]


def test_all_mirrors_failing_names_each(server, catalogue, online):
    add(catalogue, "toy", [server.url("a.bin"), closed_port_url()], payload(10))
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy")
    assert "HTTP 404" in str(err.value) and "a.bin" in str(err.value) and "nothing.bin" in str(err.value)


def test_resume_from_a_part_file(server, catalogue, online, cache):
    data = payload()
    add(catalogue, "toy", [server.put("toy.bin", data)], data)
    part = cache / "toy" / "toy.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:100_000])
    calls = []
    path = weights.resolve("toy", progress=lambda done, total: calls.append((done, total)))
    assert path.read_bytes() == data and not part.exists()
    assert server.log == [("/toy.bin", "bytes=100000-")]
    assert calls[0] == (100_000, len(data)) and calls[-1] == (len(data), len(data))


def test_restart_from_zero_when_the_server_ignores_range(server, catalogue, online, cache):
    data = payload()
    add(catalogue, "toy", [server.put("toy.bin", data)], data)
    server.handler.ranges = False
    part = cache / "toy" / "toy.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage that must not stay in front")
    assert weights.resolve("toy").read_bytes() == data


def test_interrupted_download_is_resumed_next_time(server, catalogue, online, cache):
    data = payload()
    add(catalogue, "toy", [server.put("toy.bin", data)], data)
    server.handler.truncate = True
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy")
    assert err.value.key == "weights.download_failed"
    part = cache / "toy" / "toy.bin.part"
    assert part.stat().st_size == len(data) // 2 and not (cache / "toy" / "toy.bin").exists()
    server.handler.truncate = False
    assert weights.resolve("toy").read_bytes() == data
    assert server.log[-1] == ("/toy.bin", f"bytes={len(data) // 2}-")


def test_a_stalled_server_times_out(server, catalogue):
    data = payload(100)
    artifact = add(catalogue, "toy", [server.put("toy.bin", data)], data)
    server.handler.stall = 6.0
    start = time.monotonic()
    with pytest.raises(WeightsUnavailable) as err:
        weights.download(artifact, server.root.parent / "out.bin", timeout=0.2)
    assert time.monotonic() - start < server.handler.stall / 2     # it gave up: it did not wait for the answer
    assert "timed out" in str(err.value)


# --- where files are found ----------------------------------------------------------

def test_weights_dir_comes_first_and_needs_no_network(tmp_path, catalogue, cache, monkeypatch):
    add(catalogue, "toy", [closed_port_url()], payload(10))
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / "toy.bin").write_bytes(b"cached copy")
    assert weights.status("toy") == "cached"
    local = tmp_path / "usb"
    (local / "toy").mkdir(parents=True)
    (local / "toy" / "toy.bin").write_bytes(b"local copy")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(local))
    assert weights.status("toy") == "local"
    assert weights.resolve("toy").read_bytes() == b"local copy"  # offline (conftest), no server


def test_weights_dir_accepts_the_bare_file_name(tmp_path, catalogue, monkeypatch):
    add(catalogue, "toy", [closed_port_url()], payload(10))
    (tmp_path / "toy.bin").write_bytes(b"flat copy")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    assert weights.locate("toy") == tmp_path / "toy.bin"


def test_offline_gives_a_clear_error_without_any_request(server, catalogue):
    add(catalogue, "toy", [server.put("toy.bin", b"x")], b"x")
    assert weights.offline()  # set by conftest
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy")
    assert err.value.key == "weights.missing"
    assert "DLDEMOS_OFFLINE" in str(err.value) and "python -m demos.fetch --only toy" in str(err.value)
    assert "$DLDEMOS_WEIGHTS_DIR/toy/toy.bin" in str(err.value)
    assert server.log == []


def test_download_false_does_not_download(server, catalogue, online):
    add(catalogue, "toy", [server.put("toy.bin", b"x")], b"x")
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("toy", download=False)
    assert err.value.key == "weights.missing" and server.log == []


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("", False)])
def test_offline_values(monkeypatch, value, expected):
    monkeypatch.setenv("DLDEMOS_OFFLINE", value)
    assert weights.offline() is expected


def test_status_of_bundled_files(tmp_path, catalogue, monkeypatch, online):
    monkeypatch.setattr(weights, "REPO_ROOT", tmp_path)
    catalogue["shipped"] = Artifact("shipped", "toy/shipped.pt", "toy", "Shipped net", "MIT", "tests",
                                    bundled="assets/shipped.pt")
    assert weights.status("shipped") == "missing"
    with pytest.raises(WeightsUnavailable) as err:
        weights.resolve("shipped")
    assert err.value.key == "weights.not_bundled" and "assets/shipped.pt" in str(err.value)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "shipped.pt").write_bytes(b"net")
    assert weights.status("shipped") == "bundled"
    assert weights.resolve("shipped") == tmp_path / "assets" / "shipped.pt"


def test_unknown_id_names_the_known_ones(catalogue):
    add(catalogue, "toy", [], b"x")
    with pytest.raises(KeyError, match="toy"):
        weights.status("nope")


def test_load_state_dict_round_trip(tmp_path, server, catalogue, online):
    state = {"conv.weight": torch.randn(4, 1, 3, 3), "conv.bias": torch.arange(4.0)}
    torch.save(state, tmp_path / "net.pt")
    data = (tmp_path / "net.pt").read_bytes()
    add(catalogue, "net", [server.put("net.pt", data)], data)
    loaded = weights.load_state_dict("net")
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_readiness_and_human_size(catalogue, cache):
    add(catalogue, "a", [], bytes(2_500_000), demo="one")
    add(catalogue, "b", [], payload(10), demo="two")
    (cache / "two").mkdir(parents=True)
    (cache / "two" / "b.bin").write_bytes(b"x")
    rows = weights.readiness()
    assert [(r["id"], r["status"], r["size"]) for r in rows] == [("a", "missing", 2_500_000), ("b", "cached", 10)]
    assert set(rows[0]) >= {"id", "demo", "description", "status", "size", "license"}
    assert [r["id"] for r in weights.readiness("two")] == ["b"]
    assert weights.human_size(2_500_000) == "2.5 MB"
    assert weights.human_size(12_345_678) == "12.3 MB"
    assert weights.human_size(999) == "999 B" and weights.human_size(None) == "?"


# --- the real catalogue and its messages ------------------------------------------

def test_mnist_entries_match_torchvision():
    sizes = {"mnist-train-images": 9912422, "mnist-train-labels": 28881,
             "mnist-test-images": 1648877, "mnist-test-labels": 4542}
    for artifact_id, size in sizes.items():
        artifact = weights.CATALOGUE[artifact_id]
        assert artifact.size == size and artifact.demo == "mnist"
        assert len(artifact.md5) == 32 and artifact.filename.startswith("mnist/") and artifact.filename.endswith(".gz")
        assert artifact.urls[0].startswith("https://ossci-datasets.s3.amazonaws.com/mnist/")
        assert all(url.endswith(Path(artifact.filename).name) for url in artifact.urls)
    assert weights.CATALOGUE["mnist-cnn"].bundled == "assets/mnist_cnn.pt"


def test_messages_are_in_both_locales():
    en = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    fr = json.loads((LOCALES / "fr.json").read_text(encoding="utf-8"))
    for key, text in weights.MESSAGES.items():
        assert en[key] == text
        assert key in fr and fr[key] != text
    for key in ("fetch.offline", "fetch.failed", "fetch.ready", "fetch.unknown_demo"):
        assert key in en and key in fr


# --- python -m demos.fetch ----------------------------------------------------------

def test_fetch_list_prints_the_catalogue(capsys):
    assert fetch.main(["--list"]) == 0
    out = capsys.readouterr().out
    for artifact_id in ("mnist-train-images", "mnist-test-labels", "mnist-cnn"):
        assert artifact_id in out
    assert "9.9 MB" in out and "CC BY-SA 3.0" in out
    # where a lecturer must put each file: the path under the weights folder, on the entry's own line
    line = next(row for row in out.splitlines() if row.startswith("imagenet-mobilenet_v2 "))
    assert "imagenet/mobilenet_v2-b0353104.pth" in line


def test_fetch_only_downloads_that_demo(server, catalogue, online, cache, capsys):
    one, two = payload(50_000), payload(3000, seed=1)
    add(catalogue, "one", [server.put("one.bin", one)], one, demo="mnist")
    add(catalogue, "two", [server.put("two.bin", two)], two, demo="mnist")
    add(catalogue, "other", [server.put("other.bin", b"o")], b"o", demo="other")
    assert fetch.main(["--only", "mnist"]) == 0
    assert (cache / "mnist" / "one.bin").read_bytes() == one
    assert (cache / "mnist" / "two.bin").read_bytes() == two
    assert weights.status("other") == "missing"
    assert "one: cached" in capsys.readouterr().out


def test_fetch_reports_a_missing_file_and_fails(server, catalogue, online, capsys):
    add(catalogue, "here", [server.put("here.bin", b"h")], b"h", demo="mnist")
    add(catalogue, "gone", [server.url("gone.bin")], b"g", demo="mnist")
    assert fetch.main(["--only", "mnist"]) == 1
    err = capsys.readouterr().err
    assert "gone" in err and "HTTP 404" in err and "python -m demos.fetch --only mnist" in err
    assert "Traceback" not in err
    assert weights.status("here") == "cached"


def test_fetch_offline_says_so(server, catalogue, capsys):
    add(catalogue, "toy", [server.put("toy.bin", b"t")], b"t", demo="mnist")
    assert fetch.main(["--only", "mnist", "--lang", "fr"]) == 1
    err = capsys.readouterr().err
    assert "DLDEMOS_OFFLINE est activé" in err and server.log == []


def test_fetch_unknown_demo(catalogue, capsys):
    add(catalogue, "toy", [], b"t", demo="mnist")
    assert fetch.main(["--only", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
