"""Benchmark of attention sampling against a CNN over the whole image, printed as JSON.

    python bench/attention_sampling.py [--data ../shared/data/mnist/MNIST/raw] [--images 1000] [--repeats 5]

- ``test_error``: the shipped model on Megapixel MNIST test images made of the
  MNIST test digits (seeds 0..images-1), read as the page reads: K = ``DEFAULT_K``
  patches, features averaged by ``AVERAGE`` (demos.attention_sampling);
  ``test_errors``: the same images at K = 10 and ``DEFAULT_K``, plain mean and
  the training's unbiased estimator.
- Per image, for attention sampling (K = ``DEFAULT_K``) and for the full-resolution CNN
  (the same feature network over all 1500×1500 pixels): median wall time and
  peak memory as the page measures them (``demos.attention_sampling.cost``:
  bytes of tensors alive at once; on a GPU, ``torch.cuda.max_memory_allocated``),
  and, each method in a fresh subprocess, the growth of the process's peak
  resident memory (``getrusage``) from the loaded model to after the passes
  (the first pass's one-off library start-up included).
Target: ≥ 10× less time and ≥ 10× less peak memory for attention sampling.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: kB


def run_one(method: str, device: str, repeats: int) -> dict:
    """Time and memory of one method on one device, in this process (main runs it in a subprocess)."""
    import numpy as np

    from demos import attention_sampling as ats

    model = ats.load_model().to(device)
    # random scribbles and blobs stand in for digits: cost does not depend on the content
    image = (np.random.default_rng(0).random((1500, 1500)) > 0.995).astype(np.uint8) * 255
    run = (lambda: ats.read(image, k=ats.DEFAULT_K, model=model).cost) if method == "attention_sampling" else \
        (lambda: ats.read_full_resolution(image, model=model)[1])
    before = _rss_peak_mb()                 # the loaded model and the image, before any pass
    run()                                   # warm-up (allocator, kernels)
    costs = [run() for _ in range(repeats)]
    return {"method": method, "device": device,
            "seconds_median": round(statistics.median(c.seconds for c in costs), 4),
            "peak_mb": round(max(c.peak_bytes for c in costs) / 2**20, 2),
            "rss_growth_mb": round(_rss_peak_mb() - before, 1)}


def test_errors(data: str | None, images: int) -> dict[str, float]:
    """Error of the page's reading (K = DEFAULT_K, AVERAGE) and of the others, on the same images."""
    from demos import attention_sampling as ats
    from demos.attention_sampling.train import error_rates
    from demos.mnist.data import load_mnist

    readings = [(k, average) for k in sorted({10, ats.DEFAULT_K}) for average in ("mean", "unbiased")]
    errors = error_rates(ats.load_model(), range(images), readings, digits=load_mnist("test", data))
    return {f"k{k}_{average}": error for (k, average), error in errors.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "DEVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one, args.repeats)))
        return

    import torch

    from demos.attention_sampling import AVERAGE, DEFAULT_K

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    runs = []
    for device in devices:
        for method in ("attention_sampling", "full_resolution_cnn"):
            out = subprocess.run([sys.executable, __file__, "--one", method, device, "--repeats", str(args.repeats)],
                                 capture_output=True, text=True, check=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
    errors = test_errors(args.data, args.images)
    ratios = {}
    for device in devices:
        sampled, full = (next(r for r in runs if r["device"] == device and r["method"] == m)
                         for m in ("attention_sampling", "full_resolution_cnn"))
        ratios[device] = {"time": round(full["seconds_median"] / sampled["seconds_median"], 1),
                          "peak_memory": round(full["peak_mb"] / max(sampled["peak_mb"], 1e-6), 1)}
    print(json.dumps({
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                    "torch": torch.__version__},
        "test_error": errors[f"k{DEFAULT_K}_{AVERAGE}"], "test_images": args.images, "k": DEFAULT_K,
        "average": AVERAGE, "test_errors": errors,
        "runs": runs, "full_over_sampled": ratios,
    }, indent=2))


if __name__ == "__main__":
    main()
