"""Autoencoder against PCA on MNIST (seed 001): compress a digit to d numbers, then rebuild it.

A convolutional autoencoder x ↦ g(f(x)) with f: 28×28 → ℝᵈ and g: ℝᵈ → 28×28, trained to rebuild its
input (mean squared error), against PCA: the best *linear* d-dimensional code, the projection on the d
first principal components of the training digits. Both are shipped in ``assets/representations.pt``,
made by

    python -m demos.representations.autoencoder --data ../shared/data/mnist

(the five autoencoders, d = 2, 4, 8, 16, 32, and PCA; about 12 minutes on 2 CPU cores).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.errors import DemoError
from demos.random_init import reset_parameters

ASSET = Path(__file__).resolve().parents[2] / "assets" / "representations.pt"
DIMENSIONS = (2, 4, 8, 16, 32)
Method = Literal["cnn", "pca"]


HIDDEN = 256   # a fully connected layer on each side of the code


class ConvAutoencoder(nn.Module):
    """28×28 → two stride-2 convolutions → 256 → d numbers → 256 → two transposed convolutions → 28×28 in [0, 1].

    The hidden layers around the code let a small d bend with the digits' shapes instead of being a linear
    read-out of the convolution features: at d = 8 the lecture's network reads 95.8 % of the rebuilt test
    digits, against 90.7 % without them (and 93.0 % for 20 epochs without them; README).
    """

    def __init__(self, d: int) -> None:
        super().__init__()
        self.d = d
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),          # 14×14
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),         # 7×7
            nn.Flatten(), nn.Linear(32 * 7 * 7, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, d))
        self.decoder = nn.Sequential(
            nn.Linear(d, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1))                # 28×28 (logits)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) in [0, 1] → (N, d)."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(N, d) → (N, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class PCA(nn.Module):
    """Projection on the first d principal components of the training digits (flattened, centred)."""

    def __init__(self, mean: torch.Tensor, components: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean)               # (784,)
        self.register_buffer("components", components)   # (max d, 784), orthonormal rows

    @classmethod
    def fit(cls, images: torch.Tensor, d: int = max(DIMENSIONS)) -> "PCA":
        """Exact PCA by SVD of the centred (N, 784) training matrix."""
        x = images.reshape(len(images), -1).double()
        mean = x.mean(0)
        _, _, vh = torch.linalg.svd(x - mean, full_matrices=False)
        return cls(mean.float(), vh[:d].float())

    def encode(self, x: torch.Tensor, d: int) -> torch.Tensor:
        return (x.reshape(len(x), -1) - self.mean) @ self.components[:d].T

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        d = z.shape[1]
        return (z @ self.components[:d] + self.mean).clamp(0, 1).reshape(len(z), 1, 28, 28)


def pack(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state_dict made small for the repository: half precision, and the two 1568 × 256 matrices of each
    autoencoder (most of its weights) as int8 with one scale per row (``<name>.scale``).

    Five autoencoders in half precision were 8.4 MB; int8 rows change no reading of the benchmark's figures.
    """
    packed = {}
    for name, tensor in state.items():
        if tensor.ndim == 2 and tensor.numel() >= 100_000:
            scale = tensor.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127
            packed[name] = (tensor / scale).round().to(torch.int8)
            packed[name + ".scale"] = scale.half()
        else:
            packed[name] = tensor.half()
    return packed


