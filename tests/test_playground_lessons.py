"""The playground's lessons (seeds 001–004): overfitting and regularisation, the slides' activations, each
neuron's map, and fitting a function of one variable with one hidden layer."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from demos import playground as pg
from demos.errors import DemoError


def test_the_overfit_preset_learns_by_heart_and_the_regularised_one_generalises():
    """On seed 0: the overfit preset learns its points by heart (train ≥ 98 %, gap ≥ 15 points), the regularised
    one at most halves the gap and does better on the test points. The issue's acceptance is on means over 5
    seeds, measured by bench/playground.py (gap 26.0 → 1.4 points, test 73.5 % → 87.1 %; README)."""
    _, overfit = pg.train(**pg.PRESETS["overfit"], seed=0)
    _, regularised = pg.train(**pg.PRESETS["regularised"], seed=0)
    gap = overfit.train_accuracy[-1] - overfit.test_accuracy[-1]
    assert overfit["train_accuracy"][-1] >= 0.98 and gap >= 0.15
    assert regularised["train_accuracy"][-1] - regularised["test_accuracy"][-1] <= gap / 2
    assert regularised["test_accuracy"][-1] > overfit["test_accuracy"][-1]
    assert len(overfit["test_accuracy"]) == pg.PRESETS["overfit"]["epochs"] + 1


def test_label_noise_flips_training_labels_only():
    clean = pg.make_dataset("circles", n=400, seed=2)
    noisy = pg.make_dataset("circles", n=400, seed=2, label_noise=0.25)
    assert np.array_equal(clean.y_test, noisy.y_test) and np.array_equal(clean.x_train, noisy.x_train)
    assert 0.15 < (clean.y_train != noisy.y_train).mean() < 0.35
    with pytest.raises(DemoError):
        pg.make_dataset("circles", label_noise=float("nan"))


def test_the_slides_activations():
    leaky = pg.build_mlp(1, (1,), "leaky_relu")[1]
    assert float(leaky(torch.tensor([-1.0]))) == pytest.approx(-0.1)       # max(0.1x, x), as on the slide
    maxout = pg.build_mlp(2, (3,), "maxout")
    assert maxout[0].out_features == 6 and maxout(torch.zeros(5, 2)).shape == (5, 1)
    assert pg.Maxout()(torch.tensor([[1.0, 3.0, -2.0, -1.0]])).tolist() == [[3.0, -1.0]]
    with pytest.raises(DemoError):
        pg.Trainer(pg.make_dataset("xor", n=50), activation="swish")


def test_dropout_batch_norm_and_l1_train_and_l1_shrinks_the_weights():
    data = pg.make_dataset("circles", n=120, noise=0.1, seed=0)
    plain = pg.Trainer(data, hidden=(16, 16), activation="relu", seed=0)
    sparse = pg.Trainer(data, hidden=(16, 16), activation="relu", seed=0, l1=0.01)
    both = pg.Trainer(data, hidden=(16, 16), activation="relu", seed=0, dropout=0.3, batch_norm=True, batch_size=7)
    for trainer in (plain, sparse, both):
        trainer.step(30)
    weights = lambda t: sum(m.weight.abs().sum().item() for m in t.model if isinstance(m, torch.nn.Linear))
    assert weights(sparse) < 0.7 * weights(plain)
    assert both.history[-1]["train_loss"] < both.history[0]["train_loss"]
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in both.model)
    first = pg.accuracy(both.model, data.x_test, data.y_test)
    assert pg.accuracy(both.model, data.x_test, data.y_test) == first            # evaluation: dropout off
    with pytest.raises(DemoError):
        pg.Trainer(data, dropout=1.5)


def test_every_neurons_map_for_three_layers_of_16_in_well_under_100_ms():
    trainer = pg.Trainer(pg.make_dataset("xor", n=100), hidden=(16, 16, 16), activation="tanh")
    trainer.step(2)
    pg.neuron_grids(trainer.model)
    start = time.perf_counter()
    grids = pg.neuron_grids(trainer.model, resolution=24)
    assert time.perf_counter() - start < 0.1
    assert [g.shape for g in grids] == [(16, 24, 24)] * 3
    assert np.abs(grids[0]).max() <= 1 and grids[0].std() > 0                # tanh outputs, not constant
    assert 1 <= trainer.step_within(50, 0.05) < 50                           # a live tick stays short


def test_more_units_fit_sin_closer():
    """Universal approximation: sin(2πx) on [0, 1], test MSE falls from 2 to 8 to 32 units, ≤ 10⁻³ at 32."""
    errors = [pg.fit_function("sin", units, seed=0).test_mse() for units in (2, 8, 32)]
    assert errors[0] > errors[1] > errors[2] and errors[2] <= 1e-3, errors


def test_with_outliers_the_l1_loss_stays_closer_to_the_clean_function():
    fits = {loss: pg.fit_function("sin", 16, loss=loss, noise=0.05, outliers=0.2, seed=1) for loss in pg.LOSSES}
    assert fits["l1"].test_mse() < fits["mse"].test_mse() / 3


def test_each_units_contribution_adds_up_to_the_curve():
    fit = pg.fit_function("abs", 6, steps=200, seed=0)
    x = np.linspace(0, 1, 50)
    parts = fit.contributions(x)
    assert parts.shape == (6, 50)
    assert np.allclose(parts.sum(0) + fit.model[-1].bias.item(), fit.predict(x), atol=1e-5)
    assert fit.steps == 200 and fit.history[-1][0] == 200


@pytest.mark.parametrize("options,key", [
    ({"target": "cos"}, "playground.error.target"),
    ({"loss": "huber"}, "playground.error.loss"),
    ({"activation": "maxout"}, "playground.error.activation"),
    ({"units": 0}, "playground.error.setting"),
    ({"outliers": float("inf")}, "playground.error.setting"),
])
def test_bad_regression_settings_are_messages(options, key):
    with pytest.raises(DemoError) as error:
        pg.FunctionFit(**options)
    assert error.value.key == key
