"""Benchmark of "Compress and unfold" (autoencoder against PCA), printed as JSON.

    python bench/representations.py [--data ../shared/data/mnist]

On the 10,000 MNIST test digits, with the shipped autoencoders and PCA (``assets/representations.pt``):
the mean squared error of each at d = 2, 4, 8, 16, 32, and the share of reconstructions the lecture's
MNIST network reads correctly; milliseconds per interpolation strip (13 frames); the training time
recorded by the training script (``assets/representations.json``). The t-SNE maps of the layers
(``assets/representations_tsne.npz``): 5-nearest-neighbour accuracy in each 2-D map; seconds to place one
digit in all five maps; for 200 test digits outside the maps, how often the majority class of the 5 nearest map
points equals the network's reading; the time the maps took to compute (``assets/representations_tsne.json``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from demos import mnist  # noqa: E402
from demos.mnist.data import load_mnist  # noqa: E402
from demos.representations import DIMENSIONS, interpolate, reconstruct  # noqa: E402
from demos.representations import tsne  # noqa: E402
from demos.representations.autoencoder import ASSET  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(SHARED / "mnist"))
    args = parser.parse_args()
    images, labels = load_mnist("test", args.data)
    x = images.astype(np.float32) / 255
    network = mnist.load_model()
    figures: dict[str, dict] = {}
    for d in DIMENSIONS:
        row = {}
        for method in ("cnn", "pca"):
            rebuilt = reconstruct(images, d, method)
            with torch.inference_mode():
                read = network(torch.from_numpy(rebuilt.astype(np.float32) / 255)[:, None]).argmax(1).numpy()
            row[method] = {"test_mse": round(float(((rebuilt.astype(np.float32) / 255 - x) ** 2).mean()), 5),
                           "read_correctly": round(float((read == labels).mean()), 4)}
        figures[f"d{d}"] = row
    strip_ms = []
    for i in range(20):
        start = time.perf_counter()
        interpolate(images[i], images[i + 1], 32, "cnn")
        strip_ms.append((time.perf_counter() - start) * 1000)
    maps = tsne.shipped_maps()
    tsne.place_in_maps(maps, network, images[5000])                    # openTSNE's first call compiles
    place_s = []
    for digit in images[5001:5021]:
        start = time.perf_counter()
        tsne.place_in_maps(maps, network, digit)
        place_s.append(time.perf_counter() - start)
    held = tsne.place_in_maps(maps, network, images[5000:5200])
    maps_figures = {layer: {"neighbour_accuracy_5nn": round(m.neighbour_accuracy(), 4),
                            "held_out_neighbours_agree_with_network": round(float(
                                (m.neighbour_classes(held.positions[layer]) == held.read).mean()), 3)}
                    for layer, m in maps.items()}
    trained = json.loads(ASSET.with_suffix(".json").read_text())
    print(json.dumps({"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
                      "threads": torch.get_num_threads(), "test_digits": len(images), "by_d": figures,
                      "interpolation_strip_ms_median": round(statistics.median(strip_ms[1:]), 2),
                      "train_seconds_all_five": trained["train_seconds"],
                      "tsne_maps": maps_figures, "tsne_map_digits": len(maps["input"].coords),
                      "tsne_place_one_digit_all_maps_s_median": round(statistics.median(place_s), 3),
                      "tsne_place_one_digit_all_maps_s_max": round(max(place_s), 3),
                      "tsne_compute_all_maps_s": json.loads(tsne.ASSET.with_suffix(".json").read_text())["seconds"],
                      "load_average_at_end": [round(v, 2) for v in os.getloadavg()]}, indent=2))


if __name__ == "__main__":
    main()
