"""The playground's data sets, networks and training loop (the page trains in live ticks)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from demos.errors import DemoError
from demos.inference import shared_service
from demos.random_init import reset_parameters

DATASETS = ("xor", "circles", "spirals", "gaussians")
FEATURES = ("x", "y", "xy", "x2", "y2")          # x, y, x·y, x², y²
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}
OPTIMIZERS = ("sgd", "momentum", "adam")
BOUND = 1.5      # points live in [-BOUND, BOUND]²: the heatmap's box
MAX_LR, MAX_L2, MAX_BATCH = 100.0, 10.0, 100_000   # beyond: refused (the page offers far less)
MAX_NOISE = 10.0


@dataclass
class Dataset:
    """A labelled 2-D point cloud, split once into train and test (labels 0/1)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _points(name: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free points and labels of one dataset."""
    if name == "xor":
        x = rng.uniform(-1, 1, (n, 2))
        x += np.sign(x) * 0.05                    # a thin margin along the axes, as in the Playground
        return x, (x[:, 0] * x[:, 1] > 0).astype(np.float32)
    if name == "circles":
        label = rng.integers(0, 2, n)
        radius = np.where(label == 1, rng.uniform(0, 0.5, n), rng.uniform(0.75, 1.1, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        return np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1), label.astype(np.float32)
    if name == "spirals":
        label = rng.integers(0, 2, n)
        r = rng.uniform(0.05, 1.0, n)
        angle = 1.75 * 2 * np.pi * r + np.pi * label
        return np.stack([r * np.cos(angle), r * np.sin(angle)], 1) * 1.2, label.astype(np.float32)
    if name == "gaussians":
        label = rng.integers(0, 2, n)
        centre = np.where(label[:, None] == 1, 0.55, -0.55)
        return centre + 0.3 * rng.standard_normal((n, 2)), label.astype(np.float32)
    raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")


def make_dataset(name: str, n: int = 300, noise: float = 0.0, test_fraction: float = 0.3,
                 seed: int = 0) -> Dataset:
    """``n`` points of ``name``, jittered by Gaussian ``noise`` (in units of the box), then split."""
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and 0 <= noise <= MAX_NOISE):
        # a NaN or huge noise from a crafted link would fill the plot with NaN points
        raise DemoError("playground.error.setting", "{name} must be between 0 and {high}, not {value}.",
                        name="noise", high=MAX_NOISE, value=noise)
    rng = np.random.default_rng(seed)
    x, y = _points(name, n, rng)
    x = np.clip(x + noise * 0.5 * rng.standard_normal(x.shape), -BOUND, BOUND).astype(np.float32)
    n_test = int(round(min(max(test_fraction, 0.0), 0.9) * n))
    order = rng.permutation(n)
    test, train_ = order[:n_test], order[n_test:]
    return Dataset(name, x[train_], y[train_], x[test], y[test])


def expand(points: np.ndarray | torch.Tensor, features: tuple[str, ...] | list[str]) -> torch.Tensor:
    """The network's input columns: any of x, y, x·y, x², y² (seed 001's trick to make XOR separable)."""
    p = torch.as_tensor(np.asarray(points, dtype=np.float32))
    x, y = p[:, 0], p[:, 1]
    columns = {"x": x, "y": y, "xy": x * y, "x2": x * x, "y2": y * y}
    chosen = [columns[f] for f in FEATURES if f in features] or [x, y]   # never an empty input
    return torch.stack(chosen, 1)


def build_mlp(n_inputs: int, hidden: tuple[int, ...] | list[int], activation: str = "tanh",
              generator: torch.Generator | None = None) -> nn.Sequential:
    """``Linear → act → … → Linear(·, 1)``; no hidden layer gives a linear classifier (logistic regression).

    ``generator`` draws the initial weights (PyTorch's default ``nn.Linear`` init), so
    a seed gives the same network without touching the process's global seed.
    """
    layers: list[nn.Module] = []
    width = n_inputs
    for h in hidden:
        layers += [nn.Linear(width, int(h)), ACTIVATIONS[activation]()]
        width = int(h)
    layers.append(nn.Linear(width, 1))
    model = nn.Sequential(*layers)
    return model if generator is None else reset_parameters(model, generator)


@dataclass
class Trainer:
    """Training state kept between page reruns: call :meth:`step` for a few epochs at a time."""

    dataset: Dataset
    hidden: tuple[int, ...] = (4,)
    activation: str = "tanh"
    lr: float = 0.03
    batch_size: int = 16
    l2: float = 0.0
    features: tuple[str, ...] = ("x", "y")
    optimizer: str = "adam"
    seed: int = 0
    history: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name, value, high in (("lr", self.lr, MAX_LR), ("l2", self.l2, MAX_L2),
                                  ("batch_size", self.batch_size, MAX_BATCH)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= high) \
                    or (name == "batch_size" and value < 1):
                raise DemoError("playground.error.setting", "{name} must be between 0 and {high}, not {value}.",
                                name=name, high=high, value=value)
        self.generator = torch.Generator().manual_seed(self.seed)
        self.x_train = expand(self.dataset.x_train, self.features)
        self.x_test = expand(self.dataset.x_test, self.features)
        self.y_train = torch.as_tensor(self.dataset.y_train)
        self.y_test = torch.as_tensor(self.dataset.y_test)
        self.model = build_mlp(self.x_train.shape[1], self.hidden, self.activation, self.generator)
        params = self.model.parameters()
        # L2 regularisation as weight decay: the gradient of (λ/2)‖w‖² is λw.
        if self.optimizer == "adam":
            self.opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.l2)
        else:
            self.opt = torch.optim.SGD(params, lr=self.lr, momentum=0.9 if self.optimizer == "momentum" else 0.0,
                                       weight_decay=self.l2)
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.history.append(self._measure(0))

    @property
    def epoch(self) -> int:
        return self.history[-1]["epoch"]

    def _measure(self, epoch: int) -> dict:
        with torch.no_grad():
            record = {"epoch": epoch}
            for part, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
                if len(y) == 0:
                    record[f"{part}_loss"], record[f"{part}_accuracy"] = math.nan, math.nan
                    continue
                logits = self.model(x)[:, 0]
                record[f"{part}_loss"] = float(self.loss_fn(logits, y))
                record[f"{part}_accuracy"] = float(((logits > 0).float() == y).float().mean())
        return record

    def step(self, epochs: int = 1) -> dict:
        """Train ``epochs`` passes of shuffled mini-batches; returns the last history record."""
        self.model.train()
        n = len(self.y_train)
        # In the inference service's lane for small work: no visitor changes torch's settings for the others.
        shared_service().run_small(lambda: self._epochs(n, epochs), lane="playground")
        return self.history[-1]

    def _epochs(self, n: int, epochs: int) -> None:
        for _ in range(epochs):
            order = torch.randperm(n, generator=self.generator)
            for start in range(0, n, self.batch_size):
                batch = order[start:start + self.batch_size]
                loss = self.loss_fn(self.model(self.x_train[batch])[:, 0], self.y_train[batch])
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            self.history.append(self._measure(self.epoch + 1))


def train(dataset: Dataset | str, hidden: int | tuple[int, ...] = (4,), activation: str = "tanh", lr: float = 0.03,
          epochs: int = 100, seed: int = 0, **options) -> tuple[nn.Module, list[dict]]:
    """Train an MLP on ``dataset`` (a Dataset or a name) and return ``(model, history)``.

    ``hidden``: the width of each hidden layer (``8`` is one layer of 8; ``()`` a linear model).

    ``options``: ``features``, ``batch_size``, ``l2``, ``optimizer``; with a
    dataset name, ``noise``, ``n`` and ``test_fraction`` too.
    """
    if isinstance(dataset, str):
        data_options = {k: options.pop(k) for k in ("noise", "n", "test_fraction") if k in options}
        dataset = make_dataset(dataset, seed=seed, **data_options)
    hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
    trainer = Trainer(dataset, hidden, activation, lr, seed=seed, **options)
    trainer.step(epochs)
    return trainer.model, trainer.history


def accuracy(model: nn.Module, points: np.ndarray, labels: np.ndarray, features=("x", "y")) -> float:
    """Fraction of points on the right side of the decision boundary."""
    with torch.no_grad():
        logits = model(expand(points, features))[:, 0].numpy()
    return float(((logits > 0) == (labels > 0.5)).mean())


def decision_grid(model: nn.Module, features=("x", "y"), resolution: int = 80,
                  bound: float = BOUND) -> tuple[np.ndarray, np.ndarray]:
    """``(axis, P[y, x])``: the model's probability of class 1 on a square grid, for the heatmap."""
    axis = np.linspace(-bound, bound, resolution, dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis)
    grid = expand(np.stack([xx.ravel(), yy.ravel()], 1), features)

    def evaluate() -> torch.Tensor:
        with torch.no_grad():   # grad mode is per thread: set it in the lane's
            return model(grid)[:, 0]

    logits = shared_service().run_small(evaluate, lane="playground")
    return axis, torch.sigmoid(logits).numpy().reshape(resolution, resolution)
