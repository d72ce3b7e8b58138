"""The ImageNet demo's logic: top_k, the lecture's normalisation, Grad-CAM, every offered model."""
from __future__ import annotations

import csv
import re

import numpy as np
import pytest
import torch
from PIL import Image

from demos import imagenet, weights
from demos.imagenet.predict import predictions_from_logits
from tests.conftest import require_shared

LABRADOR = 208
# Once, by eye, on n02099712_Labrador_retriever.JPEG (500×375): the dog fills
# x 60..450 (background: the door frame left, the window right); its head, x 150..450, y 0..340.
DOG_BOX = (60, 0, 450, 375)
HEAD_BOX = (150, 0, 450, 340)


def mobilenet_file():
    return require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth")


@pytest.fixture(scope="module")
def mobilenet():
    return imagenet.load_classifier("mobilenet_v2", mobilenet_file(), device=torch.device("cpu"))


@pytest.fixture(scope="module")
def labrador():
    return Image.open(require_shared("imagenet-samples", "original", "n02099712_Labrador_retriever.JPEG"))


def well_formed(predictions, k=15) -> None:
    assert len(predictions) == k
    for p in predictions:
        assert isinstance(p.class_index, int) and 0 <= p.class_index < 1000
        assert isinstance(p.class_name, str) and p.class_name
        assert np.isfinite(p.score) and 0.0 <= p.probability <= 1.0
    scores = [p.score for p in predictions]
    assert scores == sorted(scores, reverse=True)
    assert len({p.class_index for p in predictions}) == k


# --------------------------------------------------------------------------- catalogue


@pytest.mark.parametrize("model_id", list(imagenet.SPECS))
def test_catalogue_entry_matches_torchvision(model_id):
    spec = imagenet.get_spec(model_id)
    artifact = weights.get(spec.artifact_id)
    assert artifact.urls == (spec.weights.url,)
    assert artifact.filename == f"imagenet/{spec.filename}"
    # torchvision's own naming: <model>-<first 8 hex digits of the file's sha256>.pth, and the catalogue checks them
    assert re.fullmatch(r"[a-z0-9_]+(-[a-z]+)?-[0-9a-f]{8}\.pth", spec.filename), spec.filename   # alexnet-owt-…
    assert spec.filename.split("-")[0].startswith(model_id.split("_")[0])
    assert spec.filename.endswith(f"-{artifact.sha256_prefix}.pth")
    assert artifact.size == spec.size_bytes
    assert artifact.demo == "imagenet" and "BSD-3-Clause" in artifact.license
    assert len(spec.categories) == 1000


def test_sample_entries_have_a_source_and_license():
    samples = [a for a in weights.CATALOGUE.values() if a.id.startswith("imagenet-sample-")]
    assert 3 <= len(samples) <= 5
    for artifact in samples:
        assert artifact.license and artifact.source and all(u.startswith("https://") for u in artifact.urls)


# --------------------------------------------------------------------------- normalisation


def test_lecture_normalisation_is_the_formula():
    img = torch.tensor([[[0.0, 0.5], [1.0, 0.25]], [[0.1, 0.2], [0.3, 0.4]], [[0.9, 0.8], [0.7, 0.6]]])
    values = img.numpy().ravel().astype(np.float64)
    expected = 0.5 + 0.5 * (img.numpy() - values.mean()) / values.std(ddof=1)   # torch's std is unbiased
    out = imagenet.lecture_normalise(img)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert abs(float(out.mean()) - 0.5) < 1e-6 and abs(float(out.std()) - 0.5) < 1e-6


@pytest.mark.parametrize("colour", [(0, 0, 0), (128, 128, 128), (255, 0, 0)])
def test_a_one_colour_photo_with_the_lecture_normalisation_gets_numbers_and_a_note(mobilenet, colour):
    """A single colour has no spread to divide by: uniform grey for the network, not NaN scores on the screen."""
    result = imagenet.classify(Image.new("RGB", (300, 200), colour), mobilenet, 15, "lecture")
    scores = [p.score for p in result.predictions]
    assert all(np.isfinite(scores)) and result.flat
    assert sum(p.probability for p in result.predictions) <= 1.0 + 1e-6
    standard = imagenet.classify(Image.new("RGB", (300, 200), colour), mobilenet, 15, "standard")
    assert not standard.flat and all(np.isfinite([p.score for p in standard.predictions]))


