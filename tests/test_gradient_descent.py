"""Theory checks of demos.gradient_descent: what the lecture and the textbooks say GD does."""
from __future__ import annotations

import numpy as np
import pytest

from demos import gradient_descent as gd


def parabola(a: float) -> gd.Surface:
    """L(w) = a·w²/2: curvature a everywhere, so GD is stable exactly for η < 2/a."""
    return gd.Surface("parabola", 1, lambda w: 0.5 * a * w[..., 0] ** 2, ((-3.0, 3.0),), (1.0,), lr=0.1,
                      smoothness=a)


@pytest.mark.parametrize("a", [0.5, 4.0, 10.0])
def test_gd_converges_below_two_over_a_and_diverges_above(a):
    below = gd.run(parabola(a), "gd", 0.95 * 2 / a, (1.0,), 400)
    above = gd.run(parabola(a), "gd", 1.05 * 2 / a, (1.0,), 400)
    assert not below.diverged and abs(below.trajectory[-1, 0]) < 1e-3
    assert above.diverged and above.reason == "gd.diverged.quadratic"
    assert above.reason_params["limit"] == f"{2 / a:.3g}"
    assert np.isfinite(above.trajectory).all() and np.isfinite(above.losses).all()   # stopped before overflow
    assert len(above.trajectory) < 401


def test_run_shapes_and_autograd_gradients():
    result = gd.run("rosenbrock", "gd", 0.001, (-1.2, 1.0), 50)
    trajectory, losses = result                  # unpacks like the (trajectory, losses)
    assert trajectory.shape == (51, 2) and losses.shape == (51,)
    x, y = trajectory[0]
    assert result.grads[0] == pytest.approx([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    assert gd.run("wavy", "adam", 0.1, (2.5,), 10).trajectory.shape == (11, 1)


def steps_to(result: gd.Run, tol: float) -> int:
    below = np.flatnonzero(result.losses < tol)
    return int(below[0]) if len(below) else 10 ** 9


def test_momentum_beats_plain_gd_on_an_ill_conditioned_quadratic():
    surface = gd.make_surface("quadratic", condition=50.0)           # L = 50: GD must use η < 0.04
    runs = gd.run_many(surface, ["gd", "momentum", "nesterov"], 1.0 / 50, (-2.5, 2.0), 3000, beta=0.9)
    plain, heavy, nesterov = (steps_to(runs[n], 1e-6) for n in ("gd", "momentum", "nesterov"))
    assert heavy < plain / 2 and nesterov < plain / 2
    assert plain < 3000


@pytest.mark.parametrize("optimizer,lr", [("gd", 0.001), ("momentum", 0.0005), ("nesterov", 0.0005),
                                          ("adam", 0.02), ("sgd", 0.001)])
def test_every_optimizer_decreases_the_rosenbrock_loss(optimizer, lr):
    result = gd.run("rosenbrock", optimizer, lr, (-1.2, 1.0), 500, noise=1.0, seed=0)
    assert not result.diverged
    assert result.losses[-1] < 0.5 * result.losses[0]
    assert result.losses[-1] < 4.0


def test_different_starts_reach_different_minima_on_himmelblau():
    reached = set()
    for start in [(4.0, 4.0), (-4.0, 4.0), (-4.0, -4.0), (4.0, -4.0)]:
        end = gd.run("himmelblau", "gd", 0.01, start, 1000).trajectory[-1]
        distances = [np.hypot(*(end - m)) for m in gd.HIMMELBLAU_MINIMA]
        assert min(distances) < 1e-3
        reached.add(int(np.argmin(distances)))
    assert len(reached) == 4


def test_lecture_contrast_on_the_1d_curve():
    """η = 0.125 settles in the nearest minimum; η = 0.5 from the same w₀ keeps bouncing."""
    small = gd.run("wavy", "gd", 0.125, (2.5,), 40)
    large = gd.run("wavy", "gd", 0.5, (2.5,), 40)
    assert abs(small.trajectory[-1, 0] - small.trajectory[-2, 0]) < 1e-3
    assert abs(large.trajectory[-1, 0] - large.trajectory[-2, 0]) > 0.3


def test_gd_stalls_on_the_saddle_and_noise_escapes_it():
    stuck = gd.run("saddle", "gd", 0.1, (-1.8, 0.0), 200).trajectory[-1]
    noisy = gd.run("saddle", "sgd", 0.1, (-1.8, 0.0), 200, noise=0.5, seed=1).trajectory[-1]
    assert np.allclose(stuck, 0.0, atol=1e-6)
    assert abs(abs(noisy[1]) - 1.0) < 0.3


def test_divergence_on_a_non_quadratic_is_generic_and_finite():
    result = gd.run("rosenbrock", "gd", 0.1, (-1.2, 1.0), 100)
    assert result.diverged and result.reason == "gd.diverged.generic"
    assert np.isfinite(result.trajectory).all()


def test_side_by_side_runs_match_single_runs():
    both = gd.run_many("himmelblau", ["gd", "adam"], {"gd": 0.01, "adam": 0.1}, (0.0, 0.0), 30)
    assert np.allclose(both["adam"].trajectory, gd.run("himmelblau", "adam", 0.1, (0.0, 0.0), 30).trajectory)


def test_plot_helpers():
    surface = gd.make_surface("quadratic", condition=4.0)
    xs, ys, values = gd.loss_grid(surface, 20)
    assert values.shape == (20, 20) and values.min() >= 0
    points, grads = gd.gradient_field(surface, 5)
    assert np.allclose(grads, points * np.array([1.0, 4.0]))
    with pytest.raises(ValueError):
        gd.make_surface("nope")
    with pytest.raises(ValueError):
        gd.run("himmelblau", "nope", 0.1, (0, 0), 3)
