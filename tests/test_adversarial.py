"""Fool the network: FGSM and PGD on the real MobileNetV2 with real photos, and on the lecture's MNIST network."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from demos import imagenet
from demos.adversarial import OSTRICH, attack, attack_digit, saved_and_read
from demos.errors import DemoError
from tests.conftest import require_shared
from tests.support import mnist_test_digits

SAMPLES = ["n01440764_tench.JPEG", "n02099712_Labrador_retriever.JPEG", "n04285008_sports_car.JPEG"]


@pytest.fixture(scope="module")
def mobilenet():
    return imagenet.load_classifier("mobilenet_v2", require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth"),
                                    device=torch.device("cpu"))


def photo(name: str) -> Image.Image:
    return Image.open(require_shared("imagenet-samples", "original", name))


def read_back(picture: Image.Image, classifier) -> int:
    """The top-1 class of ``picture`` once saved as a PNG and opened again, as a visitor's download would be."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return imagenet.top_k(Image.open(io.BytesIO(buffer.getvalue())), classifier, k=1)[0].class_index


@pytest.mark.parametrize("name", SAMPLES)
def test_one_grey_level_changes_the_answer_and_survives_a_png(mobilenet, name):
    """Untargeted PGD, ε = 1/255, 10 steps: another top-1, δ invisible (‖δ‖₂/‖x‖₂ < 10⁻², the slide's bound)."""
    original = photo(name)
    result = attack(original, mobilenet, method="pgd", epsilon=1 / 255, steps=10)
    assert result.image.size == original.size and result.image.mode == "RGB"    # the photo itself, not the crop
    assert result.fooled and result.after[0].class_index != result.before[0].class_index
    assert read_back(result.image, mobilenet) == result.after[0].class_index     # the 8-bit PNG still fools it
    assert result.relative_l2 < 1e-2
    delta = np.asarray(result.image, np.int16) - np.asarray(original.convert("RGB"), np.int16)
    assert np.abs(delta).max() <= 1                                               # ‖δ‖∞ ≤ ε, exactly, on 8 bits
    assert len(result.before) == len(result.after) == 5


def test_targeted_attack_makes_it_an_ostrich(mobilenet):
    result = attack(photo(SAMPLES[1]), mobilenet, epsilon=4 / 255, steps=20, target=OSTRICH)
    assert result.after[0].class_index == OSTRICH and result.after[0].class_name == "ostrich"
    assert read_back(result.image, mobilenet) == OSTRICH
    assert np.abs(np.asarray(result.image, np.int16) - np.asarray(photo(SAMPLES[1]).convert("RGB"), np.int16)).max() <= 4


def test_a_saved_png_is_the_same_picture_and_a_jpeg_is_not(mobilenet):
    """"Does it survive?" re-reads the file the visitor downloads: PNG keeps every pixel, JPEG rounds them."""
    result = attack(photo(SAMPLES[1]), mobilenet, epsilon=4 / 255, steps=20, target=OSTRICH)
    png, jpeg = saved_and_read(result.image, "PNG"), saved_and_read(result.image, "JPEG")
    assert np.array_equal(np.asarray(png), np.asarray(result.image))
    assert np.abs(np.asarray(jpeg, np.int16) - np.asarray(result.image, np.int16)).max() > 4   # more than δ itself
    assert result.holds(imagenet.top_k(png, mobilenet, k=5)) and result.fooled


def test_fgsm_is_one_step_within_epsilon_and_leaves_the_network_untouched(mobilenet):
    original = photo(SAMPLES[0])
    weights_before = [p.detach().clone() for p in mobilenet.module.parameters()]
    result = attack(original, mobilenet, method="fgsm", epsilon=2 / 255)
    assert len(result.history) == 1 and result.linf <= 2 / 255 + 1e-6
    assert all(p.grad is None for p in mobilenet.module.parameters())             # gradients w.r.t. the image only
    assert all(torch.equal(a, b) for a, b in zip(weights_before, mobilenet.module.parameters()))
    assert imagenet.top_k(original, mobilenet, k=1)[0].class_index == result.before[0].class_index


@pytest.mark.parametrize("settings,key", [
    (dict(epsilon=0), "adversarial.error.epsilon"),
    (dict(epsilon=17 / 255), "adversarial.error.epsilon"),
    (dict(target=1000), "adversarial.error.target"),
    (dict(method="deepfool"), "adversarial.error.method"),
    (dict(steps=0), "adversarial.error.steps"),
])
def test_settings_an_attack_cannot_run_with_are_clear_messages(mobilenet, settings, key):
    with pytest.raises(DemoError) as info:
        attack(photo(SAMPLES[0]), mobilenet, **settings)
    assert info.value.key == key


def test_the_lectures_mnist_network_misreads_perturbed_digits():
    """PGD with ε = 0.2 (pixels in [0, 1]) on 50 test digits: ≥ 90 % misread; the bound holds."""
    from demos.mnist import load_model, preprocess

    model = load_model()
    images, labels = mnist_test_digits()
    misread = 0
    for image, label in zip(images[:50], labels[:50]):
        digit = preprocess(Image.fromarray(image))[0, 0].numpy()
        result = attack_digit(digit, model, epsilon=0.2, steps=10)
        assert np.abs(result.digit - digit).max() <= 0.2 + 1e-6 and 0 <= result.digit.min() and result.digit.max() <= 1
        misread += int(result.after.argmax() != label)
    assert misread >= 45, f"only {misread} of 50 misread"


def test_a_digit_can_be_pushed_to_a_chosen_class():
    from demos.mnist import load_model, preprocess

    images, _ = mnist_test_digits()
    digit = preprocess(Image.fromarray(images[0]))[0, 0].numpy()
    result = attack_digit(digit, load_model(), epsilon=0.3, steps=20, target=3)
    assert result.fooled and int(result.after.argmax()) == 3
    with pytest.raises(DemoError):
        attack_digit(digit, load_model(), epsilon=0.0)


def test_a_random_start_stays_within_epsilon_and_the_perturbation_can_be_seen(mobilenet):
    original = photo(SAMPLES[2])
    result = attack(original, mobilenet, epsilon=3 / 255, steps=3, random_start=True, seed=1)
    assert result.linf <= 3 / 255 + 1e-6
    view = np.asarray(result.perturbation_view(original, gain=50), np.int16)
    assert view.shape == (*original.size[::-1], 3) and view.min() < 100 < 155 < view.max()   # ±3 levels × 50
