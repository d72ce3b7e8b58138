"""Heavy jobs on a page: start one in the shared queue, show its place or progress with a Cancel button, follow it.

The job itself runs in :mod:`demos.jobs`' worker thread; the visitor's
session keeps the :class:`~demos.jobs.Job` (so the result is theirs alone) and
the page redraws it once a second from an ``st.fragment`` while it is
unfinished, then the whole page once when it ends.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import streamlit as st

from demos.errors import DemoError
from demos.jobs import CANCELLED, FAILED, RUNNING, WAITING, Job, shared_queue
from ui.common import show_error, t

_LIVE = "_queue_live"   # session state: the slots whose job the page is following
# A job (or a queued inference request) whose visitor has been disconnected this long is dropped or stopped:
# a closed tab must not keep the machine busy, and a phone's brief network hiccup should not cost the result.
GRACE_S = 5


def owner() -> str:
    """The visitor's Streamlit session id: whose job it is."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def current(slot: str) -> Job | None:
    """The visitor's job kept under ``slot``, if any."""
    job = st.session_state.get(slot)
    return job if isinstance(job, Job) else None


def submit(slot: str, work: Callable[[Job], Any] | Job, kind: str) -> Job | None:
    """Queue ``work`` (``fn(job)`` or a ready :class:`Job`) as the visitor's job under ``slot``.

    The visitor's previous job in that slot is cancelled first (one at a time per
    slot). When the queue refuses (busy, too many jobs of this visitor), says so
    and returns None.
    """
    old = current(slot)
    if old is not None and not old.finished:
        old.cancel()
    job = work if isinstance(work, Job) else Job(work, owner=owner(), kind=kind)
    job.owner = job.owner or owner()
    job.alive = job.alive or _still_here(job.owner)
    try:
        shared_queue().submit(job)
    except DemoError as error:
        show_error(error)
        return None
    st.session_state[slot] = job
    st.session_state.setdefault(_LIVE, set()).add(slot)
    return job


def _still_here(session_id: str) -> Callable[[], bool] | None:
    """False once the visitor's session has been gone for GRACE_S (a tab closed; a phone asleep comes back)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    runtime = Runtime.instance()
    last_seen = [time.monotonic()]

    def alive() -> bool:
        if runtime.is_active_session(session_id):
            last_seen[0] = time.monotonic()
            return True
        return time.monotonic() - last_seen[0] < GRACE_S

    return alive


def visitor_alive() -> Callable[[], bool] | None:
    """A check that turns false once this visitor has left (None outside a Streamlit server: always here)."""
    return _still_here(owner())


def forget(slot: str) -> None:
    """Drop the job under ``slot`` (its result was taken), cancelling it if it is still going."""
    job = st.session_state.pop(slot, None)
    if isinstance(job, Job) and not job.finished:
        job.cancel()


def status(job: Job, key: str, running_text: str | None = None, cancel_label: str | None = None) -> None:
    """Place in the queue or progress, with a Cancel button; a message if it was cancelled or failed.

    Nothing is drawn for a job that ended normally (done or stopped): the page shows its result.
    """
    if job.status == WAITING:
        place = job.place
        st.progress(0.0, text=t("jobs.waiting", place=place or 1))
    elif job.status == RUNNING:
        st.progress(job.progress or 0.0,
                    text=running_text or t("jobs.running", seconds=f"{job.seconds:.0f}"))
    elif job.status == CANCELLED:
        st.info(t("jobs.cancelled"), icon=":material/cancel:")
    elif job.status == FAILED:
        if isinstance(job.error, DemoError):
            show_error(job.error)
        else:
            st.error(t("jobs.failed", reason=f"{type(job.error).__name__}: {job.error}"), icon=":material/error:")
    if job.status in (WAITING, RUNNING):
        if st.button(cancel_label or t("jobs.cancel"), icon=":material/stop:", key=key):
            job.cancel()


def follow(slot: str, view: Callable[[Job], None]) -> None:
    """Draw ``view(job)`` for the visitor's job under ``slot``, refreshed every second while it is unfinished.

    When the job ends, the whole page is drawn once more (other parts may use its result).
    """
    job = current(slot)
    running = job is not None and not job.finished
    st.fragment(_follow, run_every=1.0 if running else None)(slot, view)


def _follow(slot: str, view: Callable[[Job], None]) -> None:
    job = current(slot)
    if job is None:
        return
    view(job)
    live: set = st.session_state.setdefault(_LIVE, set())
    if job.finished and slot in live:
        live.discard(slot)
        st.rerun(scope="app")   # redraw the page once, without the timer
