"""Checks of demos.playground (XOR and the lecture's x·y trick) and of demos.url_state."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from demos import playground as pg
from demos import url_state
from demos.url_state import Param


@pytest.fixture(scope="module")
def xor():
    return pg.make_dataset("xor", n=300, noise=0.05, test_fraction=0.3, seed=0)


def test_datasets_are_seeded_split_and_bounded():
    for name in pg.DATASETS:
        a, b = pg.make_dataset(name, n=200, noise=0.2, seed=3), pg.make_dataset(name, n=200, noise=0.2, seed=3)
        assert np.array_equal(a.x_train, b.x_train)
        assert len(a.x_train) == 140 and len(a.x_test) == 60
        assert np.abs(a.x_train).max() <= pg.BOUND
        assert 0.3 < a.y_train.mean() < 0.7


def test_an_mlp_with_one_hidden_layer_solves_xor(xor):
    model, history = pg.train(xor, hidden=(4,), activation="tanh", lr=0.03, epochs=60, seed=0)
    assert history[-1]["test_accuracy"] >= 0.95
    assert pg.accuracy(model, xor.x_test, xor.y_test) >= 0.95
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_a_linear_model_does_not_solve_xor(xor):
    _, history = pg.train(xor, hidden=(), activation="tanh", lr=0.03, epochs=40, seed=0)
    assert history[-1]["test_accuracy"] <= 0.75


def test_a_linear_model_solves_xor_with_the_product_feature(xor):
    _, history = pg.train(xor, hidden=(), lr=0.1, epochs=40, seed=0, features=("x", "y", "xy"))
    assert history[-1]["test_accuracy"] >= 0.95


@pytest.mark.parametrize("activation", list(pg.ACTIVATIONS))
def test_every_activation_and_the_decision_grid(activation):
    model, history = pg.train("circles", hidden=(8, 8), activation=activation, lr=0.03, epochs=3, seed=1,
                              noise=0.1, features=("x", "y", "x2", "y2"), l2=0.001, batch_size=32)
    axis, prob = pg.decision_grid(model, ("x", "y", "x2", "y2"), resolution=25)
    assert prob.shape == (25, 25) and ((prob >= 0) & (prob <= 1)).all()
    assert len(history) == 4


def test_trainer_steps_and_features():
    trainer = pg.Trainer(pg.make_dataset("spirals", n=100), hidden=(4,), optimizer="sgd", batch_size=8)
    assert trainer.epoch == 0
    trainer.step(2)
    assert trainer.epoch == 2
    assert pg.expand(np.array([[2.0, 3.0]]), ("x", "y", "xy", "x2", "y2")).tolist() == [[2, 3, 6, 4, 9]]
    assert pg.expand(np.array([[2.0, 3.0]]), ()).shape == (1, 2)          # never an empty input


PARAMS = (Param("lr", 0.1, 0.001, 1.0), Param("n", 5, 1, 10), Param("name", "xor", choices=("xor", "circles")),
          Param("on", False), Param("feats", ("x", "y"), choices=("x", "y", "xy"), many=True))


def test_url_state_round_trip():
    values = {"lr": 0.25, "n": 7, "name": "circles", "on": True, "feats": ("x", "xy")}
    assert url_state.decode(url_state.encode(values, PARAMS), PARAMS) == values
    assert "lang=fr&lr=0.25" in url_state.query_string(values, PARAMS, lang="fr")


@pytest.mark.parametrize("query,expected", [
    ({}, {"lr": 0.1, "n": 5, "name": "xor", "on": False, "feats": ("x", "y")}),
    ({"lr": "1e9", "n": "-4", "name": "evil<script>", "on": "maybe", "feats": "zz,xy"},
     {"lr": 1.0, "n": 1, "name": "xor", "on": False, "feats": ("xy",)}),
    ({"lr": "nan", "n": "abc", "feats": "zz", "unknown": "1"},
     {"lr": 0.1, "n": 5, "name": "xor", "on": False, "feats": ("x", "y")}),
    ({"lr": ["0.5", "0.01"], "n": "3.7"}, {"lr": 0.01, "n": 3, "name": "xor", "on": False, "feats": ("x", "y")}),
])
def test_url_state_clamps_and_falls_back(query, expected):
    assert url_state.decode(query, PARAMS) == expected


def test_train_accepts_a_single_width():
    """`hidden=8` means one hidden layer of 8, as a reader of the API would guess."""
    model, history = pg.train("xor", 8, "tanh", 0.03, 5, 0)
    assert len(history) >= 5
    assert sum(isinstance(m, torch.nn.Linear) for m in model.modules()) == 2
