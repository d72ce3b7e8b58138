"""The shared queue of heavy jobs: a bounded wait, a concurrency limit, places, cancel, results kept per job."""
from __future__ import annotations

import threading
import time

import pytest

from demos import i18n, limits
from demos.jobs import Job, JobQueue, QueueFull, TooManyJobs


def gated(result, gate: threading.Event, started: list | None = None):
    """A job function that waits for ``gate`` (or a cancel), then returns ``result``."""
    def work(job: Job):
        if started is not None:
            started.append(result)
        while not gate.wait(0.01):
            if job.should_stop():
                return f"{result} (stopped)"
        return result
    return work


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_one_at_a_time_the_others_wait_in_order_with_their_place():
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)
    gates = [threading.Event() for _ in range(3)]
    started: list[str] = []
    jobs = [queue.submit(gated(name, gate, started), owner=name) for name, gate in zip("abc", gates)]
    wait_until(lambda: started == ["a"])
    assert [j.status for j in jobs] == ["running", "waiting", "waiting"]
    assert [j.place for j in jobs] == [0, 1, 2]
    gates[0].set()
    wait_until(lambda: started == ["a", "b"])
    assert jobs[0].wait(5) and jobs[0].status == "done" and jobs[0].result == "a"
    assert jobs[2].place == 1                       # moved up
    for gate in gates[1:]:
        gate.set()
    assert all(j.wait(5) for j in jobs)
    assert [j.result for j in jobs] == ["a", "b", "c"]    # each visitor gets their own result
    assert all(j.place is None for j in jobs)
    assert queue.stats()["running"] == 0 and queue.stats()["waiting"] == 0


def test_two_slots_run_two_jobs_at_once():
    queue = JobQueue(max_running=2, max_waiting=5, max_per_owner=5)
    gate = threading.Event()
    started: list[str] = []
    jobs = [queue.submit(gated(name, gate, started), owner=name) for name in "abc"]
    wait_until(lambda: len(started) == 2)
    assert sorted(j.status for j in jobs) == ["running", "running", "waiting"]
    gate.set()
    assert all(j.wait(5) for j in jobs)


def test_a_full_queue_refuses_with_a_clear_message():
    queue = JobQueue(max_running=1, max_waiting=1, max_per_owner=5)
    gate = threading.Event()
    queue.submit(gated("a", gate), owner="a")
    queue.submit(gated("b", gate), owner="b")
    with pytest.raises(QueueFull) as refused:
        queue.submit(gated("c", gate), owner="c")
    assert "busy" in str(refused.value) and "try again in a minute" in str(refused.value)
    assert "réessayez dans une minute" in i18n.translate(refused.value.key, "fr", **refused.value.params)
    gate.set()


def test_one_visitor_cannot_fill_the_queue():
    queue = JobQueue(max_running=1, max_waiting=10, max_per_owner=2)
    gate = threading.Event()
    first = queue.submit(gated(1, gate), owner="me")
    queue.submit(gated(2, gate), owner="me")
    with pytest.raises(TooManyJobs):
        queue.submit(gated(3, gate), owner="me")
    queue.submit(gated(4, gate), owner="someone else")     # others still get in
    first.cancel()                                          # a job asked to stop no longer counts
    queue.submit(gated(5, gate), owner="me")
    gate.set()


def test_cancel_while_waiting_removes_it_and_it_never_runs():
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)
    gate = threading.Event()
    ran: list[str] = []
    first = queue.submit(gated("a", gate, ran), owner="a")
    second = queue.submit(gated("b", gate, ran), owner="b")
    third = queue.submit(gated("c", gate, ran), owner="c")
    second.cancel()
    assert second.finished and second.status == "cancelled" and second.place is None
    assert third.place == 1
    gate.set()
    assert first.wait(5) and third.wait(5)
    assert ran == ["a", "c"] and second.result is None


def test_cancel_while_running_stops_it_and_keeps_what_it_has():
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)
    gate = threading.Event()
    job = queue.submit(gated("partial", gate), owner="a")
    wait_until(lambda: job.status == "running")
    job.cancel()
    assert job.wait(5)
    assert job.status == "stopped" and job.result == "partial (stopped)"


