"""Time and peak memory of one forward pass, measured while it runs.

On a GPU, CUDA's allocator statistics give the peak. On the CPU there is no
such counter, so a dispatch mode watches every tensor the computation creates
and frees, and records the largest total alive at once (activations and
temporaries; the weights, allocated beforehand, are not counted on either).
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


@dataclass(frozen=True)
class Cost:
    seconds: float
    peak_bytes: int


class _PeakMemory(TorchDispatchMode):
    """Largest number of bytes held at once by tensors created under this mode."""

    def __init__(self):
        super().__init__()
        self.current = self.peak = 0
        self._storages: dict[int, list[int]] = {}     # data pointer → [bytes, live tensors]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_flatten(out)[0]:
            if isinstance(tensor, torch.Tensor) and tensor.device.type == "cpu":
                self._track(tensor)
        return out

    def _track(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        if key == 0:
            return
        entry = self._storages.get(key)
        if entry is None:
            entry = self._storages[key] = [storage.nbytes(), 0]
            self.current += entry[0]
            self.peak = max(self.peak, self.current)
        entry[1] += 1
        weakref.finalize(tensor, self._release, key)

    def _release(self, key: int) -> None:
        entry = self._storages.get(key)
        if entry is not None:
            entry[1] -= 1
            if entry[1] == 0:
                self.current -= entry[0]
                del self._storages[key]


def measure(fn: Callable[[], object], device: torch.device | str = "cpu") -> tuple[object, Cost]:
    """Run ``fn()`` once; its result and its :class:`Cost` (wall time, peak memory of what it allocated)."""
    device = torch.device(device)
    if device.type == "cuda":   # pragma: no cover - GPU only (bench/gpu_check.py runs it on a GPU)
        torch.cuda.synchronize(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        start = time.perf_counter()
        result = fn()
        torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        return result, Cost(seconds, torch.cuda.max_memory_allocated(device) - base)
    tracker = _PeakMemory()
    start = time.perf_counter()
    with tracker:
        result = fn()
    return result, Cost(time.perf_counter() - start, tracker.peak)
