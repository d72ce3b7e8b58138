"""One bounded, process-wide queue for the heavy jobs visitors start (no Streamlit here).

Style optimisation, BigGAN generation, live training runs and full-resolution
CNN comparisons take seconds to minutes of the whole machine. A room of
visitors clicking at once must neither freeze the server nor make it run out
of memory, so every such job goes through :func:`shared_queue`:

- at most :func:`demos.limits.max_jobs` jobs **run** at once (each in its own
  thread); the others **wait** in order, and each knows its :attr:`Job.place`;
- at most :func:`demos.limits.max_queue` jobs wait: one more is refused with
  :class:`QueueFull` ("the demo is busy, try again in a minute") instead of
  piling up;
- one visitor (``owner``, the Streamlit session) may have at most
  :func:`demos.limits.max_session_jobs` jobs waiting or running
  (:class:`TooManyJobs`);
- :meth:`Job.cancel` removes a waiting job at once, and asks a running one to
  stop: the job's function checks :meth:`Job.should_stop` (the ``should_stop``
  callback every training / optimisation loop of the demos accepts) and
  returns early, keeping what it has so far; a job whose visitor has left
  (:attr:`Job.alive`, set by the page) is removed or asked to stop the same
  way by a watcher thread that checks every :data:`WATCH_S` seconds, so a
  closed tab frees its slot within seconds;
- a visitor's second job waits behind the other visitors' first jobs (the
  next job to start is the oldest one whose visitor has nothing running);
- the result (or the error) stays on the :class:`Job` object, which the
  visitor's session holds: one visitor's result never reaches another.

A job's function is ``fn(job) -> result``; it reports progress with
:meth:`Job.report` (a fraction and any values the page wants to draw), which
the page reads while polling.
"""
from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
from collections import deque
from typing import Any, Callable

from demos import limits
from demos.errors import DemoError

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, STOPPED, CANCELLED, FAILED = "waiting", "running", "done", "stopped", "cancelled", "failed"
FINISHED = (DONE, STOPPED, CANCELLED, FAILED)

_ids = itertools.count(1)
WATCH_S = 1.0   # how often the watcher looks for jobs whose visitor has left
FAIR_WINDOW_S = 600.0   # a visitor's jobs started this recently put their next one behind newcomers' first


class QueueFull(DemoError, RuntimeError):
    """Too many jobs are waiting already: the visitor should try again in a minute."""


class TooManyJobs(DemoError, RuntimeError):
    """This visitor already has as many jobs waiting or running as allowed."""


