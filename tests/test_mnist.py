"""Demo 1: the shipped network, the MNIST-style preprocessing, and live training."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from demos import mnist, weights
from demos.mnist.train import TrainSettings, evaluate, train
from tests.conftest import require_shared
from tests.support import mnist_test_digits


@pytest.fixture(scope="module")
def test_set():
    return mnist_test_digits()


@pytest.fixture(scope="module")
def model():
    return mnist.load_model()


def paste_on_canvas(digit: np.ndarray, rng: np.random.Generator, side: int = 280) -> np.ndarray:
    """An MNIST digit enlarged 4–9× and pasted at a random place of a black canvas."""
    scale = int(rng.integers(4, 10))
    big = np.asarray(Image.fromarray(digit).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR))
    canvas = np.zeros((side, side), np.uint8)
    top, left = rng.integers(0, side - big.shape[0] + 1, size=2)
    canvas[top:top + big.shape[0], left:left + big.shape[1]] = big
    return canvas


def test_shipped_weights_reach_lecture_accuracy(model, test_set):
    """The shipped network misreads at most 0.8 % of the 10,000 test digits."""
    error = evaluate(model, *test_set)
    assert error <= 0.008, f"test error {error:.2%}"


def test_shipped_weights_are_small():
    assert weights.locate(mnist.WEIGHTS_ID).stat().st_size < 1_000_000


def test_digits_moved_and_rescaled_on_a_canvas_are_still_read(model, test_set):
    images, labels = test_set
    rng = np.random.default_rng(0)
    picks = rng.choice(len(images), size=500, replace=False)
    canvases = [paste_on_canvas(images[i], rng) for i in picks]
    batch = torch.cat([mnist.preprocess(Image.fromarray(c)) for c in canvases])
    with torch.inference_mode():
        predicted = model(batch).argmax(1).numpy()
    accuracy = (predicted == labels[picks]).mean()
    assert accuracy >= 0.98, f"accuracy {accuracy:.1%} on canvas-pasted digits"


def phone_photo(digit: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """An MNIST digit as a phone photographs it: dark ink on lit, grainy grey paper, slightly tinted RGB."""
    canvas = paste_on_canvas(digit, rng, side=400).astype(np.float32)
    paper = 200 + rng.normal(0, 6, canvas.shape)           # lit paper with grain
    photo = np.clip(paper - canvas * 0.6, 0, 255).astype(np.uint8)
    return Image.fromarray(np.stack([photo, photo, (photo * 0.95).astype(np.uint8)], -1))


def test_photo_of_dark_ink_on_light_paper_is_inverted(model, test_set):
    """A phone photo: grey paper, dark ink, some noise, RGB; still read right."""
    images, labels = test_set
    rng = np.random.default_rng(1)
    correct = 0
    for i in range(40):
        correct += int(mnist.predict(phone_photo(images[i], rng), model).argmax() == labels[i])
    assert correct >= 38


def test_preprocess_gives_mnist_layout(test_set):
    images, _ = test_set
    x = mnist.preprocess(Image.fromarray(paste_on_canvas(images[0], np.random.default_rng(2))))
    assert x.shape == (1, 1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    digit = x[0, 0].numpy()
    rows, cols = np.flatnonzero(digit.any(1)), np.flatnonzero(digit.any(0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21     # fitted in 20×20 (+ interpolation)
    cy = (digit.sum(1) * np.arange(28)).sum() / digit.sum()
    cx = (digit.sum(0) * np.arange(28)).sum() / digit.sum()
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "CMYK", "I;16", "LA"])
def test_every_image_mode_is_read(mode, model, test_set):
    images, labels = test_set
    canvas = paste_on_canvas(images[3], np.random.default_rng(3))
    if mode == "I;16":
        image = Image.fromarray(canvas.astype(np.uint16) * 257)
    elif mode == "RGBA":   # a transparent canvas with white strokes
        image = Image.fromarray(np.dstack([canvas] * 3 + [canvas]), "RGBA")
    else:
        image = Image.fromarray(canvas).convert(mode)
    assert mnist.predict(image, model).argmax() == labels[3]


@pytest.mark.parametrize("fill", [0, 255])
def test_blank_canvas_is_no_guess(fill, model):
    blank = Image.fromarray(np.full((280, 280), fill, np.uint8))
    reading = mnist.read(blank, model)
    assert reading.blank and reading.prediction is None
    assert np.allclose(reading.probabilities, 0.1)
    assert mnist.is_blank(blank)


def test_transparent_canvas_is_blank(model):
    assert mnist.read(np.zeros((280, 280, 4), np.uint8), model).blank


def test_predict_returns_probabilities(model, test_set):
    p = mnist.predict(Image.fromarray(test_set[0][5]), model)
    assert isinstance(p, np.ndarray) and p.shape == (10,)
    assert abs(p.sum() - 1) < 1e-6 and p.argmax() == test_set[1][5]


def test_feature_maps_have_the_lecture_shapes(model, test_set):
    reading = mnist.read(Image.fromarray(test_set[0][0]), model)
    assert reading.feature_maps["conv1"].shape == (32, 24, 24)
    assert reading.feature_maps["conv2"].shape == (64, 4, 4)


def test_training_from_scratch_learns(test_set):
    """A short run on 10,000 digits: the loss goes down and the network reads most test digits."""
    images, labels = test_set
    records = []
    model, history = train(images[:8000], labels[:8000], TrainSettings(steps=150, batch_size=64, lr=5e-3),
                           device=torch.device("cpu"), callback=records.append, report_every=25)
    assert records == history and history[-1]["step"] == 150
    assert history[-1]["loss"] < history[0]["loss"] / 3
    assert evaluate(model, images[8000:], labels[8000:]) < 0.08


def test_training_can_be_stopped(test_set):
    images, labels = test_set
    _, history = train(images[:2000], labels[:2000], TrainSettings(steps=100, batch_size=32),
                       device=torch.device("cpu"), report_every=10, should_stop=lambda: True)
    assert history[-1]["step"] == 10


def test_training_time_is_estimated_from_a_few_steps_on_this_machine():
    """The page's "expected here" figure: a few timed steps, scaled to the run (within a factor of 3 of a real run)."""
    from dataclasses import replace

    from demos.mnist.train import QUICK, estimate_seconds, train

    settings = replace(QUICK, steps=60)
    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 256, (512, 28, 28), dtype=np.uint8), rng.integers(0, 10, 512)
    _, history = train(images, labels, settings)
    estimate = estimate_seconds(settings)
    assert history[-1]["seconds"] / 3 < estimate < history[-1]["seconds"] * 3, (estimate, history[-1]["seconds"])


NO_DIGIT_PHOTOS = ["bobby_golden_retriever.jpg", "cat1.png", "cat2.png", "person_sheep_deeplab.jpg",
                   "wolf_pytorch_helloworld.png"]


@pytest.mark.parametrize("name", NO_DIGIT_PHOTOS)
def test_a_photo_with_no_digit_in_it_is_not_read_as_one(name, model):
    """A camera photo of a dog or a cat: "no digit here", not "1, 85 % sure"."""
    photo = Image.open(require_shared("imagenet-samples", "extra", name))
    reading = mnist.read(photo, model, photo=True)
    assert reading.blank and reading.not_a_digit and reading.prediction is None


def test_photos_of_digits_are_still_read(model, test_set):
    """The same check lets photographed digits through: 40 phone-like photos, ≥ 38 read right."""
    images, labels = test_set
    rng = np.random.default_rng(1)
    correct = 0
    for i in range(40):
        correct += int(mnist.read(phone_photo(images[i], rng), model, photo=True).prediction == labels[i])
    assert correct >= 38