def unpack(packed: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The float32 state_dict of :func:`pack`'s output."""
    return {name: (tensor.float() * packed[name + ".scale"].float() if tensor.dtype == torch.int8 else tensor.float())
            for name, tensor in packed.items() if not name.endswith(".scale")}


@lru_cache(maxsize=1)
def load(path: str = str(ASSET)) -> tuple[dict[int, ConvAutoencoder], PCA]:
    """The shipped autoencoders (by d) and PCA, in eval mode, loaded once per process."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    models = {}
    for d in DIMENSIONS:
        model = ConvAutoencoder(d)
        model.load_state_dict(unpack(state[f"cnn_{d}"]))
        models[d] = model.eval()
    return models, PCA(state["pca_mean"].float(), state["pca_components"].float())


def _check(digits: np.ndarray, d: int, method: str) -> np.ndarray:
    if d not in DIMENSIONS:
        raise DemoError("representations.error.d", "d must be one of {choices}, not {d}.",
                        choices=", ".join(map(str, DIMENSIONS)), d=d)
    if method not in ("cnn", "pca"):
        raise DemoError("representations.error.method", "Unknown method {method}: choose cnn or pca.", method=method)
    return check_digits(digits)


def check_digits(digits: np.ndarray) -> np.ndarray:
    """One 28×28 digit or a batch (N, 28, 28) → the batch; a message for anything else."""
    digits = np.asarray(digits)
    if digits.ndim == 2:
        digits = digits[None]
    if digits.ndim != 3 or digits.shape[1:] != (28, 28) or len(digits) == 0:
        raise DemoError("representations.error.shape", "Digits must be 28×28 pictures, not {shape}.",
                        shape="×".join(map(str, digits.shape)))
    return digits


def encode(digits: np.ndarray, d: int, method: Method = "cnn") -> torch.Tensor:
    """uint8 digits (N, 28, 28) → their codes (N, d)."""
    digits = _check(digits, d, method)
    models, pca = load()
    x = torch.from_numpy(digits.astype(np.float32) / 255)[:, None]
    with torch.inference_mode():
        return models[d].encode(x) if method == "cnn" else pca.encode(x, d)


def decode(codes: torch.Tensor, method: Method = "cnn") -> np.ndarray:
    """Codes (N, d) → uint8 digits (N, 28, 28)."""
    models, pca = load()
    with torch.inference_mode():
        x = models[codes.shape[1]].decode(codes) if method == "cnn" else pca.decode(codes)
    return (x[:, 0] * 255).round().byte().numpy()


def reconstruct(digits: np.ndarray, d: int, method: Method = "cnn") -> np.ndarray:
    """uint8 digits (N, 28, 28), compressed to ``d`` numbers by ``method`` ("cnn" or "pca") and rebuilt: uint8."""
    return decode(encode(digits, d, method), method)


def interpolate(a: np.ndarray, b: np.ndarray, d: int, method: Method = "cnn", frames: int = 13) -> np.ndarray:
    """ξ = g((1 − α) f(a) + α f(b)) for ``frames`` values of α from 0 to 1: uint8 (frames, 28, 28)."""
    codes = encode(np.stack([a, b]), d, method)
    alphas = torch.linspace(0, 1, frames)[:, None]
    return decode((1 - alphas) * codes[0] + alphas * codes[1], method)


# ---------------------------------------------------------------------------------------------- training

def train_one(d: int, images: torch.Tensor, epochs: int = 8, batch_size: int = 128, lr: float = 3e-3,
              seed: int = 0) -> ConvAutoencoder:
    """Train the d-dimensional autoencoder on (N, 1, 28, 28) floats in [0, 1] (Adam, one-cycle, MSE)."""
    # The initial weights from ``seed`` through a generator of its own: the process's stream is never touched.
    model = reset_parameters(ConvAutoencoder(d), torch.Generator().manual_seed(seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(images) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images) - batch_size + 1, batch_size):
            x = images[order[start:start + batch_size]]
            loss = F.mse_loss(torch.sigmoid(model.decoder(model.encoder(x))), x)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    from demos.mnist.data import load_mnist

    parser = argparse.ArgumentParser(description="Train the autoencoders and PCA of the representations page.")
    parser.add_argument("--data", required=True, help="a folder with MNIST's idx files")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", default=str(ASSET))
    args = parser.parse_args(argv)
    images, _ = load_mnist("train", args.data)
    test, _ = load_mnist("test", args.data)
    x = torch.from_numpy(images.astype(np.float32) / 255)[:, None]
    x_test = torch.from_numpy(test.astype(np.float32) / 255)[:, None]
    state: dict[str, object] = {}
    report: dict[str, object] = {"epochs": args.epochs, "torch": torch.__version__}
    pca = PCA.fit(x[:, 0])
    state["pca_mean"], state["pca_components"] = pca.mean, pca.components
    start = time.perf_counter()
    for d in DIMENSIONS:
        model = train_one(d, x, epochs=args.epochs)
        state[f"cnn_{d}"] = pack(model.state_dict())
        with torch.inference_mode():
            cnn = F.mse_loss(model(x_test), x_test).item()
            linear = F.mse_loss(pca.decode(pca.encode(x_test, d)), x_test).item()
        report[f"d{d}"] = {"cnn_test_mse": round(cnn, 5), "pca_test_mse": round(linear, 5),
                           "seconds": round(time.perf_counter() - start, 1)}
        print(d, report[f"d{d}"], flush=True)
    report["train_seconds"] = round(time.perf_counter() - start, 1)
    torch.save(state, args.out)
    Path(args.out).with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()


# ---------------------------------------------------------------------------------------------- the page's view

@dataclass
class Comparison:
    """Digits, their reconstructions at one d by both methods, and what the lecture's network reads in each."""

    d: int
    originals: np.ndarray            # uint8 (N, 28, 28)
    cnn: np.ndarray
    pca: np.ndarray
    read: dict[str, np.ndarray]      # "original" / "cnn" / "pca" → (N,) digits read

    def misread(self, method: str) -> np.ndarray:
        """Where the reconstruction is read differently from the original (N,) bool."""
        return self.read[method] != self.read["original"]


def compare(digits: np.ndarray, d: int, network: nn.Module) -> Comparison:
    """Reconstruct ``digits`` by the autoencoder and by PCA at ``d``; the lecture's ``network`` reads all three."""
    digits = _check(digits, d, "cnn")
    cnn, pca = reconstruct(digits, d, "cnn"), reconstruct(digits, d, "pca")
    with torch.inference_mode():
        read = {name: network(torch.from_numpy(x.astype(np.float32) / 255)[:, None]).argmax(1).numpy()
                for name, x in (("original", digits), ("cnn", cnn), ("pca", pca))}
    return Comparison(d, digits, cnn, pca, read)


def marked(digits: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    """(N, 28, 28, 3) floats in [0, 1]: white digits, the ``wrong`` ones drawn in red (the page's "misread" mark)."""
    x = digits.astype(np.float32)[..., None] / 255
    colour = np.where(wrong[:, None, None, None], np.array([1.0, 0.25, 0.25]), np.ones(3))
    return x * colour
