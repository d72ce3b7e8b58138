"""One batching inference service per process: every page's networks answer through it (no Streamlit here).

A room of visitors on one server used to mean one forward pass per visitor's
session thread, each with every torch intra-op thread: twenty sessions on two
cores fought over the CPU and nothing was batched. Now each page hands its
request to :func:`shared_service`:

- **one lane per loaded model** (``lane=(name, model)``): a worker thread that
  collects the requests of *all* sessions for that model and runs them as one
  batch (dynamic micro-batching: up to ``max_batch`` requests, waiting at most
  ``max_wait_ms`` after the first one);
- **one compute slot** (``DLDEMOS_INFERENCE_SLOTS``, default 1) shared by every
  lane and by the training loops (:meth:`InferenceService.compute`): only that
  many computations use the torch threads at once, so N sessions never run N
  forward passes with every intra-op thread. Nothing here changes a
  process-wide torch setting (thread count, default dtype, seed);
- identical requests (same lane, same ``cache_key``: a digest of the input and
  the settings) are answered from a bounded result cache, and a request
  identical to one in flight waits for that one instead of computing again;
- a request whose visitor has left (``alive()`` false) is dropped before it
  runs; one that waits longer than its timeout raises :class:`InferenceTimeout`;
- a request that makes the model raise fails alone: when a batch fails, its
  requests are run one by one, so the poisoned one gets its error
  (:class:`InferenceFailed`, or the model's own :class:`DemoError`) and the
  others their results. The worker keeps serving.

A lane whose model was dropped from the model cache stops after
``idle_s`` without requests, releasing its reference to the model.

The same interface runs on a Ray cluster (:mod:`demos.cluster`, when
``DLDEMOS_RAY_ADDRESS`` is set): a model loaded from the catalogue carries a
:class:`Route` (its family and what its loader was given), and the cluster's
service sends its lane's requests to that family's Serve deployment instead.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import OrderedDict, deque
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Hashable, Iterator, Sequence, TypeVar

from demos.errors import DemoError

log = logging.getLogger(__name__)

BatchFn = Callable[[list[Any]], Sequence[Any]]


@dataclass(frozen=True)
class Route:
    """Where a cluster sends a catalogue model's requests: its family's deployment, and how a replica loads it.

    ``family`` names a :data:`demos.cluster.families.FAMILIES` entry (one Serve
    deployment each); ``source`` is what the model's loader was given (a model
    id, a file or None for the catalogue's), so a replica loads the same weights.
    """

    family: str
    source: tuple = ()


_routes: "weakref.WeakKeyDictionary[Any, Route]" = weakref.WeakKeyDictionary()
Model = TypeVar("Model")


def register_route(model: Model, family: str, *source: Any) -> Model:
    """Mark ``model`` (as its catalogue loader returns it) as one a cluster's deployment can serve; returns it."""
    _routes[model] = Route(family, tuple(str(s) if hasattr(s, "__fspath__") else s for s in source))
    return model


def route_of(lane: Hashable) -> Route | None:
    """The route of a lane ``(family, model)``, or None (a visitor's own network, random weights, another use).

    Only the lane named after the model's family goes to the cluster: the same network in another
    lane (ImageNet's Grad-CAM, with its own batch function) stays here.
    """
    if isinstance(lane, tuple) and len(lane) == 2:
        try:
            route = _routes.get(lane[1])
        except TypeError:   # not weak-referenceable (a name): no route
            return None
        return route if route is not None and route.family == lane[0] else None
    return None


class InferenceTimeout(DemoError, TimeoutError):
    """The service did not answer in time (the server is overloaded)."""


class InferenceFailed(DemoError, RuntimeError):
    """The network raised on this request (the other visitors' requests are not affected)."""


class VisitorLeft(DemoError):
    """The request was dropped because the visitor who asked for it has left."""


class _Request:
    __slots__ = ("item", "cache_key", "alive", "enqueued", "done", "result", "error", "abandoned")

    def __init__(self, item: Any, cache_key: Hashable | None, alive: Callable[[], bool] | None) -> None:
        self.item = item
        self.cache_key = cache_key
        self.alive = [alive]       # several when identical requests of several visitors wait for it
        self.enqueued = time.monotonic()
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.abandoned = False      # the caller stopped waiting (timeout): do not compute it

    def gone(self) -> bool:
        if self.abandoned:
            return True
        return all(_gone(alive) for alive in self.alive)

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


def _gone(alive: Callable[[], bool] | None) -> bool:
    try:
        return alive is not None and not alive()
    except Exception:   # a broken check must not drop a request
        return False


