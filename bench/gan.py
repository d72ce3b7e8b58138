"""Benchmark of the GAN page, printed as JSON.

    python bench/gan.py [--data ../shared/data/mnist/MNIST/raw] [--train-steps 100]

- BigGAN-deep-128 (its architecture with random weights: no download needed,
  same cost as the real weights): images per second at batch 1 and 4;
- the shipped MNIST conditional GAN: digits per second at batch 1 and 100;
- training the MNIST GAN: seconds per epoch (60,000 digits, batch 128),
  extrapolated from ``--train-steps`` steps (needs the MNIST files);
- the page's live run (``demos.gan.train_live``, on the GPU if any): its seconds and
  the share of 100 generated digits read as the digit asked for;

on the CPU, and on the GPU when there is one.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from demos.gan import biggan, conditional  # noqa: E402
from demos.gan.train_conditional import GanSettings, train  # noqa: E402
from tests.gan_support import LAYERS, random_biggan  # noqa: E402  (random weights in the official format)


def rate(fn, n_images: int, repeats: int) -> float:
    fn()   # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return n_images * repeats / (time.perf_counter() - start)


@torch.inference_mode()
def biggan_rate(device: torch.device, batch: int, repeats: int, resolution: int = 128) -> float:
    model = random_biggan(resolution=resolution).to(device)
    z, c = biggan.noise(batch, 0.4, 0).to(device), biggan.one_hot(list(range(batch))).to(device)
    return rate(lambda: model(z, c, 0.4), batch, repeats)


@torch.inference_mode()
def digits_rate(device: torch.device, batch: int, repeats: int) -> float:
    generator = conditional.load_generator().to(device)
    z, labels = conditional.noise(batch, 0).to(device), (torch.arange(batch) % 10).to(device)
    return rate(lambda: generator(z, labels), batch, repeats)


def epoch_seconds(device: torch.device, data: str | None, steps: int) -> dict:
    from demos.mnist.data import load_mnist

    images, labels = load_mnist("train", data)
    per_epoch = len(images) // 128
    _, history = train(images, labels, GanSettings(epochs=steps / per_epoch), device=device, report_every=steps)
    return {"steps": steps, "seconds_per_epoch": history[-1]["seconds"] / steps * per_epoch}


def live_run(data: str | None) -> dict:
    from demos.gan import train_live
    from demos.mnist.data import load_mnist

    records: list[dict] = []
    generator = train_live(*load_mnist("train", data), callback=lambda record, _: records.append(record))
    return {"steps": records[-1]["step"], "seconds": round(records[-1]["seconds"], 1),
            "recognised_100": conditional.recognisability(generator, n=100)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    parser.add_argument("--train-steps", type=int, default=100)
    parser.add_argument("--resolutions", type=int, nargs="*", default=[128], choices=sorted(LAYERS),
                        help="BigGAN-deep sizes to time besides 128 (random weights in the published layout)")
    args = parser.parse_args()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results = {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
               "threads": torch.get_num_threads(), "devices": {}}
    for device in devices:
        gpu = device.type == "cuda"
        row = {
            "biggan_deep_128_images_per_s_batch1": biggan_rate(device, 1, 10 if gpu else 3),
            "biggan_deep_128_images_per_s_batch4": biggan_rate(device, 4, 10 if gpu else 2),
            **{f"biggan_deep_{r}_images_per_s_batch1": biggan_rate(device, 1, 5 if gpu else 1, r)
               for r in args.resolutions if r != 128},
            "mnist_gan_digits_per_s_batch1": digits_rate(device, 1, 200),
            "mnist_gan_digits_per_s_batch100": digits_rate(device, 100, 50),
        }
        try:
            row["mnist_gan_training"] = epoch_seconds(device, args.data, args.train_steps)
        except Exception as exc:   # no MNIST files here: say so, keep the rest
            row["mnist_gan_training"] = f"skipped: {exc}"
        results["devices"][str(device)] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
    try:
        results["live_run"] = live_run(args.data)
    except Exception as exc:
        results["live_run"] = f"skipped: {exc}"
    card = conditional.SHIPPED.with_suffix(".json")
    if card.exists():
        shipped = json.loads(card.read_text())
        results["shipped_training"] = {k: shipped.get(k) for k in ("epochs", "train_seconds", "recognised_1000")}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
