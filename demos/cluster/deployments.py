"""Ray Serve deployments: one application per model family, batching the requests of every Streamlit replica.

Deploy them with the Serve config of the repository (autoscaling bounds, GPU
fractions, the weights folder)::

    ray start --head
    serve deploy docs/deploy/serve_config.yaml

or from Python, :func:`deploy` (what the tests do on a local Ray). Each
replica loads its models from the weights catalogue (``DLDEMOS_WEIGHTS_DIR``
shared by every node, or fetched by each replica) the first time a request
names them, and runs the same batch function as the embedded service
(:mod:`demos.cluster.families`).
"""
from __future__ import annotations

import asyncio
from typing import Any

from ray import serve
from ray.serve import Application

from demos.cluster.families import FAMILIES, answer, application_name

MAX_BATCH = 16
BATCH_WAIT_S = 0.005   # as the embedded service: a few milliseconds for other visitors' requests to join


@serve.deployment(max_ongoing_requests=64, health_check_period_s=5, health_check_timeout_s=30,
                  graceful_shutdown_timeout_s=5)
class ModelFamily:
    """The models of one family on one replica, answering batched ``(source, item)`` requests at once."""

    def __init__(self, family: str) -> None:
        self.family_name = family
        self.family = FAMILIES[family]
        self.models: dict[tuple, Any] = {}
        self.answered = 0

    async def __call__(self, source: tuple, item: Any) -> Any:
        return await self.batched((tuple(source), item))

    @serve.batch(max_batch_size=MAX_BATCH, batch_wait_timeout_s=BATCH_WAIT_S)
    async def batched(self, requests: list[tuple[tuple, Any]]) -> list[Any]:
        # torch releases the GIL: computing in a thread keeps the replica's event loop collecting the next batch
        answers = await asyncio.to_thread(answer, self.family, self.models, requests)
        self.answered += len(requests)
        return answers

    def loaded(self) -> list[tuple]:
        """The sources of the models this replica holds (tests, the operator)."""
        return list(self.models)

    def stats(self) -> dict[str, Any]:
        """How many requests this replica answered, and which models it holds."""
        return {"family": self.family_name, "answered": self.answered, "loaded": self.loaded()}


def application(family: str) -> Application:
    """The Serve application of one family (``import_path`` of the Serve config: ``builder``)."""
    return ModelFamily.options(name=application_name(family)).bind(family)


def builder(args: dict[str, str]) -> Application:
    """Serve config entry point: ``import_path: demos.cluster.deployments:builder``, ``args: {family: mnist}``."""
    return application(args["family"])


def deploy(families: list[str] | None = None, *, num_cpus: float = 0.5, num_gpus: float = 0.0) -> None:
    """Run the applications of ``families`` (default: all) on the Ray this process is connected to."""
    for family in families or list(FAMILIES):
        app = ModelFamily.options(name=application_name(family),
                                  ray_actor_options={"num_cpus": num_cpus, "num_gpus": num_gpus}).bind(family)
        serve.run(app, name=application_name(family), route_prefix=None)