class Job:
    """One heavy computation for one visitor: its place in the queue, its progress, then its result or error.

    ``status`` goes ``waiting → running → done``, or ends ``stopped`` (cancelled
    while running: the function returned early, its result is kept),
    ``cancelled`` (cancelled while waiting: it never ran) or ``failed``
    (``error`` holds the exception).
    """

    def __init__(self, fn: Callable[["Job"], Any], owner: str = "", kind: str = "job") -> None:
        self.id = next(_ids)
        self.fn = fn
        self.owner = owner
        self.kind = kind
        self.status = WAITING
        self.progress: float | None = None   # 0..1 while running, when the function reports it
        self.state: dict[str, Any] = {}      # whatever the function reports for the page to draw
        self.result: Any = None
        self.error: BaseException | None = None
        self.submitted = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None
        self.alive: Callable[[], bool] | None = None   # False once the visitor has left (set by the page)
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._queue: JobQueue | None = None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} of {self.owner or '?'}: {self.status}>"

    # -- read by the page ----------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def place(self) -> int | None:
        """1 for the next job to run, 2 after it...; 0 while running; None once finished."""
        if self.status == RUNNING:
            return 0
        if self.status != WAITING or self._queue is None:
            return None
        return self._queue.place(self)

    @property
    def seconds(self) -> float:
        """How long it has run (0 while waiting)."""
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (tests, scripts); False on timeout."""
        return self._done.wait(timeout)

    # -- called by the visitor -----------------------------------------------
    def cancel(self) -> None:
        """Remove the job if it waits; otherwise ask it to stop at its next check (what it has is kept)."""
        self._cancel.set()
        if self._queue is not None:
            self._queue._withdraw(self)

    # -- called by the job's function ----------------------------------------
    def should_stop(self) -> bool:
        """True once the visitor cancelled (or left): the function should return what it has."""
        if not self._cancel.is_set() and self.owner_gone():
            self._cancel.set()
        return self._cancel.is_set()

    def owner_gone(self) -> bool:
        """Whether the visitor who asked for it has left (closed the tab): nobody will see the result."""
        try:
            return self.alive is not None and not self.alive()
        except Exception:   # a broken check must not kill the job
            return False

    def report(self, progress: float | None = None, **state: Any) -> None:
        """Progress (0..1) and values for the page; each call replaces the values it names."""
        if progress is not None:
            self.progress = min(max(float(progress), 0.0), 1.0)
        self.state.update(state)

    # -- called by the queue ---------------------------------------------------
    def _run(self) -> None:
        self.status, self.started = RUNNING, time.monotonic()
        try:
            self.result = self.fn(self)
            self.status = STOPPED if self._cancel.is_set() else DONE
        except BaseException as error:   # shown by the page; a worker thread must not die silently
            if not isinstance(error, DemoError):
                log.exception("job %s (%s) failed", self.id, self.kind)
            self.error, self.status = error, FAILED
        finally:
            self.ended = time.monotonic()

    def _finish(self, status: str | None = None) -> None:
        if status is not None:
            self.status = status
        self.ended = self.ended or time.monotonic()
        self._done.set()


class JobQueue:
    """Waiting jobs in order, at most ``max_running`` of them running; see the module's description.

    Each limit is read from :mod:`demos.limits` (hence the environment) when it
    is ``None`` here, at each submission, so a test or a deployment can change it.
    """

    def __init__(self, max_running: int | None = None, max_waiting: int | None = None,
                 max_per_owner: int | None = None) -> None:
        self._max_running = max_running
        self._max_waiting = max_waiting
        self._max_per_owner = max_per_owner
        self._lock = threading.Lock()
        self._waiting: deque[Job] = deque()
        self._running: set[Job] = set()
        self._watcher: threading.Thread | None = None
        self._served: dict[str, list[float]] = {}   # owner → when their recent jobs started (fair turns)

    @property
    def max_running(self) -> int:
        return self._max_running if self._max_running is not None else limits.max_jobs()

    @property
    def max_waiting(self) -> int:
        return self._max_waiting if self._max_waiting is not None else limits.max_queue()

    @property
    def max_per_owner(self) -> int:
        return self._max_per_owner if self._max_per_owner is not None else limits.max_session_jobs()

    def submit(self, fn: Callable[[Job], Any] | Job, *, owner: str = "", kind: str = "job") -> Job:
        """Queue ``fn(job)`` (or a ready :class:`Job`) for ``owner``; it starts as soon as a slot is free.

        Raises :class:`QueueFull` when :attr:`max_waiting` jobs wait already and no
        slot is free, :class:`TooManyJobs` when ``owner`` has :attr:`max_per_owner`
        jobs waiting or running (jobs asked to stop do not count).
        """
        job = fn if isinstance(fn, Job) else Job(fn, owner=owner, kind=kind)
        with self._lock:
            mine = [j for j in (*self._running, *self._waiting)
                    if j.owner == job.owner and not j.cancel_requested and not j.owner_gone()]
            if job.owner and len(mine) >= self.max_per_owner:
                raise TooManyJobs("jobs.too_many",
                                  "You already have {count} computations waiting or running: wait for them "
                                  "or cancel one.", count=len(mine))
            if len(self._running) >= self.max_running and len(self._waiting) >= self.max_waiting:
                raise QueueFull("jobs.busy",
                                "The demo is busy ({waiting} computations are waiting): try again in a minute.",
                                waiting=len(self._waiting))
            job._queue = self
            self._waiting.append(job)
            self._dispatch()
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, daemon=True, name="jobs-watcher")
                self._watcher.start()
        return job

    def _watch(self) -> None:
        """Cancel the jobs whose visitor has left, until no job is left to watch."""
        while True:
            time.sleep(WATCH_S)
            with self._lock:
                jobs = [*self._running, *self._waiting]
                if not jobs:
                    self._watcher = None
                    return
            for job in jobs:
                if not job.finished and not job.cancel_requested and job.owner_gone():
                    log.info("job %s (%s): its visitor left, cancelled", job.id, job.kind)
                    job.cancel()

    def _in_turn(self) -> list[Job]:
        """The waiting jobs in the order they will start (the caller holds the lock).

        Visitors' first jobs before their second ones: a job ranks by how many jobs its visitor
        started in the last :data:`FAIR_WINDOW_S` seconds or has waiting ahead of it, then by age.
        """
        now = time.monotonic()
        ahead: dict[str, int] = {}
        ranked = []
        for index, job in enumerate(self._waiting):
            served = sum(1 for started in self._served.get(job.owner, ()) if now - started < FAIR_WINDOW_S)
            mine = ahead.get(job.owner, 0) + served if job.owner else 0
            ranked.append((mine, index, job))
            if job.owner:
                ahead[job.owner] = ahead.get(job.owner, 0) + 1
        return [job for _, _, job in sorted(ranked, key=lambda r: r[:2])]

    def place(self, job: Job) -> int | None:
        """``job``'s place among the waiting jobs (1 = next), None when it is not waiting."""
        with self._lock:
            for place, waiting in enumerate(self._in_turn(), 1):
                if waiting is job:
                    return place
        return None

    def stats(self) -> dict[str, int]:
        """How busy the queue is now."""
        with self._lock:
            return {"running": len(self._running), "waiting": len(self._waiting),
                    "max_running": self.max_running, "max_waiting": self.max_waiting}

    def jobs(self, owner: str | None = None) -> list[Job]:
        """Running then waiting jobs (of ``owner``, when given)."""
        with self._lock:
            return [j for j in (*self._running, *self._waiting) if owner is None or j.owner == owner]

    def _withdraw(self, job: Job) -> None:
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                job._finish(CANCELLED)

    def _dispatch(self) -> None:
        """Start waiting jobs while slots are free, skipping those whose visitor left (the caller holds the lock)."""
        while self._waiting and len(self._running) < self.max_running:
            job = self._in_turn()[0]
            self._waiting.remove(job)
            if job.owner_gone():
                job._cancel.set()
                job._finish(CANCELLED)
                continue
            self._running.add(job)
            if job.owner:
                now = time.monotonic()
                self._served = {owner: recent for owner, starts in self._served.items()   # forget departed visitors
                                if (recent := [t for t in starts if now - t < FAIR_WINDOW_S])}
                self._served.setdefault(job.owner, []).append(now)
            job.status = RUNNING   # before the thread starts: place 0 at once
            threading.Thread(target=self._work, args=(job,), daemon=True, name=f"job-{job.id}-{job.kind}").start()

    def _work(self, job: Job) -> None:
        try:
            job._run()
        finally:
            with self._lock:
                self._running.discard(job)
                self._dispatch()
            job._finish()


_shared: JobQueue | None = None
_shared_lock = threading.Lock()


def shared_queue() -> JobQueue:
    """The process's one queue, shared by every visitor and every demo."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = JobQueue()
        return _shared


@atexit.register
def _cancel_all(timeout: float = 10.0) -> None:
    """At exit, stop every job and give running ones a moment to return (a thread killed inside torch aborts)."""
    if _shared is None:
        return
    running = _shared.jobs()
    for job in running:
        job.cancel()
    deadline = time.monotonic() + timeout
    for job in running:
        job.wait(max(0.0, deadline - time.monotonic()))