def test_both_normalisations_give_the_network_a_224_square(mobilenet, labrador):
    standard = imagenet.preprocess(labrador, mobilenet, "standard")
    lecture = imagenet.preprocess(labrador, mobilenet, "lecture")
    assert standard.shape == lecture.shape == (1, 3, 224, 224)
    assert abs(float(lecture.mean()) - 0.5) < 1e-4
    with pytest.raises(ValueError):
        imagenet.preprocess(labrador, mobilenet, "per-pixel")


# --------------------------------------------------------------------------- real weights


def test_labrador_is_top_1_with_mobilenet(labrador):
    predictions = imagenet.top_k(labrador, model="mobilenet_v2", k=15, state_dict_path=mobilenet_file())
    well_formed(predictions)
    assert predictions[0].class_index == LABRADOR and predictions[0].class_name == "Labrador retriever"
    assert sum(p.probability for p in predictions) <= 1.0 + 1e-5
    lecture = imagenet.top_k(labrador, model="mobilenet_v2", normalisation="lecture", state_dict_path=mobilenet_file())
    assert lecture[0].class_index == LABRADOR


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK", "I;16", "1"])
@pytest.mark.parametrize("size", [(500, 375), (7, 5), (3000, 90)])
def test_top_k_accepts_any_mode_and_size(mobilenet, labrador, mode, size):
    image = labrador.resize(size)
    image = Image.fromarray(np.asarray(image.convert("L"), np.uint16) * 257) if mode == "I;16" else image.convert(mode)
    well_formed(imagenet.top_k(image, model=mobilenet, k=15))
    assert len(imagenet.top_k(image, model=mobilenet, k=3)) == 3


def test_top_1_accuracy_on_200_labelled_samples(mobilenet):
    folder = require_shared("imagenet-samples", "resized256")
    rows = list(csv.DictReader(open(require_shared("imagenet-samples", "labels.csv"), encoding="utf-8")))[::5]
    assert len(rows) == 200
    correct = 0
    for start in range(0, len(rows), 50):   # the same preprocessing, batched to keep the test short
        batch = rows[start:start + 50]
        x = torch.cat([imagenet.preprocess(Image.open(folder / r["filename"]), mobilenet) for r in batch])
        with torch.inference_mode():
            logits = mobilenet.module(x)
        for row, line in zip(batch, logits):
            correct += predictions_from_logits(line, mobilenet.categories, 1)[0].class_index == int(row["index"])
    assert correct / len(rows) >= 0.78, f"top-1 {correct / len(rows):.1%}"


# --------------------------------------------------------------------------- Grad-CAM


@pytest.mark.parametrize("method", ["gradcam", "saliency"])
def test_heatmap_lies_on_the_dog(mobilenet, labrador, method):
    heat = imagenet.heatmap(labrador, mobilenet, LABRADOR, method)
    assert heat.shape == (labrador.height, labrador.width) and heat.dtype == np.float32
    assert heat.min() >= 0.0 and heat.max() <= 1.0 and heat.max() > 0.5
    left, top, right, bottom = imagenet.crop_box(labrador.size, mobilenet)
    assert heat[:, : int(left) - 1].max() == 0 and heat[:, int(right) + 1:].max() == 0   # unseen margins
    mass = heat / heat.sum()
    in_box = lambda box: float(mass[box[1]:box[3], box[0]:box[2]].sum())
    assert in_box(DOG_BOX) >= 0.85
    if method == "gradcam":
        assert in_box(HEAD_BOX) >= 0.75
        y, x = np.unravel_index(heat.argmax(), heat.shape)
        assert HEAD_BOX[0] <= x < HEAD_BOX[2] and HEAD_BOX[1] <= y < HEAD_BOX[3]
    overlay = imagenet.overlay(labrador, heat, box=(left, top, right, bottom))
    assert overlay.size == labrador.size and overlay.mode == "RGB"


def test_guided_backprop_is_a_gradient_picture_of_the_dog(mobilenet, labrador):
    """The lecture's VGG16 slide on MobileNetV2: a colour gradient image (grey = 0) whose detail lies on the dog."""
    picture = imagenet.heatmap(labrador, mobilenet, LABRADOR, "guided")
    assert picture.shape == (labrador.height, labrador.width, 3) and picture.dtype == np.float32
    assert 0.0 <= picture.min() and picture.max() <= 1.0
    left, _, right, _ = imagenet.crop_box(labrador.size, mobilenet)
    assert np.all(picture[:, : int(left) - 1] == 0.5)                  # unseen margins: grey, no gradient
    energy = np.abs(picture - 0.5).sum(axis=2)
    assert energy[DOG_BOX[1]:DOG_BOX[3], DOG_BOX[0]:DOG_BOX[2]].sum() / energy.sum() >= 0.85
    assert energy.max() > 0.3                                          # not a flat grey picture


