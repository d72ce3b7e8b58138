"""Benchmark of the ImageNet page, printed as JSON.

    python bench/imagenet.py [--weights ../shared/data/weights/mobilenet_v2_imagenet_dequantized.pth]
                             [--samples ../shared/data/imagenet-samples] [--models alexnet,vgg16,...]

- latency: median single-image time per offered model, preprocessing + forward
  pass, on a 500×375 photo (random weights: the time does not depend on them);
  with ``--batch 32``, also the forward pass of a batch of 32, per image;
- with ``--concurrent 16``: the inference service's throughput, 16 visitors at once against one at a time;
  target for AlexNet ≤ 30 ms on 2 CPU cores;
- Grad-CAM: median time of one heatmap for AlexNet and MobileNetV2;
- accuracy: top-1 / top-5 of MobileNetV2 with a real state_dict (``--weights``)
  on the labelled samples (``--samples``: labels.csv and resized256/), the
  page's own pipeline, one image at a time.
"""
from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from demos import imagenet  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_photo(samples: Path | None) -> Image.Image:
    """The Labrador when the samples are there, else a synthetic 500×375 photo."""
    path = samples / "original" / "n02099712_Labrador_retriever.JPEG" if samples else None
    if path is not None and path.is_file():
        return Image.open(path).convert("RGB")
    return Image.effect_noise((500, 375), 60).convert("RGB")


def batch_forward_ms(classifier: imagenet.Classifier, batch: int, repeats: int = 3) -> float:
    """Forward pass of a batch of 224² images, in ms per image (what the inference service's batches cost)."""
    dtype = next(classifier.module.parameters()).dtype
    x = torch.randn(batch, 3, 224, 224, device=classifier.device, dtype=dtype)
    with torch.inference_mode():
        classifier.module(x)                       # warm-up
        if classifier.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            classifier.module(x)
        if classifier.device.type == "cuda":
            torch.cuda.synchronize()
    return round((time.perf_counter() - start) * 1000 / (repeats * batch), 2)


def latency(model_id: str, image: Image.Image, repeats: int, batch: int = 1) -> dict:
    torch.manual_seed(0)
    classifier = imagenet.load_classifier(model_id, pretrained=False, warm_up=True)
    for _ in range(3):
        imagenet.classify(image, classifier)
    results = [imagenet.classify(image, classifier) for _ in range(repeats)]
    out = {"median_ms": round(statistics.median(r.total_ms for r in results), 2),
           "preprocess_ms": round(statistics.median(r.preprocess_ms for r in results), 2),
           "forward_ms": round(statistics.median(r.forward_ms for r in results), 2)}
    if batch > 1:
        out[f"batch_{batch}_forward_ms_per_image"] = batch_forward_ms(classifier, batch)
    if model_id in ("alexnet", "mobilenet_v2"):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            imagenet.heatmap(image, classifier, 208)
            times.append((time.perf_counter() - start) * 1000)
        out["gradcam_ms"] = round(statistics.median(times), 1)
    return out


def service_throughput(model_id: str, visitors: int, per_visitor: int = 4) -> dict:
    """Images per second when ``visitors`` threads classify at once through the inference service (batched),
    against one visitor at a time: what a room gets from micro-batching."""
    from concurrent.futures import ThreadPoolExecutor

    classifier = imagenet.load_classifier(model_id, pretrained=False, warm_up=True)
    # distinct pictures: no answer comes from the service's cache
    photos = [Image.effect_noise((320, 240), 40 + i % 50).convert("RGB").rotate(i) for i in range(visitors * per_visitor)]

    def rate(threads: int) -> float:
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda photo: imagenet.classify(photo, classifier), photos))
        return len(photos) / (time.perf_counter() - start)

    imagenet.classify(photos[0], classifier)      # warm-up
    one, many = rate(1), rate(visitors)
    return {"model": model_id, "visitors": visitors, "images": len(photos),
            "images_per_s_one_at_a_time": round(one, 1), "images_per_s_batched": round(many, 1),
            "speed_up": round(many / one, 2)}


def accuracy(weights: Path, samples: Path, limit: int | None) -> dict:
    classifier = imagenet.load_classifier("mobilenet_v2", weights)
    rows = list(csv.DictReader(open(samples / "labels.csv", encoding="utf-8")))[:limit]
    top1 = top5 = 0
    start = time.perf_counter()
    for row in rows:
        image = Image.open(samples / "resized256" / row["filename"])
        best = [p.class_index for p in imagenet.top_k(image, model=classifier, k=5)]
        top1 += best[0] == int(row["index"])
        top5 += int(row["index"]) in best
    return {"images": len(rows), "top1": round(top1 / len(rows), 4), "top5": round(top5 / len(rows), 4),
            "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=SHARED / "weights" / "mobilenet_v2_imagenet_dequantized.pth")
    parser.add_argument("--samples", type=Path, default=SHARED / "imagenet-samples")
    parser.add_argument("--models", default=",".join(imagenet.SPECS))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--limit", type=int, default=None, help="only the first N labelled samples")
    parser.add_argument("--batch", type=int, default=1, help="also time a forward pass of a batch this large")
    parser.add_argument("--concurrent", type=int, default=0,
                        help="also measure the inference service's throughput with this many visitors at once")
    args = parser.parse_args()
    samples = args.samples if args.samples.is_dir() else None
    image = test_photo(samples)
    report = {"device": str(imagenet.load_classifier("alexnet", pretrained=False).device),
              "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": platform.processor(),
              "image": list(image.size), "latency": {}}
    for model_id in args.models.split(","):
        report["latency"][model_id] = latency(model_id, image, args.repeats, args.batch)
        print(model_id, report["latency"][model_id], file=sys.stderr)
    report["alexnet_target_30ms_met"] = report["latency"].get("alexnet", {}).get("median_ms", 1e9) <= 30
    if args.concurrent:
        report["service_throughput"] = service_throughput(args.models.split(",")[0], args.concurrent)
    if args.weights.is_file() and samples is not None:
        report["mobilenet_v2_accuracy"] = accuracy(args.weights, samples, args.limit)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
