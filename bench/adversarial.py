"""Benchmark of "Fool the network", printed as JSON (the acceptance figures of the adversarial demo).

    python bench/adversarial.py [--weights ../shared/data/weights/mobilenet_v2_imagenet_dequantized.pth]
                                [--samples ../shared/data/imagenet-samples] [--limit 1000] [--digits 1000]

On the labelled samples (full size where ``original/`` has them, else ``resized256/``) MobileNetV2 classifies correctly (``--limit`` of them, in file order), each
adversarial image saved as an 8-bit PNG and read again before it is judged:

- untargeted PGD, 10 steps, ε = 1/255 and 2/255: share whose top-1 changed; median ‖δ‖₂/‖x‖₂;
- targeted "ostrich" (class 9), ε = 4/255, 20 steps: share read as ostrich;
- seconds per image (median, 95th percentile) on this machine;
- MNIST: the lecture's network, PGD ε = 0.2, 10 steps, on ``--digits`` test digits: share misread.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from demos import imagenet  # noqa: E402
from demos.adversarial import OSTRICH, attack, attack_digit, saved_and_read  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SETTINGS = {
    "untargeted_eps1_pgd10": dict(epsilon=1 / 255, steps=10),
    "untargeted_eps2_pgd10": dict(epsilon=2 / 255, steps=10),
    "ostrich_eps4_pgd20": dict(epsilon=4 / 255, steps=20, target=OSTRICH),
}


def imagenet_figures(classifier, samples: Path, limit: int) -> dict:
    rows = list(csv.DictReader(open(samples / "labels.csv")))[:limit]
    outcome = {name: {"fooled": 0, "relative_l2": [], "seconds": []} for name in SETTINGS}
    correct = 0
    for row in rows:
        path = samples / "original" / row["filename"]
        photo = Image.open(path if path.is_file() else samples / "resized256" / row["filename"]).convert("RGB")
        if imagenet.top_k(photo, classifier, k=1)[0].class_index != int(row["index"]):
            continue
        correct += 1
        for name, settings in SETTINGS.items():
            result = attack(photo, classifier, **settings)
            read = imagenet.top_k(saved_and_read(result.image), classifier, k=1)[0].class_index
            goal = read == OSTRICH if settings.get("target") == OSTRICH else read != int(row["index"])
            outcome[name]["fooled"] += int(goal)
            outcome[name]["relative_l2"].append(result.relative_l2)
            outcome[name]["seconds"].append(result.seconds)
    figures = {"samples": len(rows), "correct_before": correct}
    for name, o in outcome.items():
        seconds = sorted(o["seconds"])
        figures[name] = {
            "fooled_share": round(o["fooled"] / max(correct, 1), 4),
            "median_relative_l2": round(statistics.median(o["relative_l2"]), 5) if o["relative_l2"] else None,
            "median_seconds": round(statistics.median(seconds), 2) if seconds else None,
            "p95_seconds": round(seconds[int(0.95 * (len(seconds) - 1))], 2) if seconds else None,
        }
    return figures


def mnist_figures(n: int) -> dict:
    from demos.mnist import load_model, preprocess
    from demos.mnist.data import load_mnist

    model = load_model()
    images, labels = load_mnist("test", SHARED / "mnist" / "MNIST" / "raw")
    misread = 0
    for image, label in zip(images[:n], labels[:n]):
        digit = preprocess(Image.fromarray(image))[0, 0].numpy()
        misread += int(attack_digit(digit, model, epsilon=0.2, steps=10).after.argmax() != label)
    return {"digits": n, "misread_share": round(misread / n, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default=str(SHARED / "weights" / "mobilenet_v2_imagenet_dequantized.pth"))
    parser.add_argument("--samples", default=str(SHARED / "imagenet-samples"))
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--digits", type=int, default=1000)
    args = parser.parse_args()
    classifier = imagenet.load_classifier("mobilenet_v2", args.weights)
    results = {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
               "threads": torch.get_num_threads(), "device": str(classifier.device),
               "imagenet_mobilenet_v2": imagenet_figures(classifier, Path(args.samples), args.limit),
               "mnist_lecture_network": mnist_figures(args.digits),
               # Seconds per image depend on what else ran: say how busy the machine was.
               "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
