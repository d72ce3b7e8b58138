"""t-SNE maps of what the lecture's MNIST network computes, layer after layer (seed 001), with openTSNE.

A map is 2,000 test digits laid out in 2-D by t-SNE from one layer's activations: the raw pixels, after
each convolution (with its pooling: what the next layer sees), after the first fully connected layer and
at the logits. The classes separate as depth grows. openTSNE can place a new point in an existing map
without moving the others, which is how the visitor's digit joins every map.

What ships (``assets/representations_tsne.npz``, made by ``python -m demos.representations.tsne``): per
layer, the map's 2-D coordinates, the digits' labels, and the activations reduced to 50 numbers by PCA
(with the projection, to reduce a new digit the same way). No digit itself ships; the neighbourhoods
openTSNE needs to place a point are rebuilt from those 50 numbers when the maps are first loaded.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from demos.errors import DemoError
from demos.mnist.model import MNIST_MEAN, MNIST_STD, LectureNet
from demos.representations.autoencoder import check_digits

ASSET = Path(__file__).resolve().parents[2] / "assets" / "representations_tsne.npz"
LAYERS = ("input", "conv1", "conv2", "fc1", "logits")
MAP_DIGITS = 2000          # the first 2,000 MNIST test digits
REDUCED = 50               # PCA before t-SNE, as openTSNE's documentation advises for wide inputs
PERPLEXITY = 30
NEIGHBOURS = 5
STEPS = 750               # t-SNE's gradient steps per map: openTSNE's 250 exaggerated + 500
CHECK_EVERY = 50          # steps between progress reports (and chances to stop)
_BUILDING = threading.Lock()


def layer_activations(network: LectureNet, digits: np.ndarray) -> dict[str, np.ndarray]:
    """(N, 28, 28) uint8 digits → each layer's activations, flattened: {layer: (N, D) float32}."""
    x = torch.from_numpy(check_digits(digits).astype(np.float32) / 255)[:, None]
    with torch.inference_mode():
        normalised = (x - MNIST_MEAN) / MNIST_STD
        conv1 = network.pool1(F.relu(network.conv1(normalised)))
        conv2 = network.pool2(F.relu(network.conv2(conv1)))
        fc1 = F.relu(network.fc1(conv2.flatten(1)))
        logits = network.fc2(fc1)
    found = {"input": x, "conv1": conv1, "conv2": conv2, "fc1": fc1, "logits": logits}
    return {layer: found[layer].flatten(1).numpy() for layer in LAYERS}


