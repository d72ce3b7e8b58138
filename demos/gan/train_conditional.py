"""Train the class-conditional DCGAN of :mod:`demos.gan.conditional` on MNIST.

    python -m demos.gan.train_conditional --data ../shared/data/mnist/MNIST/raw --epochs 10

writes the generator (``assets/mnist_cgan.pt``, float32 state_dict), its card
(``assets/mnist_cgan.json``: epochs, time, recognisability by the project's
MNIST classifier) and a 10×10 sample grid after chosen epochs
(``assets/gan_progress/epoch_NN.png``: one column per digit, same noise every
time), so the page can show a GAN learning. The page's live run is
:func:`train_live`.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from demos.cards import write_card
from demos.device import fast_cpu_dtype, pick_device
from demos.gan.conditional import (
    ASSETS,
    N_CLASSES,
    Discriminator,
    Generator,
    noise,
    recognisability,
    render,
)
from demos.grids import tile
from demos.random_init import reset_parameters


@dataclass(frozen=True)
class GanSettings:
    epochs: float = 10
    batch_size: int = 128
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    real_label: float = 0.9      # one-sided label smoothing
    seed: int = 0
    steps: int | None = None     # if set, this many steps instead of ``epochs``
    generator_width: int = 128
    discriminator_width: int = 64
    classifier_weight: float = 0.0   # > 0: AC-GAN, the discriminator also names the digit (Odena et al., 2017)


# The page's live run, chosen to show digits within a minute on 2 CPU cores:
# measured here (x86_64, 2 cores, no GPU) 320 steps take 40–50 s and 83–90 %
# of generated digits are then read as the digit asked for. What gets it
# there: half-width networks (4× fewer operations per step), a 10× higher
# learning rate than DCGAN's 2e-4, and the auxiliary classifier, which tells
# the generator which digit it is drawing from the first steps on. Without
# those, 156 steps of the shipped recipe gave checkerboard noise.
LIVE = GanSettings(steps=320, batch_size=64, lr=2e-3, generator_width=64, discriminator_width=32,
                   classifier_weight=1.0)


def progress_grid(generator: torch.nn.Module, seed: int = 1234) -> np.ndarray:
    """10×10 uint8 grid: column j is digit j, row i the i-th fixed noise vector."""
    labels = torch.arange(100) % N_CLASSES
    z = noise(10, seed).repeat_interleave(10, 0)
    return tile(render(generator, z, labels) / 255.0, cols=10, pad=2, normalize=False)


def train(images: np.ndarray, labels: np.ndarray, settings: GanSettings = GanSettings(),
          device: torch.device | None = None,
          callback: Callable[[dict, Generator], None] | None = None, report_every: int = 50,
          on_epoch: Callable[[int, Generator], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> tuple[Generator, list[dict]]:
    """Train a fresh generator/discriminator pair with the standard (non-saturating) GAN loss.

    ``callback(record, generator)`` every ``report_every`` steps with
    ``{"step", "steps", "epoch", "loss_d", "loss_g", "d_real", "d_fake", "seconds"}``;
    ``on_epoch(epoch, generator)`` after each full epoch. Random numbers come
    from a generator of its own (no process-wide seed is changed).
    """
    device = device or pick_device()
    gen = torch.Generator().manual_seed(settings.seed)
    x = torch.from_numpy(np.asarray(images, dtype=np.uint8)).float().div_(127.5).sub_(1).unsqueeze(1).to(device)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(device)
    G = reset_parameters(Generator(width=settings.generator_width), gen)
    D = reset_parameters(Discriminator(settings.discriminator_width, classify=settings.classifier_weight > 0), gen)
    with torch.no_grad():
        D.project.weight.normal_(0, 0.01, generator=gen)
    G, D = G.to(device).train(), D.to(device).train()
    opt_g = torch.optim.Adam(G.parameters(), lr=settings.lr, betas=settings.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=settings.lr, betas=settings.betas)
    dtype = fast_cpu_dtype(device)
    autocast = lambda: torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)  # noqa: E731
    per_epoch = max(1, len(x) // settings.batch_size)
    steps = settings.steps or max(1, round(settings.epochs * per_epoch))
    history: list[dict] = []
    sums = np.zeros(4)
    count = 0
    start = time.perf_counter()
    for step in range(steps):
        if step % per_epoch == 0:
            order = torch.randperm(len(x), generator=gen).to(device)
        idx = order[(step % per_epoch) * settings.batch_size:][: settings.batch_size]
        real, yb = x[idx], y[idx]
        n = len(yb)
        z = torch.randn(n, G.z_dim, generator=gen).to(device)
        fake_labels = torch.randint(0, N_CLASSES, (n,), generator=gen).to(device)
        # discriminator: real → real_label, fake → 0 (and, with the auxiliary head, the real digit's name)
        with autocast():
            fake = G(z, fake_labels)
            d_real, classes_real = D.judge(real, yb)
            d_fake = D(fake.detach(), fake_labels).float()
            d_real = d_real.float()
            loss_d = (F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, settings.real_label))
                      + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
            if classes_real is not None:
                loss_d = loss_d + settings.classifier_weight * F.cross_entropy(classes_real.float(), yb)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # generator: make D call its fakes real (and read them as the digit asked for)
        with autocast():
            d_gen, classes_gen = D.judge(fake, fake_labels)
            d_gen = d_gen.float()
            loss_g = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
            if classes_gen is not None:
                loss_g = loss_g + settings.classifier_weight * F.cross_entropy(classes_gen.float(), fake_labels)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        sums += [loss_d.item(), loss_g.item(), torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item()]
        count += 1
        if (step + 1) % report_every == 0 or step + 1 == steps:
            record = dict(zip(("loss_d", "loss_g", "d_real", "d_fake"), (sums / count).tolist()))
            record.update(step=step + 1, steps=steps, epoch=(step + 1) / per_epoch, seconds=time.perf_counter() - start)
            history.append(record)
            sums[:], count = 0, 0
            if callback:
                callback(record, G)
            if should_stop and should_stop():
                break
        if on_epoch and (step + 1) % per_epoch == 0:
            on_epoch((step + 1) // per_epoch, G)
    return G.eval(), history


def train_live(images: np.ndarray, labels: np.ndarray, *,
               callback: Callable[[dict, Generator], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> Generator:
    """The GAN page's live run (:data:`LIVE`): a fresh conditional GAN trained on these MNIST digits.

    ``images`` (N, 28, 28) uint8 and ``labels`` (N,) as :func:`demos.mnist.data.load_mnist` gives them.
    ``callback(record, generator)`` every 10 steps (see :func:`train`);
    ``should_stop()`` is asked as often and ends the run early. Returns the
    generator in eval mode; :func:`demos.gan.conditional.recognisability`
    scores it.
    """
    return train(images, labels, settings=LIVE, callback=callback, report_every=10, should_stop=should_stop)[0]


def main(argv: list[str] | None = None) -> None:
    from demos.mnist.data import load_mnist

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    parser.add_argument("--out", default=str(ASSETS / "mnist_cgan.pt"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--snapshots", default="1,2,5,10,20", help="epochs after which a sample grid is saved")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = GanSettings(epochs=args.epochs, seed=args.seed)
    out = Path(args.out)
    grids = out.parent / "gan_progress"
    grids.mkdir(parents=True, exist_ok=True)
    snapshots = {int(e) for e in args.snapshots.split(",") if e.strip()}
    epoch_log: list[dict] = []
    start = time.perf_counter()

    def on_epoch(epoch: int, G: Generator) -> None:
        score = recognisability(G, n=1000)
        epoch_log.append({"epoch": epoch, "seconds": round(time.perf_counter() - start, 1), "recognised": score})
        print(f"epoch {epoch}  {time.perf_counter() - start:.0f}s  recognised {score:.3f}", flush=True)
        if epoch in snapshots:
            Image.fromarray(progress_grid(G)).save(grids / f"epoch_{epoch:02d}.png", optimize=True)
        torch.save(G.state_dict(), out)   # keep the latest, so an interrupted run still leaves weights

    report = lambda r, G: print(f"step {r['step']}/{r['steps']}  D {r['loss_d']:.3f}  G {r['loss_g']:.3f}  D(x) {r['d_real']:.2f}  D(G(z)) {r['d_fake']:.2f}  {r['seconds']:.0f}s", flush=True)  # noqa: E731
    G, history = train(*load_mnist("train", args.data), settings=settings, callback=report,
                       report_every=100, on_epoch=on_epoch)
    G = G.cpu().float()
    torch.save(G.state_dict(), out)
    card = {"epochs": args.epochs, "train_seconds": round(history[-1]["seconds"], 1),
            "recognised_1000": recognisability(G, n=1000), "per_epoch": epoch_log,
            "snapshots": sorted(e for e in snapshots if e <= args.epochs),
            "device": str(pick_device()), "torch": torch.__version__, "settings": asdict(settings)}
    write_card(out, card)
    print(json.dumps(card))


if __name__ == "__main__":
    main()
