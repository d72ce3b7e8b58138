"""The Ray backend when things go wrong, without a cluster (fast, in this process).

A stand-in for Serve's handle answers, fails, stalls or disappears, and the
tests check what the visitor would see: the cached answer, their own words for a
known error, a timeout that names the seconds they waited, a departed visitor
whose request is cancelled, a replica that died retried once, and a head node
that vanished -> the digit is still read, on this server.
"""
from __future__ import annotations

import importlib.util
import sys
import time
from functools import partial

import numpy as np
import pytest

from demos import cluster
from demos.cluster.families import Failure
from demos.errors import DemoError
from tests.support import mnist_test_digits, require_package


class Response:
    """A stand-in for a Serve response: ready after ``delay`` seconds, or raising ``error``."""

    def __init__(self, answer=None, delay: float = 0.0, error: Exception | None = None):
        self.answer, self.error, self.ready_at = answer, error, time.monotonic() + delay
        self.cancelled = False

    def result(self, timeout_s: float):
        if self.error is not None:
            raise self.error
        wait = self.ready_at - time.monotonic()
        if wait > timeout_s:
            time.sleep(timeout_s)
            raise TimeoutError
        time.sleep(max(wait, 0))
        return self.answer

    def cancel(self):
        self.cancelled = True


class Handle:
    """A stand-in for a Serve application handle: ``responses`` are handed out in order."""

    def __init__(self, *responses):
        self.responses, self.sent = list(responses), []

    def remote(self, source, item):
        self.sent.append(item)
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


@pytest.fixture()
def on_cluster(monkeypatch):
    """A ClusterService that believes it is connected; its MNIST requests go to a handle the test sets."""
    from demos.cluster.service import ClusterService
    from demos.mnist.reader import load_model, read_batch

    monkeypatch.setenv(cluster.ADDRESS_ENV, "auto")
    cluster.reset()
    monkeypatch.setattr(cluster, "connect", lambda: True)
    model, service = load_model(), ClusterService()
    images, _ = mnist_test_digits()
    digit = (images[0] / 255).astype(np.float32)   # a 7

    def ask(handle: Handle | None, **options):
        if handle is not None:
            service._handles["mnist"] = handle
        return service.run(("mnist", model), partial(read_batch, model), digit, **options)

    yield service, ask
    cluster.reset()


def reading(label: int):
    probabilities = np.zeros(10, np.float32)
    probabilities[label] = 1.0
    return probabilities, np.zeros((28, 28), np.float32)


def test_a_cluster_answer_is_cached_and_counted(on_cluster):
    service, ask = on_cluster
    handle = Handle(Response(reading(3)))
    first = ask(handle, cache_key="drawing-1")
    again = ask(handle, cache_key="drawing-1")
    assert int(first[0].argmax()) == 3 and again is first, "the same drawing is answered from the cache"
    assert len(handle.sent) == 1 and service.stats()["remote"] == 1 and service.stats()["backend"] == "ray"


def test_a_replicas_known_error_is_in_the_visitors_words_and_a_crash_is_explained(on_cluster):
    _, ask = on_cluster
    known = Failure("DemoError", "bad picture x.png", "imagenet.error.bad", (("name", "x.png"),))
    with pytest.raises(DemoError) as error:
        ask(Handle(Response(known)))
    assert error.value.key == "imagenet.error.bad" and error.value.params == {"name": "x.png"}

    with pytest.raises(DemoError) as error:
        ask(Handle(Response(Failure("RuntimeError", "CUDA out of memory"))))
    assert error.value.key == "inference.failed" and "CUDA out of memory" in str(error.value)


def test_a_stalled_cluster_times_out_after_the_requests_own_seconds(on_cluster):
    _, ask = on_cluster
    stalled = Response(reading(1), delay=60)
    start = time.monotonic()
    with pytest.raises(DemoError) as error:
        ask(Handle(stalled), timeout=1.0)
    assert error.value.key == "inference.timeout" and error.value.params["seconds"] == 1
    assert time.monotonic() - start < 5 and stalled.cancelled, "the cluster drops the abandoned request"


def test_a_visitor_who_leaves_cancels_the_request_on_the_cluster(on_cluster):
    service, ask = on_cluster
    leave_at = time.monotonic() + 0.4
    stalled = Response(reading(1), delay=60)
    with pytest.raises(DemoError) as error:
        ask(Handle(stalled), alive=lambda: time.monotonic() < leave_at)
    assert error.value.key == "inference.left" and stalled.cancelled and service.dropped == 1

    never_sent = Handle(Response(reading(1)))
    with pytest.raises(DemoError):
        ask(never_sent, alive=lambda: False)
    assert never_sent.sent == [], "nothing is sent for a visitor who already left"


def test_a_replica_that_dies_is_retried_once_then_the_visitor_is_told_to_try_again(on_cluster):
    require_package("ray")
    from ray.exceptions import RayActorError

    service, ask = on_cluster
    assert int(ask(Handle(Response(error=RayActorError()), Response(reading(5))))[0].argmax()) == 5
    assert service.retried == 1

    with pytest.raises(DemoError) as error:
        ask(Handle(Response(error=RayActorError()), Response(error=RayActorError())))
    assert error.value.key == "inference.restarting"


def test_a_vanished_head_still_reads_the_digit_here_and_the_status_says_why(on_cluster):
    service, ask = on_cluster
    cluster._state["connected"] = True
    probabilities, _ = ask(Handle(ConnectionError("the head at 10.0.0.1 is gone")))
    assert int(probabilities.argmax()) == 7, "the first test digit, read on this server"
    status = cluster.status()
    assert status.fallback and "gone" in status.reason and service.computed == 1
    assert status.why[0] == "common.cluster.why.lost" and "gone" in status.why[1]["error"]
    assert service._handles == {}, "the next request asks the cluster for a new handle"


