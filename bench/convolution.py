"""Benchmark of "Inside a convolution": milliseconds of computation per interaction, printed as JSON.

    python bench/convolution.py [--repeats 50]

Each interaction of the page, as the page computes it (median and worst of ``--repeats`` runs after one
warm-up): the 1-D slide, the padding example, the curve detector, batch normalisation, the four filters on a
256×256 photo, the MNIST network's first layer and both poolings on a digit. Target: ≤ 100 ms each.
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

from demos import convolution as conv, mnist  # noqa: E402
from demos.convolution import examples as ex  # noqa: E402


def interactions() -> dict:
    photo = np.random.default_rng(0).random((256, 256)).astype(np.float32)
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    network = mnist.load_model()

    rng = np.random.default_rng(1)

    def first_layer():
        stroke = digit.copy()
        stroke[rng.integers(4, 24), rng.integers(4, 24)] = 255     # another picture: no cached answer
        maps = mnist.read(stroke, network).feature_maps["conv1"]
        return conv.max_pool(maps, 2), conv.max_pool(maps, 3)

    return {
        "1d_slide": lambda: conv.conv1d(conv.parse_vector("1 4 -1 0 2 -2 1 3 3 1"), conv.parse_vector("1 2 0 -1")),
        "2d_padding_example": lambda: conv.conv2d(ex.PADDING_INPUT, ex.PADDING_KERNEL, padding=1).explain(3, 3),
        "curve_detector": lambda: [conv.conv2d(f, ex.CURVE_FILTER) for f in (ex.ON_THE_CURVE, ex.ELSEWHERE)],
        "batch_norm": lambda: conv.batch_norm(ex.BATCH, 1.5, 0.5),
        "four_filters_on_a_256px_photo": lambda: [conv.filter_image(photo, k) for k in ex.FILTERS.values()],
        "mnist_first_layer_and_pooling": first_layer,
        "parameter_counts": conv.parameter_counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    figures = {}
    for name, run in interactions().items():
        run()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        figures[name] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}
    print(json.dumps({"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
                      "threads": torch.get_num_threads(), "interactions": figures,
                      "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}, indent=2))


if __name__ == "__main__":
    main()