@dataclass
class LayerMap:
    """One layer's map: where each digit lies, its class, and what is needed to place a new digit."""

    layer: str
    coords: np.ndarray           # (N, 2) float32, centred
    labels: np.ndarray           # (N,) int
    mean: np.ndarray             # (D,) the layer's mean activation over the map's digits
    components: np.ndarray       # (D, k) PCA directions (k = min(50, D))
    reduced: np.ndarray          # (N, k) the map's digits in those directions
    _affinities: object = field(default=None, repr=False)
    _accuracy: dict[int, float] = field(default_factory=dict, repr=False)

    def reduce(self, activations: np.ndarray) -> np.ndarray:
        """(M, D) activations of this layer → (M, k), as the map's digits were reduced."""
        return ((activations - self.mean) @ self.components).astype(np.float64)

    def affinities(self):
        """openTSNE's neighbourhoods of the map's digits, built once (a second or so), then only read."""
        from openTSNE.affinity import PerplexityBasedNN

        with _BUILDING:
            if self._affinities is None:
                index = _exact_index(self.reduced.astype(np.float64), k=3 * PERPLEXITY)
                self._affinities = PerplexityBasedNN(perplexity=PERPLEXITY, knn_index=index)
        return self._affinities

    def place(self, activations: np.ndarray) -> np.ndarray:
        """(M, D) activations → (M, 2) positions in this map; the map's own points do not move."""
        from openTSNE import TSNEEmbedding

        # A fresh embedding object per call: openTSNE's transform re-centres its embedding in place. Barnes-Hut
        # and 25 steps from the median of the nearest neighbours: a few points against 2,000 (measured: the
        # same neighbours as 100 FFT steps, 6 × faster).
        reference = TSNEEmbedding(self.coords.astype(np.float64), self.affinities(), random_state=0,
                                  negative_gradient_method="bh")
        placed = reference.transform(self.reduce(activations), n_iter=25)
        return np.asarray(placed, dtype=np.float32)

    def neighbour_classes(self, points: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
        """The majority class among the k nearest map points of each (M, 2) point."""
        return self._votes(((points[:, None, :] - self.coords[None]) ** 2).sum(-1), k)

    def neighbour_accuracy(self, k: int = NEIGHBOURS) -> float:
        """Share of the map's digits whose k nearest other points mostly share their class (leave-one-out)."""
        if k not in self._accuracy:
            distances = ((self.coords[:, None, :] - self.coords[None]) ** 2).sum(-1)
            np.fill_diagonal(distances, np.inf)   # a digit is not its own neighbour
            self._accuracy[k] = float((self._votes(distances, k) == self.labels).mean())
        return self._accuracy[k]

    def _votes(self, distances: np.ndarray, k: int) -> np.ndarray:
        """(M, map points) distances → the majority class of each row's k nearest map points."""
        nearest = np.argsort(distances, axis=1)[:, :k]
        return np.array([np.bincount(self.labels[row], minlength=10).argmax() for row in nearest])


Maps = dict[str, LayerMap]


def _exact_index(data: np.ndarray, k: int):
    """openTSNE's nearest-neighbour index, exact with numpy: for 2,000 points, all distances at once take
    milliseconds, where Annoy takes seconds and scikit-learn 0.1 s per query."""
    from openTSNE.nearest_neighbors import KNNIndex

    class ExactIndex(KNNIndex):
        VALID_METRICS = ["euclidean"]

        def build(self) -> tuple[np.ndarray, np.ndarray]:
            indices, distances = self.query(self.data, self.k + 1)
            return indices[:, 1:], distances[:, 1:]          # each point's first neighbour is itself

        def query(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
            squared = ((query ** 2).sum(1)[:, None] - 2 * query @ self.data.T + (self.data ** 2).sum(1)[None])
            indices = np.argsort(squared, axis=1)[:, :k]
            distances = np.sqrt(np.maximum(np.take_along_axis(squared, indices, axis=1), 0))
            return indices, distances

    return ExactIndex(data, k)


def build_maps(network: LectureNet, digits: np.ndarray, labels: np.ndarray, *, steps: int = STEPS,
               seed: int = 0, callback: Callable[[str, float], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> Maps | None:
    """Compute the map of every layer for ``digits`` (t-SNE, perplexity 30, PCA initialisation, ``steps`` steps
    of which the first third exaggerated, as openTSNE's 250 + 500 by default).

    ``callback(layer, fraction_done)`` is told the progress; when ``should_stop()`` turns true the run ends
    at openTSNE's next check (every 50 steps) and None is returned.
    """
    from openTSNE import TSNE

    activations = layer_activations(network, digits)
    maps: Maps = {}
    for i, layer in enumerate(LAYERS):
        values = activations[layer]
        mean = values.mean(0)
        k = min(REDUCED, values.shape[1])
        # Exact PCA by SVD of the centred activations (a few thousand rows: instant).
        _, _, vt = np.linalg.svd(values - mean, full_matrices=False)
        components = vt[:k].T.astype(np.float32)
        reduced = (values - mean) @ components

        done = [0]      # openTSNE counts each phase (exaggerated steps, then the rest) from 1 again

        def tick(iteration: int, error: float, embedding: np.ndarray, i: int = i, layer: str = layer) -> bool:
            done[0] += CHECK_EVERY
            if callback is not None:
                callback(layer, (i + min(1.0, done[0] / steps)) / len(LAYERS))
            return bool(should_stop and should_stop())

        embedding = TSNE(perplexity=PERPLEXITY, n_iter=steps - steps // 3, early_exaggeration_iter=steps // 3,
                         initialization="pca", neighbors="exact", random_state=seed, n_jobs=torch.get_num_threads(),
                         callbacks=tick, callbacks_every_iters=CHECK_EVERY).fit(reduced.astype(np.float64))
        if should_stop and should_stop():
            return None
        coords = np.asarray(embedding, dtype=np.float32)
        coords -= (coords.max(0) + coords.min(0)) / 2
        maps[layer] = LayerMap(layer, coords, np.asarray(labels, dtype=np.int64), mean.astype(np.float32),
                               components, reduced.astype(np.float32))
    if callback is not None:
        callback(LAYERS[-1], 1.0)
    return maps


@dataclass(frozen=True)
class Placed:
    """Digits placed in every map: ``positions[layer]`` is (M, 2); ``read`` the network's class for each."""

    positions: dict[str, np.ndarray]
    read: np.ndarray


def place_in_maps(maps: Maps, network: LectureNet, digits: np.ndarray) -> Placed:
    """Place (M, 28, 28) uint8 digits (or one 28×28) in every map of ``network``'s layers."""
    activations = layer_activations(network, digits)
    return Placed({layer: layer_map.place(activations[layer]) for layer, layer_map in maps.items()},
                  activations["logits"].argmax(1))


# ------------------------------------------------------------------------------------------ shipped maps

def save_maps(maps: Maps, path: Path | str) -> None:
    """Write the maps as plain arrays (float16 where precision does not matter), readable without pickle."""
    arrays: dict[str, np.ndarray] = {}
    for layer, m in maps.items():
        arrays[f"{layer}.coords"] = m.coords
        arrays[f"{layer}.labels"] = m.labels.astype(np.uint8)
        arrays[f"{layer}.mean"] = m.mean
        arrays[f"{layer}.components"] = m.components.astype(np.float16)
        arrays[f"{layer}.reduced"] = m.reduced.astype(np.float16)
    np.savez_compressed(path, **arrays)


@lru_cache(maxsize=1)
def shipped_maps(path: str = str(ASSET)) -> Maps:
    """The lecture network's maps made by this project (read-only, shared by every visitor)."""
    with np.load(path, allow_pickle=False) as stored:
        maps = {layer: LayerMap(layer, stored[f"{layer}.coords"], stored[f"{layer}.labels"].astype(np.int64),
                                stored[f"{layer}.mean"], stored[f"{layer}.components"].astype(np.float32),
                                stored[f"{layer}.reduced"].astype(np.float32))
                for layer in LAYERS}
    for layer_map in maps.values():
        layer_map.affinities()      # now, so that placing the first visitor's digit takes well under a second
    return maps


def place(digit: np.ndarray, layer: str) -> tuple[float, float]:
    """Where a 28×28 uint8 digit lands in the shipped map of ``layer`` (the lecture's network)."""
    from demos.mnist import load_model

    if layer not in LAYERS:
        raise DemoError("representations.error.layer", "Unknown layer {layer}: choose one of {layers}.",
                        layer=str(layer), layers=", ".join(LAYERS))
    activations = layer_activations(load_model(), digit)[layer]
    x, y = shipped_maps()[layer].place(activations)[0]
    return float(x), float(y)


def main(argv: list[str] | None = None) -> None:
    from demos.mnist import load_model
    from demos.mnist.data import load_mnist

    parser = argparse.ArgumentParser(description="Compute the shipped t-SNE maps of the lecture's MNIST network.")
    parser.add_argument("--data", required=True, help="a folder with MNIST's idx files")
    parser.add_argument("--digits", type=int, default=MAP_DIGITS, help="how many test digits (the first ones)")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--out", default=str(ASSET))
    args = parser.parse_args(argv)
    images, labels = load_mnist("test", args.data)
    start = time.perf_counter()
    maps = build_maps(load_model(), images[:args.digits], labels[:args.digits], steps=args.steps,
                      callback=lambda layer, done: print(f"{layer} {done:.0%}", flush=True))
    assert maps is not None
    save_maps(maps, args.out)
    report = {"digits": args.digits, "steps": args.steps, "perplexity": PERPLEXITY,
              "seconds": round(time.perf_counter() - start, 1),
              "neighbour_accuracy": {layer: round(m.neighbour_accuracy(), 4) for layer, m in maps.items()}}
    Path(args.out).with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
