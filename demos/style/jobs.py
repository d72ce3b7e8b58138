"""A Gatys optimisation as a job of the shared queue (:mod:`demos.jobs`), which a page polls.

A Streamlit script that ran the optimisation itself would be busy for minutes:
a Stop click would wait for the end. Here the page starts a :class:`GatysJob`,
keeps it in the visitor's session, and redraws its latest preview, losses and
progress every second; :meth:`GatysJob.stop` is honoured at the next step.
The job waits its turn in the process's one queue of heavy jobs, so one
classroom cannot starve the server.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from PIL import Image

from demos.cluster.heavy import on_cluster
from demos.jobs import Job, JobQueue, shared_queue
from demos.style.optimisation import gatys


class GatysJob(Job):
    """One optimisation: its settings, and what it has produced so far (read by the page).

    ``status`` is that of :class:`demos.jobs.Job`: ``waiting → running → done``,
    or ``stopped`` (the image so far is the result), ``cancelled`` (stopped
    before its turn came), ``failed``.
    """

    def __init__(self, content: Image.Image, style: Image.Image, steps: int, settings: dict[str, Any],
                 runner: Callable[..., Image.Image] = gatys, owner: str = "") -> None:
        super().__init__(self._optimise, owner=owner, kind="style")
        self.steps = steps
        self.settings = settings
        self.step = 0
        self.history: list[dict] = []       # {"step", "content", "style", "total", "seconds"}
        self.preview: Image.Image | None = None
        self._inputs = (content, style, runner)

    def stop(self) -> None:
        """Ask the optimisation to end after the current step (the image so far is kept)."""
        self.cancel()

    def _on_step(self, step: int, losses: dict, preview: Image.Image) -> None:
        seconds = time.monotonic() - (self.started or time.monotonic())
        self.history.append({"step": step, **losses, "seconds": seconds})
        self.step, self.preview = step, preview
        self.report(step / self.steps)

    def _optimise(self, job: Job) -> Image.Image:
        content, style, runner = self._inputs
        self._inputs = None   # the pictures are not needed once the optimisation has them
        runner = on_cluster(runner)   # in a Ray actor when this process uses a cluster (demos.cluster)
        result = runner(content, style, self.steps, callback=self._on_step, should_stop=self.should_stop,
                        **self.settings)
        self.preview = result
        return result


def start_job(content: Image.Image, style: Image.Image, steps: int, runner: Callable[..., Image.Image] = gatys,
              *, owner: str = "", queue: JobQueue | None = None, **settings: Any) -> GatysJob:
    """Queue ``runner(content, style, steps, callback=..., should_stop=..., **settings)``.

    Raises :class:`demos.jobs.QueueFull` or :class:`demos.jobs.TooManyJobs`
    when the queue refuses it.
    """
    job = GatysJob(content, style, steps, settings, runner=runner, owner=owner)
    (queue or shared_queue()).submit(job)
    return job