def test_guided_backprop_is_the_hand_computed_rule_on_a_two_layer_relu_network():
    """y = W₂ ReLU(W₁ x): guided back-propagation gives W₁ᵀ ReLU(W₂[c] ⊙ 1[W₁ x > 0]), not the plain gradient."""
    from demos.imagenet.gradcam import guided_gradients

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 8, bias=False), torch.nn.ReLU(inplace=True),
                              torch.nn.Linear(8, 3, bias=False))
    w1, w2 = net[0].weight.detach(), net[2].weight.detach()
    x = torch.randn(4, 6)
    classes = [0, 1, 2, 1]
    guided = guided_gradients(net, x, classes)
    for i, c in enumerate(classes):
        active = (w1 @ x[i] > 0).float()
        assert torch.allclose(guided[i], w1.T @ torch.relu(w2[c] * active), atol=1e-6)
    plain = torch.stack([w1.T @ (w2[c] * (w1 @ x[i] > 0).float()) for i, c in enumerate(classes)])
    assert not torch.allclose(guided, plain, atol=1e-3)                 # the rule changes the answer here


def test_guided_backprop_applies_its_rule_to_mobilenets_relu6():
    """Captum alone hooks nn.ReLU only: on MobileNetV2 (ReLU6) it would return the plain gradient."""
    from demos.imagenet.gradcam import guided_gradients

    torch.manual_seed(0)
    module = imagenet.load_classifier("mobilenet_v2", pretrained=False, device=torch.device("cpu")).module
    x = torch.randn(1, 3, 96, 96)
    guided = guided_gradients(module, x, [3])
    x.requires_grad_(True)
    module(x)[0, 3].backward()
    assert not torch.allclose(guided, x.grad, atol=1e-4 * float(x.grad.abs().max()))


def test_heatmap_keeps_the_model_usable(mobilenet, labrador):
    """Grad-CAM must leave nothing behind on the shared model: the next visitors get the same answers."""
    before = imagenet.top_k(labrador, model=mobilenet, k=5)
    first = imagenet.heatmap(labrador, mobilenet, LABRADOR)
    assert all(p.grad is None for p in mobilenet.module.parameters())
    assert np.array_equal(imagenet.heatmap(labrador, mobilenet, LABRADOR), first)    # a second map, the same
    after = imagenet.top_k(labrador, model=mobilenet, k=5)
    assert [(p.class_index, p.score) for p in after] == [(p.class_index, p.score) for p in before]


# --------------------------------------------------------------------------- every model, random weights


@pytest.mark.parametrize("model_id", list(imagenet.SPECS))
def test_every_model_runs_the_pipeline_with_random_weights(model_id):
    torch.manual_seed(0)
    classifier = imagenet.load_classifier(model_id, pretrained=False, device=torch.device("cpu"))
    image = Image.new("RGB", (320, 240), (120, 80, 40))
    image.paste((20, 200, 90), (100, 60, 220, 180))
    for normalisation in imagenet.NORMALISATIONS:
        result = imagenet.classify(image, classifier, 15, normalisation)
        well_formed(result.predictions)
        assert result.preprocess_ms > 0 and result.forward_ms > 0
    heat = imagenet.heatmap(image, classifier, result.predictions[0].class_index)
    assert heat.shape == (240, 320) and 0.0 <= heat.min() <= heat.max() <= 1.0
    guided = imagenet.heatmap(image, classifier, result.predictions[0].class_index, "guided")
    assert guided.shape == (240, 320, 3) and 0.0 <= guided.min() <= guided.max() <= 1.0


def test_missing_weights_name_the_file_and_the_fix():
    with pytest.raises(weights.WeightsUnavailable) as caught:
        imagenet.load_classifier("alexnet")
    message = str(caught.value)
    assert "alexnet-owt-7be5be79.pth" in message and "python -m demos.fetch --only imagenet" in message


def test_unknown_model_names_the_offered_ones():
    with pytest.raises(KeyError, match="alexnet"):
        imagenet.get_spec("lenet")


# --------------------------------------------------------------------------- samples


def test_gallery_lists_the_samples_folder(monkeypatch):
    folder = require_shared("imagenet-samples", "original")
    monkeypatch.setenv(imagenet.SAMPLES_DIR_ENV, str(folder))
    samples = imagenet.list_samples()
    assert len(samples) == 122     # no catalogue sample is cached in the isolated test cache
    assert samples["Labrador retriever"].name == "n02099712_Labrador_retriever.JPEG"
    monkeypatch.delenv(imagenet.SAMPLES_DIR_ENV)
    assert imagenet.list_samples() == {}
