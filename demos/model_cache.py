"""Large models loaded once per process, shared by every visitor, the least recently used dropped past a limit.

Each visitor's session must not load its own copy of a 500 MB network: the
loaders of the large models (ImageNet classifiers, CycleGAN generators, the
style networks and VGG19, BigGAN) are wrapped by :func:`shared_model`, which
keeps one copy per process in one least-recently-used cache:

- ``DLDEMOS_MAX_MODELS`` (:func:`demos.limits.max_models`) = N > 0 keeps only
  the N most recently used large models, across all demos; 0 (the default)
  sets no global cap;
- ``max_entries`` caps one loader on its own (e.g. at most 4 ImageNet networks).

A model dropped from the cache is freed once no running computation still
uses it; the next visitor who needs it loads it again (seconds). Loading is
done once even when several visitors ask for the same model at the same time.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from demos import limits


class ModelCache:
    """Least-recently-used models keyed by ``(loader name, arguments)``; thread-safe, one load per key."""

    def __init__(self, max_models: int | None = None) -> None:
        self._max_models = max_models
        self._models: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}
        self.loads = 0          # how many times a loader actually ran (tests, the memory bench)

    @property
    def max_models(self) -> int:
        return self._max_models if self._max_models is not None else limits.max_models()

    def get(self, key: Hashable, load: Callable[[], Any], group: str | None = None,
            group_max: int | None = None) -> Any:
        """The model under ``key``, loading it with ``load()`` the first time (or after it was dropped).

        ``group`` (the loader) with ``group_max`` keeps at most that many models of one loader.
        """
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:                       # one load per key; other keys load in parallel
            with self._lock:
                if key in self._models:
                    self._models.move_to_end(key)
                    return self._models[key]
            try:
                model = load()
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            with self._lock:
                self.loads += 1
                self._models[key] = model
                self._evict(group, group_max)
        return model

    def _evict(self, group: str | None, group_max: int | None) -> None:
        """Drop the least recently used models past the limits (the caller holds the lock)."""
        dropped = False
        if group is not None and group_max:
            mine = [k for k in self._models if isinstance(k, tuple) and k and k[0] == group]
            for key in mine[: max(0, len(mine) - group_max)]:
                del self._models[key]
                dropped = True
        limit = self.max_models
        while limit and len(self._models) > limit:
            self._models.popitem(last=False)
            dropped = True
        if dropped:
            _release_gpu_memory()

    def keys(self) -> list[Hashable]:
        """Keys from the least to the most recently used."""
        with self._lock:
            return list(self._models)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
        _release_gpu_memory()

    def __len__(self) -> int:
        return len(self._models)


def _release_gpu_memory() -> None:
    """Give freed CUDA memory back to the driver (other processes, the next model)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


_shared = ModelCache()


def shared_cache() -> ModelCache:
    """The process's one cache of large models."""
    return _shared


def shared_model(max_entries: int | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: cache a loader's models in :func:`shared_cache`, keyed by its (hashable) arguments.

    ``max_entries`` keeps at most that many models of this loader (the least recently used go first).
    """
    def wrap(loader: Callable[..., Any]) -> Callable[..., Any]:
        group = f"{loader.__module__}.{loader.__qualname__}"

        @functools.wraps(loader)
        def cached(*args: Hashable, **kwargs: Hashable) -> Any:
            key = (group, args, tuple(sorted(kwargs.items())))
            return _shared.get(key, lambda: loader(*args, **kwargs), group=group, group_max=max_entries)

        return cached

    return wrap
