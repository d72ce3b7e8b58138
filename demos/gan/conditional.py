"""A small class-conditional DCGAN for 28×28 MNIST digits, trained by this project.

Generator (Radford et al., 2016, made conditional as in Mirza & Osindero, 2014):
``[z (64) ; one-hot label (10)] → Linear → 128×7×7 → BN, ReLU → ConvT → 64×14×14
→ BN, ReLU → ConvT → 1×28×28 → tanh``. Discriminator: the label as an extra
input channel, two strided convolutions (BatchNorm, LeakyReLU), and
a projection term (Miyato & Koyama, 2018) for the label.

The shipped generator is ``assets/mnist_cgan.pt`` (trained by
``python -m demos.gan.train_conditional``); :func:`generate_digits` samples it.
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from demos.checkpoints import load_weights
from demos.errors import DemoError
from demos.grids import tile, upscale
from demos.inference import shared_service

Z_DIM = 64
N_CLASSES = 10
ASSETS = Path(__file__).resolve().parents[2] / "assets"
SHIPPED = ASSETS / "mnist_cgan.pt"
PROGRESS_DIR = ASSETS / "gan_progress"


class Generator(nn.Module):
    """(z (N, 64), labels (N,)) → images (N, 1, 28, 28) in [-1, 1]."""

    def __init__(self, z_dim: int = Z_DIM, width: int = 128) -> None:
        super().__init__()
        self.z_dim, self.width = z_dim, width
        self.fc = nn.Linear(z_dim + N_CLASSES, width * 7 * 7, bias=False)
        self.bn0 = nn.BatchNorm1d(width * 7 * 7)
        self.up1 = nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False)   # 7 → 14
        self.bn1 = nn.BatchNorm2d(width // 2)
        self.up2 = nn.ConvTranspose2d(width // 2, 1, 4, 2, 1)                   # 14 → 28

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = nn.functional.one_hot(labels, N_CLASSES).to(z.dtype)
        h = torch.relu(self.bn0(self.fc(torch.cat([z, onehot], 1))))
        h = torch.relu(self.bn1(self.up1(h.view(-1, self.width, 7, 7))))
        return torch.tanh(self.up2(h))


class Discriminator(nn.Module):
    """(images (N, 1, 28, 28) in [-1, 1], labels (N,)) → logits (N,): real and of that digit?

    The label enters twice: as ten one-hot input planes, and as a projection
    term on the last features (Miyato & Koyama, 2018). With ``classify=True``
    it also has an auxiliary head that names the digit it sees (AC-GAN, Odena
    et al., 2017): :meth:`judge` returns both answers.
    """

    def __init__(self, width: int = 64, classify: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1 + N_CLASSES, width, 4, 2, 1)                  # 28 → 14
        self.conv2 = nn.Conv2d(width, width * 2, 4, 2, 1, bias=False)          # 14 → 7
        self.bn2 = nn.BatchNorm2d(width * 2)
        self.out = nn.Linear(width * 2 * 7 * 7, 1)
        self.project = nn.Embedding(N_CLASSES, width * 2 * 7 * 7)
        nn.init.normal_(self.project.weight, std=0.01)
        self.classify = nn.Linear(width * 2 * 7 * 7, N_CLASSES) if classify else None
        self.act = nn.LeakyReLU(0.2)

    def judge(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(real-and-of-that-digit logits (N,), digit logits (N, 10) or None without the auxiliary head)."""
        planes = nn.functional.one_hot(labels, N_CLASSES).to(x.dtype)[:, :, None, None].expand(-1, -1, 28, 28)
        h = self.act(self.conv1(torch.cat([x, planes], 1)))
        h = self.act(self.bn2(self.conv2(h))).flatten(1)
        real = self.out(h).squeeze(1) + (self.project(labels).to(h.dtype) * h).sum(1)
        return real, (self.classify(h) if self.classify is not None else None)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.judge(x, labels)[0]


def noise(n: int, seed: int, z_dim: int = Z_DIM) -> torch.Tensor:
    """``n`` latent vectors drawn from N(0, I), reproducibly from ``seed``."""
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(int(seed)))


