"""Benchmark of demo 1, printed as JSON.

    python bench/mnist.py [--data ../shared/data/mnist]

- predict(): median latency on a 280×280 canvas image (target ≤ 10 ms on 2 CPU cores);
- "train it yourself" (QUICK settings): wall time and test error
  (target ≤ 1.0 % within 10 s on 2 CPU cores), on the CPU and on the GPU when there is one.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from demos import mnist  # noqa: E402
from demos.mnist.data import load_mnist  # noqa: E402
from demos.mnist.train import QUICK, evaluate, train  # noqa: E402


def canvas_image(digit: np.ndarray) -> Image.Image:
    canvas = np.zeros((280, 280, 4), np.uint8)
    big = np.asarray(Image.fromarray(digit).resize((196, 196)))
    canvas[40:236, 50:246, :3] = big[..., None]
    canvas[..., 3] = 255
    return Image.fromarray(canvas, "RGBA")


def predict_latency(images: np.ndarray, repeats: int = 200) -> dict:
    model = mnist.load_model()
    canvas = canvas_image(images[0])
    mnist.predict(canvas, model)   # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mnist.predict(canvas, model)
        times.append(time.perf_counter() - start)
    return {"predict_median_ms": 1000 * statistics.median(times), "predict_p95_ms": 1000 * float(np.percentile(times, 95))}


def train_from_scratch(train_set, test_set, device: torch.device) -> dict:
    model, history = train(*train_set, settings=QUICK, device=device)
    return {"device": str(device), "train_seconds": history[-1]["seconds"],
            "test_error": evaluate(model, *test_set), "steps": QUICK.steps, "batch_size": QUICK.batch_size}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    args = parser.parse_args()
    train_set, test_set = load_mnist("train", args.data), load_mnist("test", args.data)
    result = {"machine": platform.processor() or platform.machine(), "cpu_threads": torch.get_num_threads(),
              "torch": torch.__version__, **predict_latency(test_set[0]),
              "train": [train_from_scratch(train_set, test_set, torch.device("cpu"))]}
    if torch.cuda.is_available():
        result["gpu"] = torch.cuda.get_device_name()
        result["train"].append(train_from_scratch(train_set, test_set, torch.device("cuda")))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
