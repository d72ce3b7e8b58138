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


def test_a_running_training_is_cancelled_from_the_page_and_frees_the_machine(monkeypatch):
    import time

    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(require_shared("mnist", "MNIST", "raw")))
    at = app_page("mnist").run()
    at.button(key="mnist_train").click().run()
    job = at.session_state["mnist_training"]
    deadline = time.monotonic() + 60
    while not job.state.get("history") and time.monotonic() < deadline:   # it has started and reports steps
        time.sleep(0.05)
    at.run()
    assert job.status == "running" and at.get("progress")
    at.button(key="mnist_train_cancel").click().run()
    assert job.wait(30) and job.status == "stopped"
    assert shared_queue().stats()["running"] == 0                   # the machine is free for the next visitor
    at.run()
    assert not at.exception and not errors(at)
    assert not at.get("progress") and not at.success                 # no half-trained network adopted
    assert not [t for t in at.toggle if t.key == "mnist_use_mine"]
    assert at.button(key="mnist_train").label                         # and the visitor may start again