def test_a_failing_job_keeps_its_error_and_the_next_one_runs():
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)

    def broken(job: Job):
        raise RuntimeError("boom")

    bad = queue.submit(broken, owner="a")
    good = queue.submit(lambda job: 42, owner="b")
    assert bad.wait(5) and good.wait(5)
    assert bad.status == "failed" and isinstance(bad.error, RuntimeError)
    assert good.status == "done" and good.result == 42


def test_progress_reports_reach_the_page():
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)

    def work(job: Job):
        for step in range(1, 5):
            job.report(step / 4, step=step)
        return "ok"

    job = queue.submit(work)
    assert job.wait(5)
    assert job.progress == 1.0 and job.state == {"step": 4} and job.seconds >= 0


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DLDEMOS_MAX_JOBS", "3")
    monkeypatch.setenv("DLDEMOS_MAX_QUEUE", "0")
    monkeypatch.setenv("DLDEMOS_MAX_SESSION_JOBS", "not a number")
    queue = JobQueue()
    assert queue.max_running == 3 and queue.max_waiting == 0
    assert queue.max_per_owner == limits.SETTINGS["max_session_jobs"].cpu     # a bad value falls back
    monkeypatch.setenv("DLDEMOS_MAX_JOBS", "1")
    gate = threading.Event()
    queue.submit(gated("a", gate), owner="a")
    with pytest.raises(QueueFull):                     # no room to wait at all
        queue.submit(gated("b", gate), owner="b")
    gate.set()


def test_default_limits_depend_on_the_device():
    assert limits.get("max_jobs", gpu=False) == 1 and limits.get("max_jobs", gpu=True) == 2
    assert limits.get("max_steps", gpu=False) == 300 and limits.get("max_images", gpu=True) == 32


def test_jobs_of_a_visitor_who_left_are_dropped_or_stopped():
    """Nobody will see the result of a visitor who closed the tab: it must not hold the machine."""
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)
    gate = threading.Event()
    here = {"a": True, "b": True}
    ran: list[str] = []

    def job_of(name):
        job = Job(gated(name, gate, ran), owner=name)
        job.alive = lambda: here[name]
        return queue.submit(job)

    first, second = job_of("a"), job_of("b")
    wait_until(lambda: ran == ["a"])
    here["b"] = False                   # b leaves while waiting
    here["a"] = False                   # a leaves while running
    assert first.wait(5) and first.status == "stopped"
    assert second.wait(5) and second.status == "cancelled" and ran == ["a"]
    gate.set()


def test_a_departed_visitor_s_training_stops_within_seconds_and_the_next_visitor_starts():
    """A tab closed during "Train it yourself": its job is stopped by the watcher, not only when it asks."""
    queue = JobQueue(max_running=1, max_waiting=5, max_per_owner=5)
    here = {"a": True}
    stopped_at: list[float] = []

    def training(job: Job) -> str:   # a loop that only looks at should_stop() between steps
        while not job.cancel_requested:
            time.sleep(0.01)
        stopped_at.append(time.monotonic())
        return "partial"

    first = Job(training, owner="a")
    first.alive = lambda: here["a"]
    queue.submit(first)
    wait_until(lambda: first.status == "running")
    started_next: list[float] = []
    queue.submit(lambda job: started_next.append(time.monotonic()), owner="b")
    left = time.monotonic()
    here["a"] = False                    # the tab is closed
    assert first.wait(10), "the departed visitor's job still runs after 10 s"
    wait_until(lambda: started_next, timeout=10)
    assert stopped_at[0] - left < 10 and started_next[0] - left < 15


def test_a_visitor_s_second_job_waits_behind_the_others_first_jobs():
    queue = JobQueue(max_running=1, max_waiting=10, max_per_owner=5)
    gate = threading.Event()
    started: list[str] = []
    queue.submit(gated("a1", gate, started), owner="a")
    wait_until(lambda: started == ["a1"])
    a2 = queue.submit(gated("a2", gate, started), owner="a")     # a asks again at once
    b1 = queue.submit(gated("b1", gate, started), owner="b")
    c1 = queue.submit(gated("c1", gate, started), owner="c")
    assert (b1.place, c1.place, a2.place) == (1, 2, 3)
    gate.set()
    wait_until(lambda: len(started) == 4)
    assert started == ["a1", "b1", "c1", "a2"]
