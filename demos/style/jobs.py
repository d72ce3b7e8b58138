"""A Gatys optimisation running in a background thread, which a page polls.

A Streamlit script that ran the optimisation itself would be busy for minutes:
a Stop click would wait for the end. Here the page starts a :class:`GatysJob`,
keeps it in the visitor's session, and redraws its latest preview, losses and
progress every second; :meth:`GatysJob.stop` is honoured at the next step.
At most :data:`MAX_RUNNING` optimisations run at once in the process (the
others wait their turn), so one classroom cannot starve the server.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from PIL import Image

from demos.style.gatys import gatys

MAX_RUNNING = 2
_slots = threading.BoundedSemaphore(MAX_RUNNING)


@dataclass
class GatysJob:
    """One optimisation: its settings, and what it has produced so far (read by the page)."""

    steps: int
    settings: dict[str, Any]
    status: str = "waiting"            # waiting → running → done | stopped | failed
    step: int = 0
    history: list[dict] = field(default_factory=list)   # {"step", "content", "style", "total", "seconds"}
    preview: Image.Image | None = None
    result: Image.Image | None = None
    error: BaseException | None = None
    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")

    def stop(self) -> None:
        """Ask the optimisation to end after the current step (the image so far is kept)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (tests, scripts); False on timeout."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    def _on_step(self, step: int, losses: dict, preview: Image.Image) -> None:
        self.history.append({"step": step, **losses, "seconds": time.perf_counter() - self._start})
        self.step, self.preview = step, preview

    def _run(self, content: Image.Image, style: Image.Image, runner: Callable[..., Image.Image]) -> None:
        with _slots:
            if self._stop.is_set():
                self.status = "stopped"
                return
            self.status, self._start = "running", time.perf_counter()
            try:
                self.result = runner(content, style, self.steps, callback=self._on_step,
                                     should_stop=self._stop.is_set, **self.settings)
                self.preview = self.result
                self.status = "stopped" if self._stop.is_set() and self.step < self.steps else "done"
            except BaseException as error:   # shown by the page; a thread must not die silently
                self.error, self.status = error, "failed"
            finally:
                self.seconds = time.perf_counter() - self._start


def start_job(content: Image.Image, style: Image.Image, steps: int, runner: Callable[..., Image.Image] = gatys,
              **settings: Any) -> GatysJob:
    """Start ``runner(content, style, steps, callback=..., should_stop=..., **settings)`` in a thread."""
    job = GatysJob(steps=steps, settings=settings)
    job._thread = threading.Thread(target=job._run, args=(content, style, runner), daemon=True,
                                   name="gatys-job")
    job._thread.start()
    return job
