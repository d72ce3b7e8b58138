"""The model families a cluster serves: how a replica loads a model, and the batch function it runs.

Each batch function is the one the embedded service's lane runs for that model
(:mod:`demos.inference`), so both backends give the same answers. No Ray here:
the embedded tests can check the table too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Family:
    """``load(*route.source)`` gives the replica's model; ``batch(model, items)`` answers a batch of them."""

    load: Callable[..., Any]
    batch: Callable[[Any, list[Any]], list[Any]]


def here(path: str | None) -> str | None:
    """``path`` when this node has that file (a weights folder shared by every node), else None: the catalogue's.

    A route names the file the Streamlit process loaded; a replica on a node without it takes the
    same catalogue entry from its own weights folder, or downloads it.
    """
    return path if path is not None and Path(path).is_file() else None


def _mnist_load(path: str | None) -> Any:
    from demos.mnist.reader import load_model

    return load_model(here(path))


def _mnist_batch(model: Any, digits: list[Any]) -> list[Any]:
    from demos.mnist.reader import read_batch

    return read_batch(model, digits)


def _imagenet_load(model_id: str, path: str | None, pretrained: bool) -> Any:
    from demos.imagenet.models import load_classifier

    return load_classifier(model_id, here(path), pretrained=pretrained)


def _imagenet_batch(classifier: Any, inputs: list[Any]) -> list[Any]:
    from demos.imagenet.predict import forward_batch

    return forward_batch(classifier, inputs)


def _cyclegan_load(model_id: str | None, path: str | None) -> Any:
    from demos.cyclegan.load import load_generator

    return load_generator(model_id, here(path))


def _cyclegan_batch(generator: Any, items: list[Any]) -> list[Any]:
    from demos.cyclegan.translation import _run

    device = next(generator.parameters()).device
    out = []
    for x, dtype in items:   # pictures of different sizes: one at a time, as the embedded lane does
        y, seconds = _run(generator, x.to(device), dtype)
        out.append((y.cpu(), seconds))
    return out


def _style_load(model_id: str, path: str | None) -> Any:
    from demos.style.fast import load_fast_model

    return load_fast_model(model_id, here(path))


def _style_batch(model: Any, items: list[Any]) -> list[Any]:
    from demos.style.fast import paint

    return [paint(model, x) for x in items]


def _attention_load(path: str | None) -> Any:
    from demos.attention_sampling.reader import load_model

    return load_model(here(path))


def _attention_batch(model: Any, items: list[Any]) -> list[Any]:
    from demos.attention_sampling.reader import _read

    return [_read(model, item) for item in items]


FAMILIES: dict[str, Family] = {
    "mnist": Family(_mnist_load, _mnist_batch),
    "imagenet": Family(_imagenet_load, _imagenet_batch),
    "cyclegan": Family(_cyclegan_load, _cyclegan_batch),
    "fast style": Family(_style_load, _style_batch),
    "attention sampling": Family(_attention_load, _attention_batch),
}


def application_name(family: str) -> str:
    """The Serve application of ``family`` (names without spaces: ``fast-style``)."""
    return family.replace(" ", "-")


@dataclass(frozen=True)
class Failure:
    """What a replica sends back instead of a result when the model raised on one request (picklable)."""

    kind: str                  # the exception's class name
    message: str
    key: str = ""              # a DemoError's i18n key: the visitor sees the same message as embedded
    params: tuple = ()


def answer(family: Family, models: dict[tuple, Any], requests: list[tuple[tuple, Any]]) -> list[Any]:
    """Answer ``(source, item)`` requests: grouped by model, one batch each; a raising item fails alone.

    ``models`` caches the loaded models by source (a replica's state).
    """
    results: list[Any] = [None] * len(requests)
    groups: dict[tuple, list[int]] = {}
    for index, (source, _) in enumerate(requests):
        groups.setdefault(tuple(source), []).append(index)
    for source, indices in groups.items():
        try:
            outs = family.batch(_model(family, models, source), [requests[i][1] for i in indices])
        except Exception:   # noqa: BLE001 - find the poisoned request, the others still get theirs
            outs = [_one(family, models, source, requests[i][1]) for i in indices]
        for index, out in zip(indices, outs):
            results[index] = out
    return results


def _model(family: Family, models: dict[tuple, Any], source: tuple) -> Any:
    """The replica's model of ``source``, loaded the first time a request names it."""
    model = models.get(source)
    if model is None:
        model = models[source] = family.load(*source)
    return model


def _one(family: Family, models: dict[tuple, Any], source: tuple, item: Any) -> Any:
    from demos.errors import DemoError

    try:
        return family.batch(_model(family, models, source), [item])[0]
    except DemoError as error:
        return Failure(type(error).__name__, str(error), error.key, tuple(error.params.items()))
    except Exception as error:   # noqa: BLE001 - sent back to its own visitor
        return Failure(type(error).__name__, str(error)[:200])