class _Lane:
    """The requests waiting for one model, and the worker thread that batches them."""

    def __init__(self, service: "InferenceService", key: Hashable, fn: BatchFn, max_batch: int,
                 max_wait_s: float, uses_slot: bool = True) -> None:
        self.service, self.key, self.fn, self.uses_slot = service, key, fn, uses_slot
        self.max_batch, self.max_wait_s = max_batch, max_wait_s
        self.waiting: deque[_Request] = deque()
        self.in_flight: dict[Hashable, _Request] = {}
        self.cond = threading.Condition(service._lock)
        self.batches = 0
        self.largest_batch = 0
        self.thread = threading.Thread(target=self._work, daemon=True, name=f"inference-{_lane_name(key)}")
        self.thread.start()

    def _work(self) -> None:
        service = self.service
        while True:
            with self.cond:
                idle_deadline = time.monotonic() + service.idle_s
                while not self.waiting:
                    left = idle_deadline - time.monotonic()
                    if left <= 0:   # nobody asked for a while: let the model go
                        if service._lanes.get(self.key) is self:
                            del service._lanes[self.key]
                        return
                    self.cond.wait(left)
                # Micro-batching: wait a few milliseconds after the first request for others to join.
                deadline = self.waiting[0].enqueued + self.max_wait_s
                while len(self.waiting) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                    self.cond.wait(left)
                batch = [self.waiting.popleft() for _ in range(min(self.max_batch, len(self.waiting)))]
            live = []
            for request in batch:
                if request.gone():
                    service.dropped += 1
                    request.finish(error=VisitorLeft("inference.left", "The visitor has left."))
                else:
                    live.append(request)
            if live:
                self._run(live)
            with self.cond:
                for request in batch:
                    if request.cache_key is not None and self.in_flight.get(request.cache_key) is request:
                        del self.in_flight[request.cache_key]

    def _run(self, batch: list[_Request]) -> None:
        service = self.service
        try:
            with service.compute() if self.uses_slot else nullcontext():
                results = list(self.fn([r.item for r in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"the batch function returned {len(results)} results for {len(batch)} inputs")
        except BaseException as error:   # noqa: BLE001 - reported to the visitor, never kills the worker
            if len(batch) > 1:   # find the poisoned request: the others still get their answer
                for request in batch:
                    self._run([request])
                return
            batch[0].finish(error=_for_visitor(error, self.key))
            return
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        service.computed += len(batch)
        for request, result in zip(batch, results):
            if request.cache_key is not None:
                service._remember((self.key, request.cache_key), result)
            request.finish(result)


def _each(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [fn(item) for item in items]


def _call_each(calls: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
    """The small lane's batch function: each call's result, or its exception (each runs once, whatever happens)."""
    outcomes = []
    for call in calls:
        try:
            outcomes.append((True, call()))
        except Exception as error:   # noqa: BLE001 - handed back to its own caller
            outcomes.append((False, error))
    return outcomes


SMALL = "small"   # the first part of the small-work lanes' keys


def _lane_name(key: Hashable) -> str:
    if isinstance(key, tuple) and len(key) == 2 and key[0] == SMALL:
        return str(key[1])
    return str(key[0]) if isinstance(key, tuple) and key else str(key)


def _for_visitor(error: BaseException, key: Hashable) -> BaseException:
    if isinstance(error, DemoError):
        return error
    log.exception("inference on %s failed", _lane_name(key), exc_info=error)
    return InferenceFailed("inference.failed", "The network could not answer this request ({reason}).",
                           reason=f"{type(error).__name__}: {error}"[:200])


class InferenceService:
    """Lanes of batched requests, one per model, sharing one compute slot; see the module's description."""

    def __init__(self, max_batch: int = 16, max_wait_ms: float = 5.0, cache_entries: int = 512,
                 slots: int | None = None, timeout_s: float = 60.0, idle_s: float = 60.0) -> None:
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000
        self.cache_entries = cache_entries
        self.timeout_s = timeout_s
        self.idle_s = idle_s
        self.slots = slots if slots is not None else int(os.environ.get("DLDEMOS_INFERENCE_SLOTS", "1"))
        self._slot = threading.Semaphore(max(1, self.slots))
        self._lock = threading.Lock()
        self._lanes: dict[Hashable, _Lane] = {}
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self.computed = 0        # requests a model actually ran
        self.cache_hits = 0
        self.dropped = 0         # requests dropped because their visitor had left

    @contextmanager
    def compute(self) -> Iterator[None]:
        """Hold the compute slot meanwhile: for work outside a lane (a training step, an optimisation step)."""
        with self._slot:
            yield

    def run(self, lane: Hashable, fn: BatchFn, item: Any, *, cache_key: Hashable | None = None,
            alive: Callable[[], bool] | None = None, timeout: float | None = None,
            max_batch: int | None = None, max_wait_ms: float | None = None) -> Any:
        """``fn([item])[0]``, computed in ``lane``'s worker, batched with other visitors' items.

        ``lane`` names one model, e.g. ``("imagenet/standard", classifier)``: every request of
        a lane is run by the ``fn`` the lane was created with (``fn(items) -> results``, in order).
        ``cache_key`` (a digest of the input and every setting) answers an identical request from
        the cache. ``alive()`` false drops the request before it runs (:class:`VisitorLeft`).
        Raises :class:`InferenceTimeout` after ``timeout`` seconds, :class:`InferenceFailed` (or
        the model's :class:`DemoError`) when the model raised on this item.
        """
        with self._lock:
            if cache_key is not None:
                cached = self._cache.get((lane, cache_key), _MISSING)
                if cached is not _MISSING:
                    self._cache.move_to_end((lane, cache_key))
                    self.cache_hits += 1
                    return cached
            worker = self._lanes.get(lane)
            if worker is None:
                small = isinstance(lane, tuple) and len(lane) == 2 and lane[0] == SMALL
                worker = _Lane(self, lane, fn, max_batch or self.max_batch,
                               (self.max_wait_s if max_wait_ms is None else max_wait_ms / 1000), uses_slot=not small)
                self._lanes[lane] = worker
            request = worker.in_flight.get(cache_key) if cache_key is not None else None
            if request is None:
                request = _Request(item, cache_key, alive)
                if cache_key is not None:
                    worker.in_flight[cache_key] = request
                worker.waiting.append(request)
                worker.cond.notify()
            else:
                request.alive.append(alive)
                self.cache_hits += 1
        if not request.done.wait(self.timeout_s if timeout is None else timeout):
            request.abandoned = True
            raise InferenceTimeout("inference.timeout",
                                   "The server is very busy and did not answer within {seconds} s: try again.",
                                   seconds=round(self.timeout_s if timeout is None else timeout))
        if request.error is not None:
            raise request.error
        return request.result

    def run_each(self, lane: Hashable, fn: Callable[[Any], Any], item: Any, **options: Any) -> Any:
        """``fn(item)`` in ``lane``'s worker, one item at a time (inputs of different sizes cannot be stacked).

        The requests still queue in one lane per model and take turns in the compute
        slot; ``options`` are :meth:`run`'s (``cache_key``, ``alive``, ``timeout``).
        """
        return self.run(lane, partial(_each, fn), item, **options)

    def run_small(self, call: Callable[[], Any], *, lane: str = "small work", alive: Callable[[], bool] | None = None,
                  timeout: float | None = None) -> Any:
        """``call()`` in a lane for small work (``lane``: the playground's toy networks, gradient descent...).

        Its own worker thread, outside the compute slot: a click on a playground never
        waits behind a batch of photos, and no torch setting is changed for it (a net
        this small is below torch's parallel grain: it runs on one thread anyway). Each
        demo has its own lane, so a quick gradient descent never waits behind training steps.
        """
        ok, value = self.run((SMALL, lane), _call_each, call, alive=alive, timeout=timeout, max_batch=1,
                             max_wait_ms=0)
        if not ok:
            raise value
        return value

    def lookup(self, lane: Hashable, cache_key: Hashable | None) -> Any:
        """The cached answer of an identical earlier request, or None (so a caller can skip its preprocessing)."""
        if cache_key is None:
            return None
        with self._lock:
            cached = self._cache.get((lane, cache_key), _MISSING)
            if cached is _MISSING:
                return None
            self._cache.move_to_end((lane, cache_key))
            self.cache_hits += 1
            return cached

    def _remember(self, key: Hashable, result: Any) -> None:
        with self._lock:
            self._cache[key] = result
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)

    def stats(self) -> dict[str, Any]:
        """What the service has done so far (the load test and the home page read it)."""
        with self._lock:
            lanes = {_lane_name(k): {"waiting": len(l.waiting), "batches": l.batches,
                                     "largest_batch": l.largest_batch} for k, l in self._lanes.items()}
            return {"lanes": lanes, "computed": self.computed, "cache_hits": self.cache_hits,
                    "dropped": self.dropped, "cached": len(self._cache), "slots": self.slots}

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


_MISSING = object()
_shared: InferenceService | None = None
_shared_lock = threading.Lock()


def shared_service() -> InferenceService:
    """The process's one inference service, shared by every visitor and every demo.

    Embedded (this module's :class:`InferenceService`) unless ``DLDEMOS_RAY_ADDRESS``
    names a Ray cluster: then :class:`demos.cluster.service.ClusterService`, which
    falls back to the embedded lanes whenever the cluster cannot answer.
    """
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                from demos import cluster

                _shared = cluster.make_service() if cluster.address() else InferenceService()
    return _shared
