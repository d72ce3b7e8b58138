"""The inference service on a Ray cluster: catalogue models go to their family's Serve deployment.

:class:`ClusterService` keeps :class:`demos.inference.InferenceService`'s interface
and its local cache; only the requests of a lane whose model has a
:class:`~demos.inference.Route` leave the process. Everything else (a
visitor's own network, the playground's toy networks, training loops) stays in
the embedded lanes, and so does everything when the cluster cannot be reached.

A request whose visitor leaves while it waits is cancelled on the cluster
(nothing is computed for a closed tab); a replica that dies under a request is
retried once on another (or restarted) replica, then the visitor reads "try
again in a few seconds" instead of waiting for a timeout.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Hashable

from demos import cluster
from demos.cluster.families import Failure, application_name
from demos.errors import DemoError
from demos.inference import (
    BatchFn,
    InferenceFailed,
    InferenceService,
    InferenceTimeout,
    VisitorLeft,
    _gone,
    route_of,
)

log = logging.getLogger(__name__)

POLL_S = 0.25   # how often a waiting request checks that its visitor is still there


class ClusterUnavailable(DemoError, RuntimeError):
    """The cluster's replica of this model died or restarted under the request: the visitor should try again."""


class ClusterService(InferenceService):
    """:class:`InferenceService` whose catalogue models are served by Ray Serve (see the module's description)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.remote = 0           # requests answered by the cluster
        self.retried = 0          # requests sent again after a replica died
        self._handles: dict[str, Any] = {}

    def run(self, lane: Hashable, fn: BatchFn, item: Any, *, cache_key: Hashable | None = None,
            alive: Callable[[], bool] | None = None, timeout: float | None = None,
            max_batch: int | None = None, max_wait_ms: float | None = None) -> Any:
        route = route_of(lane)
        if route is not None and _event_loop_running():
            # Ray's blocking calls refuse a thread that runs an event loop (a notebook, some test tools): the
            # request waits in a thread of its own instead (a Streamlit script thread has no loop)
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(self.run, lane, fn, item, cache_key=cache_key, alive=alive, timeout=timeout,
                                   max_batch=max_batch, max_wait_ms=max_wait_ms).result()
        if route is None or not cluster.connect():
            return super().run(lane, fn, item, cache_key=cache_key, alive=alive, timeout=timeout,
                               max_batch=max_batch, max_wait_ms=max_wait_ms)
        cached = self.lookup(lane, cache_key)
        if cached is not None:
            return cached
        try:
            result = self._ask(route.family, route.source, item, alive,
                               self.timeout_s if timeout is None else timeout)
        except (_NotThere, ConnectionError) as missing:   # no such application, or the head is gone: served here
            log.warning("the cluster cannot serve %s (%s): served embedded", route.family, missing)
            if isinstance(missing, ConnectionError):
                cluster.forget(f"{type(missing).__name__}: {missing}"[:200])
                self._handles.clear()
            return super().run(lane, fn, item, cache_key=cache_key, alive=alive, timeout=timeout,
                               max_batch=max_batch, max_wait_ms=max_wait_ms)
        if cache_key is not None:
            self._remember((lane, cache_key), result)
        return result

    def _ask(self, family: str, source: tuple, item: Any, alive: Callable[[], bool] | None, timeout: float) -> Any:
        import ray.exceptions

        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            if _gone(alive):
                self.dropped += 1
                raise VisitorLeft("inference.left", "The visitor has left.")
            response = self._handle(family).remote(source, item)
            try:
                answer = self._wait(response, alive, deadline, timeout)
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError,
                    ray.exceptions.RaySystemError) as error:
                log.warning("a %s replica failed under a request (attempt %d): %s", family, attempt, error)
                if attempt == 1 and time.monotonic() < deadline:
                    self.retried += 1
                    continue
                raise ClusterUnavailable("inference.restarting", "The server is restarting this model: try "
                                         "again in a few seconds.") from error
            self.remote += 1
            if isinstance(answer, Failure):
                if answer.key:
                    raise DemoError(answer.key, answer.message, **dict(answer.params))
                raise InferenceFailed("inference.failed", "The network could not answer this request ({reason}).",
                                      reason=f"{answer.kind}: {answer.message}"[:200])
            return answer

    def _wait(self, response: Any, alive: Callable[[], bool] | None, deadline: float, timeout: float) -> Any:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                response.cancel()
                raise InferenceTimeout("inference.timeout",
                                       "The server is very busy and did not answer within {seconds} s: try again.",
                                       seconds=round(timeout))
            try:
                return response.result(timeout_s=min(POLL_S, left))
            except TimeoutError:
                if _gone(alive):   # the visitor closed the tab: the cluster drops the request too
                    response.cancel()
                    self.dropped += 1
                    raise VisitorLeft("inference.left", "The visitor has left.") from None

    def _handle(self, family: str) -> Any:
        handle = self._handles.get(family)
        if handle is None:
            from ray import serve

            try:
                handle = serve.get_app_handle(application_name(family))
            except Exception as error:   # RayServeException: no such application
                raise _NotThere(str(error)[:200]) from error
            self._handles[family] = handle
        return handle

    def stats(self) -> dict[str, Any]:
        stats = super().stats()
        stats.update(backend="ray", remote=self.remote, retried=self.retried)
        return stats


class _NotThere(Exception):
    pass


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