def test_a_family_without_application_is_served_here(on_cluster, monkeypatch):
    require_package("ray")
    from ray import serve

    service, ask = on_cluster

    def no_such_app(name):
        raise RuntimeError(f"Application '{name}' does not exist")

    monkeypatch.setattr(serve, "get_app_handle", no_such_app)
    probabilities, _ = ask(None)
    assert int(probabilities.argmax()) == 7 and service.remote == 0 and service.computed == 1


# --------------------------------------------------------------------------- connecting


def test_without_the_setting_the_process_is_embedded(monkeypatch):
    monkeypatch.delenv(cluster.ADDRESS_ENV, raising=False)
    cluster.reset()
    assert cluster.connect() is False
    assert cluster.status() == cluster.Status("embedded") and not cluster.status().fallback


def test_an_address_that_does_not_answer_is_reported_and_not_retried_at_every_click(monkeypatch):
    require_package("ray")
    monkeypatch.setenv(cluster.ADDRESS_ENV, "127.0.0.1:1")
    cluster.reset()
    start = time.monotonic()
    assert cluster.connect() is False
    assert time.monotonic() - start < 5, "the first visitor does not wait for ray.init's retries"
    status = cluster.status()
    assert status.fallback and "does not answer" in status.reason
    assert status.why == ("common.cluster.why.no_answer", {}), "the visitor reads it in their language"

    tries = []
    monkeypatch.setattr(cluster, "_unreachable", lambda target: tries.append(target) or ("down", "common.cluster.why.no_answer"))
    assert cluster.connect() is False and tries == [], f"not tried again within {cluster.RETRY_S} s"
    cluster._state["tried"] -= cluster.RETRY_S
    assert cluster.connect() is False and tries == ["127.0.0.1:1"]
    cluster.reset()


def test_a_malformed_address_and_a_missing_ray_are_explained(monkeypatch):
    reason, why = cluster._unreachable("head-without-port")
    assert "not host:port" in reason and why == "common.cluster.why.malformed"
    assert cluster._unreachable("auto") == ("", "")
    if importlib.util.find_spec("ray"):
        monkeypatch.setenv(cluster.ADDRESS_ENV, "head-without-port")
        cluster.reset()
        assert cluster.connect() is False
        assert cluster.status().why == ("common.cluster.why.malformed", {}), "the visitor is told what is wrong"

    monkeypatch.setenv(cluster.ADDRESS_ENV, "auto")
    monkeypatch.setitem(sys.modules, "ray", None)   # import ray -> ImportError
    cluster.reset()
    assert cluster.connect() is False
    assert "requirements-ray.txt" in cluster.status().reason
    assert cluster.status().why == ("common.cluster.why.not_installed", {})
    cluster.reset()


def test_a_head_that_refuses_the_connection_is_explained(monkeypatch):
    ray = require_package("ray")

    def refuse(**options):
        raise ConnectionError("Version mismatch: the cluster runs Ray 2.40\nmore details")

    monkeypatch.setenv(cluster.ADDRESS_ENV, "auto")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", refuse)
    cluster.reset()
    assert cluster.connect() is False
    assert cluster.status().reason == "ConnectionError: Version mismatch: the cluster runs Ray 2.40"
    assert cluster.status().why == ("common.cluster.why.refused", {"error": cluster.status().reason})
    cluster.reset()


@pytest.mark.parametrize("lang, address, expected", [
    ("fr", "127.0.0.1:1", "la grappe Ray 127.0.0.1:1 est injoignable : tout tourne sur ce serveur (aucune réponse à "
                          "cette adresse)"),
    ("en", "head-without-port", "the Ray cluster head-without-port cannot be reached: everything runs on this server "
                                "(the address is not of the form host:port)"),
])
def test_every_page_says_in_the_visitors_language_that_the_cluster_is_not_used(monkeypatch, lang, address, expected):
    require_package("ray")
    from tests.apptest_support import app_page

    monkeypatch.setenv(cluster.ADDRESS_ENV, address)
    cluster.reset()
    at = app_page("app", lang).run()
    assert any(expected in c.value for c in at.caption), [c.value for c in at.caption]
    cluster.reset()


def test_a_heavy_job_sends_how_to_load_its_network_not_the_weights(tmp_path):
    """On a cluster, a BigGAN or Gatys job's actor loads the official weights from its node's weights folder:
    what travels is the loader and its arguments (a few hundred bytes, not 200 MB); random weights travel."""
    import pickle

    import torch

    from demos.cluster.heavy import _pack, _Runner
    from demos.gan.biggan import load_biggan
    from demos.style.optimisation import load_vgg19_features
    from tests.gan_support import save_random_biggan
    require_package("pytorch_pretrained_biggan")
    folder = save_random_biggan(tmp_path / "biggan-deep-128", channel_width=8)   # BigGAN's layout, narrow
    generator = load_biggan("biggan-deep-128", folder)
    sent = _pack(generator)
    weights = sum(p.numel() * p.element_size() for p in generator.parameters())
    assert len(pickle.dumps(sent)) < 2_000 < weights / 1000, "the recipe, not the weights"

    def looks(model, *, features, callback, should_stop):
        return model, features

    random_vgg = load_vgg19_features(pretrained=False, device="cpu")
    assert _pack(random_vgg) is random_vgg, "random weights cannot be loaded again: they are sent"
    loaded, features = _Runner().run(looks, (sent,), {"features": _pack(random_vgg)})
    assert loaded is not generator and features is random_vgg
    mine, theirs = generator.state_dict(), loaded.state_dict()
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine), "the same network"
