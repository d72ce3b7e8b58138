"""Heavy jobs' loops on a Ray cluster: the function runs in an actor, its progress and Stop travel back and forth.

Every optimisation and training loop of the demos follows one convention:
``fn(..., callback=..., should_stop=...)``, ``callback`` receiving what the page
draws and ``should_stop()`` polled at each step. :func:`on_cluster` wraps such a
function so that it runs in a Ray actor of its own while the visitor's
:class:`~demos.jobs.Job` stays in the Streamlit process: its place in the
queue, the bounds per visitor and overall, Cancel and the cancellation of a
departed visitor's job are those of :mod:`demos.jobs`, unchanged. Here, the
callback's arguments are relayed from the actor every :data:`POLL_S` seconds
and replayed in order, and a Stop (or the visitor leaving) is relayed to the
actor, whose loop ends at its next step and returns what it has.

A large network the loop needs (BigGAN, VGG19) is not sent with each job: a
model marked :func:`reloadable` travels as its loader and the loader's
arguments, and the actor loads it from its node's weights folder (the shared
``DLDEMOS_WEIGHTS_DIR`` every node of a cluster has, as for the Serve replicas).
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, TypeVar

from demos import cluster

POLL_S = 0.05   # how often progress is fetched and a Stop looked for: a Stop reaches the loop within ~1 step

Model = TypeVar("Model")
_loaders: "weakref.WeakKeyDictionary[Any, tuple[Callable[..., Any], tuple, dict]]" = weakref.WeakKeyDictionary()


def reloadable(model: Model, loader: Callable[..., Any], *args: Any, **kwargs: Any) -> Model:
    """Mark ``model`` as what ``loader(*args, **kwargs)`` returns (a module-level function, the same weights
    every time); a job on a cluster sends that instead of the weights. Returns ``model``."""
    _loaders[model] = (loader, args, kwargs)
    return model


@dataclass(frozen=True)
class _Reload:
    """What travels to the actor in place of a :func:`reloadable` model."""

    loader: Callable[..., Any]
    args: tuple
    kwargs: dict

    def load(self) -> Any:
        return self.loader(*self.args, **self.kwargs)


def _pack(value: Any) -> Any:
    try:
        recipe = _loaders.get(value)
    except TypeError:   # not weak-referenceable (a number, a tuple): sent as it is
        return value
    return value if recipe is None else _Reload(*recipe)


def _unpack(value: Any) -> Any:
    return value.load() if isinstance(value, _Reload) else value


class _Runner:
    """The actor side: runs the function, keeps what its callback reported until the Streamlit side reads it."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.stop_requested = threading.Event()
        self.lock = threading.Lock()

    def run(self, fn: Callable[..., Any], args: tuple, kwargs: dict, callback: str | None = "callback",
            stoppable: bool = True) -> Any:
        def relay(*event: Any) -> None:
            with self.lock:
                self.events.append(event)
        hooks: dict[str, Any] = {callback: relay} if callback else {}
        if stoppable:
            hooks["should_stop"] = self.stop_requested.is_set
        args, kwargs = tuple(_unpack(a) for a in args), {k: _unpack(v) for k, v in kwargs.items()}
        return fn(*args, **hooks, **kwargs)

    def drain(self) -> list[tuple]:
        with self.lock:
            events, self.events = self.events, []
        return events

    def stop(self) -> None:
        self.stop_requested.set()


def on_cluster(fn: Callable[..., Any], *, callback: str | None = "callback", stoppable: bool = True,
               num_cpus: float = 1, num_gpus: float = 0) -> Callable[..., Any]:
    """``fn`` itself when this process serves embedded; else the same call run in a Ray actor (see the module).

    The wrapper takes ``fn``'s arguments and returns its result; the actor is removed
    when the call ends. ``callback`` names ``fn``'s progress argument (``"progress"``
    for BigGAN's, None when it has none); ``stoppable=False`` for a function without
    ``should_stop`` (it runs to its end).
    """
    if not cluster.connect():
        return fn

    @wraps(fn)
    def remote(*args: Any, **kwargs: Any) -> Any:
        import ray

        report = kwargs.pop(callback, None) if callback else None
        should_stop = kwargs.pop("should_stop", None) if stoppable else None
        actor = ray.remote(num_cpus=num_cpus, num_gpus=num_gpus, max_concurrency=3)(_Runner).remote()
        try:
            done = actor.run.remote(fn, tuple(_pack(a) for a in args), {k: _pack(v) for k, v in kwargs.items()},
                                    callback, stoppable)
            stopping = False
            while True:
                ready, _ = ray.wait([done], timeout=POLL_S)
                for event in ray.get(actor.drain.remote()):
                    if report is not None:
                        report(*event)
                if ready:
                    for event in ray.get(actor.drain.remote()):   # what it reported after the last look
                        if report is not None:
                            report(*event)
                    return ray.get(done)
                if not stopping and should_stop is not None and should_stop():
                    actor.stop.remote()
                    stopping = True
        finally:
            ray.kill(actor)

    return remote
