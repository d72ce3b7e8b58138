"""t-SNE maps of the lecture's network's layers (seed 001): the shipped maps, placing a digit, computing new maps."""
from __future__ import annotations

import time

import numpy as np
import pytest

from demos import mnist
from demos.errors import DemoError
from demos.representations import tsne
from demos.representations.tsne import LAYERS, build_maps, place, place_in_maps, shipped_maps
from tests.support import mnist_test_digits

HELD_OUT = slice(5000, 5200)      # 200 test digits that are not in the maps (those are the first 2,000)


@pytest.fixture(scope="module")
def maps():
    return shipped_maps()


def test_the_classes_separate_layer_after_layer(maps):
    """The issue's acceptance: 5-NN accuracy in the 2-D map ≥ 97 % at the last layer, and above the input's."""
    accuracy = {layer: maps[layer].neighbour_accuracy() for layer in LAYERS}
    assert accuracy["logits"] >= 0.97, accuracy
    assert accuracy["logits"] > accuracy["input"] + 0.05, accuracy
    assert all(len(maps[layer].coords) == tsne.MAP_DIGITS for layer in LAYERS)
    assert set(np.unique(maps["input"].labels)) == set(range(10))


def test_a_new_digit_lands_among_its_class_in_every_map_within_a_second(maps):
    images, labels = mnist_test_digits()
    network = mnist.load_model()
    place_in_maps(maps, network, images[HELD_OUT][:1])            # openTSNE's first call imports and compiles
    seconds = []
    for digit in images[HELD_OUT][1:6]:
        start = time.perf_counter()
        placed = place_in_maps(maps, network, digit)
        seconds.append(time.perf_counter() - start)
    assert np.median(seconds) <= 1.0, seconds
    assert placed.positions["logits"].shape == (1, 2)

    held = place_in_maps(maps, network, images[HELD_OUT])
    for layer in ("conv2", "fc1", "logits"):
        votes = maps[layer].neighbour_classes(held.positions[layer])
        assert (votes == held.read).mean() >= 0.9, layer            # the neighbours agree with the network
    assert (held.read == labels[HELD_OUT]).mean() >= 0.97            # and the network reads these digits right


def test_the_public_place_gives_a_point_inside_the_map_near_its_class(maps):
    images, labels = mnist_test_digits()
    digit = images[HELD_OUT][0]
    x, y = place(digit, "logits")
    coords = maps["logits"].coords
    assert coords[:, 0].min() <= x <= coords[:, 0].max() and coords[:, 1].min() <= y <= coords[:, 1].max()
    nearest = np.argsort(((coords - [x, y]) ** 2).sum(1))[:5]
    assert np.bincount(maps["logits"].labels[nearest]).argmax() == labels[HELD_OUT][0]
    # The shipped maps do not move when a point is placed.
    before = coords.copy()
    place(digit, "input")
    assert np.array_equal(maps["logits"].coords, before)


@pytest.mark.parametrize("digit,layer,key", [
    (np.zeros((28, 28), np.uint8), "conv3", "representations.error.layer"),
    (np.zeros((32, 32), np.uint8), "logits", "representations.error.shape"),
])
def test_bad_inputs_are_clear_messages(digit, layer, key):
    with pytest.raises(DemoError) as error:
        place(digit, layer)
    assert error.value.key == key


def test_maps_of_another_network_report_progress_and_stop_when_asked():
    images, labels = mnist_test_digits()
    network = mnist.LectureNet().eval()             # an untrained network: its maps are computed, not shipped
    progress: list[tuple[str, float]] = []
    maps = build_maps(network, images[:200], labels[:200], steps=150,
                      callback=lambda layer, done: progress.append((layer, done)))
    assert maps is not None and list(maps) == list(LAYERS)
    assert progress[-1] == ("logits", 1.0) and [p for _, p in progress] == sorted(p for _, p in progress)
    assert place_in_maps(maps, network, images[400]).positions["fc1"].shape == (1, 2)

    calls = []
    stopped = build_maps(network, images[:200], labels[:200],
                         should_stop=lambda: calls.append(1) or len(calls) > 1)
    assert stopped is None and len(calls) <= 3                    # stopped at openTSNE's next check, not at the end
