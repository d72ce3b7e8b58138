"""Benchmark of the CycleGAN page, printed as JSON.

    python bench/cyclegan.py [--sizes 256 512 1024] [--repeats 5]

Latency of one translation (``demos.cyclegan.translate_timed``: the generator
only, as the page reports it) at 256², 512² and 1024², for the original
generator (``resnet_9blocks``, random weights: speed does not depend on them)
and GAN Compression's generator (``sub_mobile_resnet_9blocks``, config
16_16_32_16_32_32_16_16), in float32 and in the page's automatic precision
(bfloat16 on a CPU that computes it natively), on the CPU and on the GPU
when there is one. Target: ≤ 0.5 s at 256² on 2 CPU cores for the original.

Each configuration runs in a fresh subprocess so that its peak memory is its
own: ``peak_rss_mb`` is the process's peak resident memory (``getrusage``),
``inference_mb`` what inference added to it once the model was loaded; on a
GPU, ``cuda_peak_mb`` is ``torch.cuda.max_memory_allocated``.
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


def run_one(model: str, size: int, device: str, precision: str, repeats: int) -> dict:
    """One configuration, in this process (called in a subprocess by main)."""
    import numpy as np
    import torch
    from PIL import Image

    from demos import cyclegan

    torch.manual_seed(0)
    net = (cyclegan.SubMobileResnetGenerator() if model == "compressed" else cyclegan.ResnetGenerator()).eval()
    net = net.to(device)
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8))
    before = _rss_peak_mb()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    first = cyclegan.translate_timed(image, size=size, generator=net, precision=precision)   # sets up kernels
    times = [cyclegan.translate_timed(image, size=size, generator=net, precision=precision).seconds
             for _ in range(repeats)]
    row = dict(model=model, size=f"{size}x{size}", device=device, precision=first.dtype,
               median_s=round(statistics.median(times), 4), min_s=round(min(times), 4),
               first_s=round(first.seconds, 4), repeats=repeats,
               peak_rss_mb=round(_rss_peak_mb(), 1), inference_mb=round(_rss_peak_mb() - before, 1))
    if device.startswith("cuda"):
        row["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs at 256² (fewer at larger sizes)")
    parser.add_argument("--one", nargs=4, metavar=("MODEL", "SIZE", "DEVICE", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:   # the subprocess side
        model, size, device, precision = args.one
        print(json.dumps(run_one(model, int(size), device, precision, args.repeats)))
        return

    import torch

    from demos.cyclegan import architecture_cost
    from demos.cyclegan.translation import resolve_precision

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        precisions = ["float32"]
        if resolve_precision("auto", torch.device(device)) != torch.float32:
            precisions.append("auto")
        for model in ("full", "compressed"):
            for size in args.sizes:
                for precision in precisions:
                    repeats = max(1, args.repeats * 256 * 256 // (size * size)) if device == "cpu" else args.repeats * 4
                    out = subprocess.run([sys.executable, __file__, "--one", model, str(size), device, precision,
                                          "--repeats", str(repeats)], capture_output=True, text=True, check=True)
                    rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                    print(json.dumps(rows[-1]), file=sys.stderr)
    cost = {name: dict(parameters=params, gmacs_256=round(per_pixel * 256 * 256 / 1e9, 2))
            for name, model_id in (("full", "horse2zebra"), ("compressed", "horse2zebra_compressed"))
            for params, per_pixel in [architecture_cost(model_id)]}
    full_256 = [r["median_s"] for r in rows if r["model"] == "full" and r["size"] == "256x256" and r["device"] == "cpu"]
    print(json.dumps({
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                    "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "cost": cost,
        "target_full_256_cpu_s": 0.5,
        "best_full_256_cpu_s": min(full_256) if full_256 else None,
        "runs": rows,
    }, indent=1))


if __name__ == "__main__":
    main()
