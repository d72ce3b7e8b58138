"""A page while the server is busy: the visitor sees their place in the queue, can cancel, or is told to come back."""
from __future__ import annotations

import threading

import pytest

from demos.jobs import shared_queue
from tests.apptest_support import app_page, errors
from tests.conftest import require_shared


@pytest.fixture
def busy_server(monkeypatch):
    """One slot, taken by another visitor's job until the test ends."""
    monkeypatch.setenv("DLDEMOS_MAX_JOBS", "1")
    gate = threading.Event()

    def someone_elses(job):
        while not gate.wait(0.05) and not job.should_stop():
            pass

    blocker = shared_queue().submit(someone_elses, owner="another visitor", kind="test")
    yield
    gate.set()
    assert blocker.wait(10)


def test_a_queued_training_shows_its_place_and_can_be_cancelled(busy_server, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(require_shared("mnist", "MNIST", "raw")))
    at = app_page("mnist").run()
    at.button(key="mnist_train").click().run()
    assert not at.exception and not errors(at)
    texts = [p.proto.text for p in at.get("progress")]
    assert any("you are number 1 in the queue" in text for text in texts), texts
    job = at.session_state["mnist_training"]
    assert job.status == "waiting" and job.place == 1
    at.button(key="mnist_train_cancel").click().run()
    assert not at.exception
    assert job.status == "cancelled" and job.place is None
    assert not at.get("progress")                       # nothing waits any more
    assert shared_queue().stats()["waiting"] == 0


def test_a_full_queue_says_to_come_back(busy_server, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(require_shared("mnist", "MNIST", "raw")))
    monkeypatch.setenv("DLDEMOS_MAX_QUEUE", "0")
    at = app_page("mnist", "fr").run()
    at.button(key="mnist_train").click().run()
    assert not at.exception
    assert any("réessayez dans une minute" in message for message in errors(at))
    assert "mnist_training" not in at.session_state
