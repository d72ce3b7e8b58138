"""Loss surfaces, optimisers and their runs (the page draws them; every run goes through the inference service)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from demos.inference import shared_service

Tensor = torch.Tensor

# A run stops (and says it diverged) when an iterate leaves |w| < MAX_COORDINATE or
# the loss grows EXPLOSION times above its start: no NaN or 1e300 ever reaches a plot.
MAX_COORDINATE = 1e4
EXPLOSION = 1e4


# ---------------------------------------------------------------- surfaces
@dataclass(frozen=True)
class Surface:
    """A loss ``L(w)`` on R^dim, computed with torch so autograd gives ∇L.

    ``fn`` takes a ``(..., dim)`` tensor and returns the ``(...)`` losses.
    ``bounds`` is the plotted box, one ``(low, high)`` per coordinate.
    ``smoothness`` is L, the largest curvature, when it is known and constant
    (quadratics): plain GD is stable exactly for ``η < 2/L``.
    """

    name: str
    dim: int
    fn: Callable[[Tensor], Tensor]
    bounds: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    lr: float                                  # a sensible default η
    min_value: float = 0.0                     # L*, so the page can plot L − L* on a log scale
    minima: tuple[tuple[float, ...], ...] = ()
    smoothness: float | None = None

    def loss(self, w: np.ndarray | Tensor) -> Tensor:
        return self.fn(torch.as_tensor(w, dtype=torch.float64))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """∇L at each row of ``w`` (shape ``(..., dim)``), by autograd."""
        x = torch.as_tensor(np.asarray(w, dtype=np.float64)).requires_grad_(True)
        (g,) = torch.autograd.grad(self.fn(x).sum(), x)
        return g.numpy()


def _wavy(w: Tensor) -> Tensor:
    """A 1-D loss with three local minima (global one near w = −2.4)."""
    x = w[..., 0]
    return 0.1 * x ** 4 - 0.9 * x ** 2 + 0.5 * x + 0.3 * torch.sin(3 * x)


def quadratic(condition: float = 10.0) -> Surface:
    """``L = (x² + κ y²)/2``: curvatures 1 and κ, so L = max(1, κ) and GD needs η < 2/L."""
    kappa = float(condition)

    def fn(w: Tensor) -> Tensor:
        return 0.5 * (w[..., 0] ** 2 + kappa * w[..., 1] ** 2)

    big = max(1.0, kappa)
    return Surface("quadratic", 2, fn, ((-3.0, 3.0), (-3.0, 3.0)), (-2.5, 2.0), lr=round(1.0 / big, 4),
                   minima=((0.0, 0.0),), smoothness=big)


def _quadratic_1d(w: Tensor) -> Tensor:
    return 0.5 * 4.0 * w[..., 0] ** 2


def _rosenbrock(w: Tensor) -> Tensor:
    x, y = w[..., 0], w[..., 1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _himmelblau(w: Tensor) -> Tensor:
    x, y = w[..., 0], w[..., 1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _saddle(w: Tensor) -> Tensor:
    """A saddle at the origin between two minima at (0, ±1): GD started on y = 0 is stuck there."""
    x, y = w[..., 0], w[..., 1]
    return 0.5 * x * x - 0.5 * y * y + 0.25 * y ** 4


HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))

SURFACES_1D = ("wavy", "parabola")
SURFACES_2D = ("quadratic", "rosenbrock", "himmelblau", "saddle")
SURFACES = SURFACES_1D + SURFACES_2D


def make_surface(name: str, condition: float = 10.0) -> Surface:
    """The surface called ``name``; ``condition`` is κ for the quadratic."""
    if name == "wavy":
        return Surface("wavy", 1, _wavy, ((-3.2, 3.2),), (2.5,), lr=0.125, min_value=-2.4,
                       minima=((-2.38,), (1.76,)))
    if name == "parabola":
        return Surface("parabola", 1, _quadratic_1d, ((-3.0, 3.0),), (2.5,), lr=0.1, minima=((0.0,),),
                       smoothness=4.0)
    if name == "quadratic":
        return quadratic(condition)
    if name == "rosenbrock":
        return Surface("rosenbrock", 2, _rosenbrock, ((-2.0, 2.0), (-1.0, 3.0)), (-1.2, 1.0), lr=0.001,
                       minima=((1.0, 1.0),))
    if name == "himmelblau":
        return Surface("himmelblau", 2, _himmelblau, ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0), lr=0.01,
                       minima=HIMMELBLAU_MINIMA)
    if name == "saddle":
        return Surface("saddle", 2, _saddle, ((-2.0, 2.0), (-2.0, 2.0)), (-1.8, 0.0), lr=0.1, min_value=-0.25,
                       minima=((0.0, 1.0), (0.0, -1.0)))
    raise ValueError(f"unknown surface {name!r}; choose one of {SURFACES}")


# -------------------------------------------------------------- optimisers
class Optimizer:
    """One update rule: ``step`` gets w and ∇L(w) and returns the next w.

    State (velocity, moments) lives on the instance: one instance per run.
    """

    def __init__(self, lr: float, **options: float) -> None:
        self.lr = lr

    def step(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class GD(Optimizer):
    """Plain gradient descent: ``w ← w − η ∇L(w)``."""

    def step(self, w, grad):
        return w - self.lr * grad


class Momentum(Optimizer):
    """Heavy ball (Polyak, 1964): ``v ← β v + ∇L(w)``, ``w ← w − η v``: the past keeps pushing."""

    def __init__(self, lr: float, beta: float = 0.9, **options: float) -> None:
        super().__init__(lr)
        self.beta, self.v = beta, 0.0

    def step(self, w, grad):
        self.v = self.beta * self.v + grad
        return w - self.lr * self.v


class Nesterov(Momentum):
    """Nesterov (1983): momentum that looks ahead, ``v ← β v + ∇L(w)``, ``w ← w − η (∇L(w) + β v)``.

    This is the look-ahead rule ``v ← β v + ∇L(w − ηβv)`` written, as PyTorch
    does, for the look-ahead point itself: one gradient per step, same iterates.
    """

    def step(self, w, grad):
        self.v = self.beta * self.v + grad
        return w - self.lr * (grad + self.beta * self.v)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on ∇L, divided by a running RMS of ∇L, per coordinate."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 **options: float) -> None:
        super().__init__(lr)
        self.b1, self.b2, self.eps = beta1, beta2, eps
        self.m = self.s = 0.0
        self.t = 0

    def step(self, w, grad):
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.s = self.b2 * self.s + (1 - self.b2) * grad * grad
        m_hat = self.m / (1 - self.b1 ** self.t)     # bias correction: the averages start at 0
        s_hat = self.s / (1 - self.b2 ** self.t)
        return w - self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


class SGD(Optimizer):
    """Stochastic GD: the true gradient plus noise, as a mini-batch estimate of it would be.

    A mini-batch gradient is unbiased with a variance that shrinks with the
    batch size; ``noise`` is its standard deviation per coordinate.
    """

    def __init__(self, lr: float, noise: float = 1.0, seed: int = 0, **options: float) -> None:
        super().__init__(lr)
        self.noise, self.rng = noise, np.random.default_rng(seed)

    def step(self, w, grad):
        return w - self.lr * (grad + self.noise * self.rng.standard_normal(np.shape(grad)))


OPTIMIZERS: dict[str, type[Optimizer]] = {"gd": GD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam,
                                          "sgd": SGD}


# --------------------------------------------------------------------- runs
@dataclass
class Run:
    """The iterates of one optimiser. Shorter than ``steps + 1`` rows when it diverged."""

    optimizer: str
    trajectory: np.ndarray              # (n + 1, dim), n ≤ steps, all finite
    losses: np.ndarray                  # (n + 1,)
    grads: np.ndarray                   # (n + 1, dim): ∇L at each iterate (autograd)
    diverged: bool = False
    reason: str | None = None           # an i18n key ("gd.diverged.quadratic" / ".generic")
    reason_params: dict = field(default_factory=dict)

    def __iter__(self):                 # ``trajectory, losses = run(...)`` also works
        return iter((self.trajectory, self.losses))


def _divergence_reason(surface: Surface, optimizer: str, lr: float, step: int) -> tuple[str, dict]:
    if surface.smoothness is not None and optimizer == "gd" and lr > 2 / surface.smoothness:
        return "gd.diverged.quadratic", {"step": step, "lr": f"{lr:g}", "limit": f"{2 / surface.smoothness:.3g}",
                                         "L": f"{surface.smoothness:g}"}
    return "gd.diverged.generic", {"step": step, "lr": f"{lr:g}"}


def run_many(surface: Surface | str, optimizers: list[str] | tuple[str, ...], lr: float | dict[str, float],
             start, steps: int, **options: float) -> dict[str, Run]:
    """Run several optimisers from the same start, side by side.

    ``lr`` is one η for all, or a dict per optimiser. ``options`` go to every
    optimiser (``beta``, ``noise``, ``seed``, ``beta1``...; ``condition`` picks
    the quadratic's κ when ``surface`` is a name). One autograd call per step
    serves every optimiser, each row being one of them.
    """
    options = dict(options)
    if isinstance(surface, str):
        surface = make_surface(surface, options.pop("condition", 10.0))
    options.pop("condition", None)
    names = list(optimizers)
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"unknown optimiser(s) {unknown}; choose among {list(OPTIMIZERS)}")
    rates = {n: float(lr[n] if isinstance(lr, dict) else lr) for n in names}
    rules = [OPTIMIZERS[n](rates[n], **options) for n in names]
    w = np.tile(np.asarray(start, dtype=np.float64).reshape(1, surface.dim), (len(names), 1))
    return shared_service().run_small(lambda: _run_rows(surface, names, rates, rules, w, steps),
                                      lane="gradient descent")


def _run_rows(surface: Surface, names: list[str], rates: dict[str, float], rules: list[Optimizer],
              w: np.ndarray, steps: int) -> dict[str, Run]:
    """The loop of :func:`run_many`: one row of ``w`` per optimiser."""
    alive = np.ones(len(names), bool)
    length = np.full(len(names), steps + 1)          # how many iterates each run keeps
    reasons: dict[int, tuple[str, dict]] = {}
    points, losses, grads = [], [], []
    for t in range(steps + 1):
        x = torch.as_tensor(w).requires_grad_(True)
        values = surface.fn(x)
        (g,) = torch.autograd.grad(values.sum(), x)
        values, g = values.detach().numpy().copy(), g.numpy().copy()
        if t == 0:
            limit = EXPLOSION * (np.abs(values) + 1.0)
        with np.errstate(all="ignore"):
            bad = alive & ~(np.isfinite(values) & (np.abs(values) < limit) & np.isfinite(g).all(axis=1)
                            & (np.abs(w) < MAX_COORDINATE).all(axis=1))
        for i in np.flatnonzero(bad):   # stop here: keep the last sane iterate, report the blow-up
            alive[i], length[i] = False, t
            reasons[i] = _divergence_reason(surface, names[i], rates[names[i]], t)
        points.append(w.copy())
        losses.append(values)
        grads.append(g)
        if t == steps or not alive.any():
            break
        new = w.copy()
        with np.errstate(all="ignore"):
            for i, rule in enumerate(rules):
                if alive[i]:
                    new[i] = rule.step(w[i], g[i])
        # A run that stopped stays frozen at a finite point, so the batch stays free of NaN.
        if not alive.all():
            new[~alive] = np.nan_to_num(w[~alive], nan=0.0, posinf=0.0, neginf=0.0)
        w = new
    traj, loss_arr, grad_arr = np.stack(points), np.stack(losses), np.stack(grads)
    runs = {}
    for i, name in enumerate(names):
        n = int(min(length[i], len(points)))
        run_ = Run(name, traj[:n, i], loss_arr[:n, i], grad_arr[:n, i])
        if i in reasons:
            run_.diverged, (run_.reason, run_.reason_params) = True, reasons[i]
        runs[name] = run_
    return runs


def run(surface: Surface | str, optimizer: str, lr: float, start, steps: int, **options: float) -> Run:
    """Run one optimiser: ``trajectory`` (steps+1, dim), ``losses`` (steps+1,), ``diverged`` and its reason.

    On divergence (non-finite or exploding iterate or loss) it stops early:
    the arrays then hold the iterates up to the last finite one.
    """
    return run_many(surface, [optimizer], {optimizer: lr}, start, steps, **options)[optimizer]


# -------------------------------------------------------------- plot helpers
def loss_grid(surface: Surface, resolution: int = 120) -> tuple[np.ndarray, ...]:
    """The loss on a regular grid of the plotted box: ``(xs, L)`` in 1-D, ``(xs, ys, L[y, x])`` in 2-D."""
    axes = [np.linspace(lo, hi, resolution) for lo, hi in surface.bounds]
    if surface.dim == 1:
        with torch.no_grad():
            return axes[0], surface.loss(axes[0][:, None]).numpy()
    xx, yy = np.meshgrid(*axes)
    with torch.no_grad():
        values = surface.loss(np.stack([xx, yy], axis=-1)).numpy()
    return axes[0], axes[1], values


def gradient_field(surface: Surface, resolution: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Points of a coarse grid and ∇L there (by autograd), for arrows on the contour plot."""
    axes = [np.linspace(lo + (hi - lo) / (2 * resolution), hi - (hi - lo) / (2 * resolution), resolution)
            for lo, hi in surface.bounds]
    points = np.stack([a.ravel() for a in np.meshgrid(*axes)], axis=-1)
    return points, surface.grad(points)