def load_generator(path: str | Path | None = None) -> Generator:
    """The shipped generator (``assets/mnist_cgan.pt``) in eval mode, on the CPU."""
    path = Path(path) if path else SHIPPED
    if not path.exists():
        raise DemoError("gan.error.no_cgan", "The trained MNIST GAN {path} is missing.", path=str(path))
    return load_weights(Generator(), path).eval()   # CheckpointError naming a broken file


@lru_cache(maxsize=1)
def _shipped() -> Generator:
    return load_generator()


def check_labels(labels: Sequence[int]) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels, dtype=np.int64).reshape(-1))
    if len(labels) == 0 or labels.min() < 0 or labels.max() >= N_CLASSES:
        raise DemoError("gan.error.bad_digits", "Digits must be 0 to 9, got {labels}.", labels=str(labels.tolist()))
    return labels


def render(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """Images as uint8 (N, 28, 28), white ink on black like MNIST (in the process's inference service)."""
    return shared_service().run_each(("mnist gan", generator), partial(_render, generator), (z, labels))


@torch.inference_mode()   # per thread: here, in the service's worker
def _render(generator: nn.Module, request: tuple[torch.Tensor, torch.Tensor]) -> np.ndarray:
    z, labels = request
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    out = generator(z.to(device), labels.to(device)).float().cpu()
    generator.train(was_training)
    return ((out[:, 0] + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()


def generate_digits(labels: Sequence[int], seed: int = 0, generator: nn.Module | None = None) -> np.ndarray:
    """Digits drawn by the shipped conditional GAN: uint8 array (N, 28, 28), 0 = black background.

    ``labels`` are the digits (0–9) to draw, one image each; the same labels
    and ``seed`` always give the same images.
    """
    labels = check_labels(labels)
    return render(generator or _shipped(), noise(len(labels), seed), labels)


def interpolate(labels: Sequence[int], seed_a: int, seed_b: int, steps: int = 16,
                generator: nn.Module | None = None) -> np.ndarray:
    """A walk in latent space from seed_a's noise to seed_b's, same digits: (steps, N, 28, 28) uint8.

    Spherical interpolation (Gaussian vectors keep their typical norm on the way).
    """
    labels = check_labels(labels)
    za, zb = noise(len(labels), seed_a), noise(len(labels), seed_b)
    frames = [render(generator or _shipped(), slerp(za, zb, float(t)), labels)
              for t in np.linspace(0.0, 1.0, steps)]
    return np.stack(frames)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation row by row; linear where the vectors are (anti)parallel."""
    an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    omega = torch.acos((an * bn).sum(1).clamp(-1 + 1e-7, 1 - 1e-7)).unsqueeze(1)
    so = torch.sin(omega)
    out = (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b
    return torch.where(so.abs() < 1e-6, (1 - t) * a + t * b, out)


@torch.inference_mode()
def recognisability(generator: nn.Module, n: int = 1000, seed: int = 0, classifier: nn.Module | None = None) -> float:
    """Fraction of ``n`` generated digits (100 of each) that the project's MNIST classifier reads as the digit asked for."""
    from demos.mnist import load_model

    classifier = classifier or load_model()
    labels = torch.arange(n) % N_CLASSES
    images = torch.from_numpy(render(generator, noise(n, seed), labels)).float().div(255).unsqueeze(1)
    predicted = classifier(images).argmax(1)
    return float((predicted == labels).float().mean())


def digit_grid(images: np.ndarray, cols: int) -> np.ndarray:
    """Digits (N, 28, 28) uint8, ``cols`` per row, enlarged 3× by pixel repetition (crisp on a projector)."""
    return upscale(tile(images / 255.0, cols=cols, pad=2, normalize=False), 3)


def progress_snapshots() -> dict[int, Path]:
    """Epoch → the sample grid the training script saved after it (``assets/gan_progress/epoch_NN.png``)."""
    return {int(re.findall(r"\d+", path.stem)[0]): path for path in sorted(PROGRESS_DIR.glob("epoch_*.png"))}
