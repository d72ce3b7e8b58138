"""Fit a function of one variable with one hidden layer: x ↦ Σₖ ωₖ σ(wₖ x + bₖ) + c (seeds 001 and 004).

The universal approximation theorem in action: more units, a closer fit; and the choice of loss (seed 003):
with outliers among the points, the L1 loss |ŷ − y| follows the clean function where the squared error,
pulled by the outliers, does not.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from demos.errors import DemoError
from demos.inference import shared_service
from demos.playground.trainer import ACTIVATIONS, _check_setting, build_mlp

TARGETS = ("sin", "step", "abs")         # sin(2πx), a step at x = 1/2, |2x − 1|; x in [0, 1]
LOSSES = ("mse", "l1")
MAX_UNITS, MAX_POINTS, MAX_STEPS = 256, 2000, 20_000
OUTLIER_SIZE = 2.0                       # an outlier is moved by ±2, far off the curve's [-1, 1]


def target_function(name: str, x: np.ndarray) -> np.ndarray:
    """The clean function on ``x`` in [0, 1]."""
    if name == "sin":
        return np.sin(2 * np.pi * x)
    if name == "step":
        return (x > 0.5).astype(np.float64) * 2 - 1
    if name == "abs":
        return np.abs(2 * x - 1)
    raise DemoError("playground.error.target", "Unknown function {name}: choose one of {choices}.",
                    name=name, choices=", ".join(TARGETS))


@dataclass
class FunctionFit:
    """Fit ``n`` points of ``target`` (Gaussian ``noise``; a share ``outliers`` of them moved by ±2) with one
    hidden layer of ``units`` units: full-batch Adam on the ``loss`` ("mse" or "l1"), :meth:`step` at a time
    (the page trains it live)."""

    target: str = "sin"
    units: int = 8
    activation: str = "tanh"
    loss: str = "mse"
    n: int = 100
    noise: float = 0.0
    outliers: float = 0.0
    lr: float = 0.02
    seed: int = 0

    def __post_init__(self) -> None:
        target_function(self.target, np.zeros(1))
        if self.activation not in ACTIVATIONS or self.activation == "maxout":
            raise DemoError("playground.error.activation", "Unknown activation {name}: choose one of {choices}.",
                            name=self.activation, choices=", ".join(a for a in ACTIVATIONS if a != "maxout"))
        if self.loss not in LOSSES:
            raise DemoError("playground.error.loss", "Unknown loss {name}: choose mse or l1.", name=self.loss)
        for name, value, high, low in (("units", self.units, MAX_UNITS, 1), ("n", self.n, MAX_POINTS, 2),
                                       ("noise", self.noise, 1, 0), ("outliers", self.outliers, 0.5, 0),
                                       ("lr", self.lr, 1, 0)):
            _check_setting(name, value, high, low)
        rng = np.random.default_rng(self.seed)
        self.x = np.sort(rng.uniform(0, 1, int(self.n)))
        self.y = target_function(self.target, self.x) + self.noise * rng.standard_normal(len(self.x))
        moved = rng.random(len(self.x)) < self.outliers
        self.y[moved] += OUTLIER_SIZE * rng.choice([-1, 1], moved.sum())
        self.model = build_mlp(1, (int(self.units),), self.activation, torch.Generator().manual_seed(self.seed))
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        # η / (1 + t/1000): large steps to find the shape, small ones to settle on it (the fit keeps improving).
        self.schedule = torch.optim.lr_scheduler.LambdaLR(self.optimiser, lambda t: 1 / (1 + t / 1000))
        self.criterion = nn.MSELoss() if self.loss == "mse" else nn.L1Loss()
        self._inputs = torch.as_tensor(self.x, dtype=torch.float32)[:, None]
        self._values = torch.as_tensor(self.y, dtype=torch.float32)
        self.steps = 0
        self.history: list[tuple[int, float]] = []      # (step, training loss)

    def step(self, steps: int = 100) -> float:
        """Train ``steps`` more full-batch steps; returns the training loss."""
        _check_setting("steps", steps, MAX_STEPS, 1)

        def run() -> None:
            for _ in range(int(steps)):
                value = self.criterion(self.model(self._inputs)[:, 0], self._values)
                self.optimiser.zero_grad()
                value.backward()
                self.optimiser.step()
                self.schedule.step()
                self.steps += 1
                if self.steps % 10 == 0:
                    self.history.append((self.steps, value.item()))
        # In the inference service's small lane, as the playground's training: no visitor changes torch's settings.
        shared_service().run_small(run, lane="playground")
        return self.history[-1][1] if self.history else float("nan")

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.model(torch.as_tensor(x, dtype=torch.float32)[:, None])[:, 0].numpy()

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """(K, len(x)): unit k's term ωₖ σ(wₖ x + bₖ); their sum plus the output bias is the curve."""
        first, activation, last = self.model[0], self.model[1], self.model[-1]
        with torch.inference_mode():
            hidden = activation(first(torch.as_tensor(x, dtype=torch.float32)[:, None]))   # (N, K)
            return (hidden * last.weight[0]).T.numpy()

    def test_mse(self, points: int = 1000) -> float:
        """Mean squared distance to the clean function on a fine grid of [0, 1]."""
        x = np.linspace(0, 1, points)
        return float(((self.predict(x) - target_function(self.target, x)) ** 2).mean())


def fit_function(target: str = "sin", units: int = 8, steps: int = 2000, **options) -> FunctionFit:
    """A :class:`FunctionFit` trained ``steps`` steps (``options``: activation, loss, n, noise, outliers, lr, seed)."""
    fit = FunctionFit(target, units, **options)
    fit.step(steps)
    return fit
