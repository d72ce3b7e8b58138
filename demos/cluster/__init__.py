"""The app on a Ray cluster: the same inference service and heavy jobs, served by Ray Serve (optional).

Embedded is the default: ``pip install -r requirements.txt`` and ``streamlit run
app.py`` start no Ray process. One setting switches a Streamlit process to a
cluster::

    DLDEMOS_RAY_ADDRESS=auto               # the Ray of this machine (``ray start --head``)
    DLDEMOS_RAY_ADDRESS=ray://head:10001   # a remote head (Ray Client)

Then :func:`demos.inference.shared_service` is a
:class:`~demos.cluster.service.ClusterService`: each catalogue model's requests go
to its family's Serve deployment (:mod:`demos.cluster.deployments`, one per
family, batching with ``@serve.batch``), and the heavy jobs' optimisation loops
run in Ray actors (:func:`demos.cluster.heavy.on_cluster`) while the visitor's
queue place, progress, Cancel and departure work as in one process.

When Ray is not installed or the cluster does not answer, the process says so
(:func:`status`, shown on the home page and in the sidebar) and serves
everything embedded: a keynote never stops because a head node is down.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

ADDRESS_ENV = "DLDEMOS_RAY_ADDRESS"
NAMESPACE = "dldemos"        # the Serve applications and job actors of this app live here
RETRY_S = 30.0               # after a failed connection, try again this much later (not on every click)


def address() -> str:
    """The cluster this process should use ("" for embedded): ``$DLDEMOS_RAY_ADDRESS``."""
    return os.environ.get(ADDRESS_ENV, "").strip()


@dataclass
class Status:
    """Which backend serves this process now, and why (the home page shows it)."""

    backend: str          # "embedded" or "ray"
    address: str = ""
    reason: str = ""      # why the cluster is not used although it was asked for ("" when all is well), for logs
    why: tuple[str, dict] = ("", {})   # the same for the visitor: an i18n key of the locales and its parameters

    @property
    def fallback(self) -> bool:
        """The cluster was asked for but the embedded backend serves instead."""
        return bool(self.address) and self.backend == "embedded"


_lock = threading.Lock()
_state = {"connected": False, "reason": "", "why": ("", {}), "tried": 0.0}


def connect() -> bool:
    """Join the cluster of :func:`address` once (retried every :data:`RETRY_S` after a failure); True if joined."""
    target = address()
    if not target:
        return False
    with _lock:
        if _state["connected"]:
            return True
        if _state["tried"] and time.monotonic() - _state["tried"] < RETRY_S:
            return False
        _state["tried"] = time.monotonic()
        try:
            import ray
        except ImportError:
            _state.update(reason="Ray is not installed (pip install -r requirements-ray.txt)",
                          why=("common.cluster.why.not_installed", {}))
            log.warning("%s is set but %s: serving embedded", ADDRESS_ENV, _state["reason"])
            return False
        unreachable, why = ("", "") if ray.is_initialized() else _unreachable(target)
        if unreachable:   # ray.init would retry for minutes: the first visitor must not wait for it
            _state.update(reason=unreachable, why=(why, {}))
            log.warning("cannot reach the Ray cluster at %s (%s): serving embedded", target, unreachable)
            return False
        try:
            if not ray.is_initialized():
                ray.init(address=target, namespace=NAMESPACE, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as error:   # ConnectionError, a timeout, a version mismatch: all mean "not there"
            _state["reason"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
            _state["why"] = ("common.cluster.why.refused", {"error": _state["reason"]})
            log.warning("cannot reach the Ray cluster at %s (%s): serving embedded", target, _state["reason"])
            return False
        _state.update(connected=True, reason="", why=("", {}))
        return True


def _unreachable(target: str, timeout: float = 3.0) -> tuple[str, str]:
    """Why the head at ``target`` (``host:port`` or ``ray://host:port``) does not answer, for the log and as the
    visitor's i18n key; ``("", "")`` when it does."""
    if target == "auto":   # this machine's Ray: ray.init finds it (or says there is none) at once
        return "", ""
    host, _, port = target.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout).close()
    except ValueError:
        return f"{target!r} is not host:port", "common.cluster.why.malformed"
    except OSError as error:
        return (f"{host}:{port} does not answer ({error.strerror or type(error).__name__})",
                "common.cluster.why.no_answer")
    return "", ""


def forget(reason: str) -> None:
    """The cluster stopped answering: serve embedded and try to connect again later."""
    with _lock:
        _state.update(connected=False, reason=reason, why=("common.cluster.why.lost", {"error": reason}),
                      tried=time.monotonic())


def status() -> Status:
    """What serves this process now (without trying to connect)."""
    target = address()
    if not target:
        return Status("embedded")
    with _lock:
        if _state["connected"]:
            return Status("ray", target)
        if not _state["reason"]:
            return Status("embedded", target, "not connected yet", ("common.cluster.why.not_yet", {}))
        return Status("embedded", target, _state["reason"], _state["why"])


def make_service():
    """The inference service for a process whose :func:`address` is set (it connects on first use)."""
    from demos.cluster.service import ClusterService

    return ClusterService()


def reset() -> None:
    """Forget the connection state (tests)."""
    with _lock:
        _state.update(connected=False, reason="", why=("", {}), tried=0.0)
