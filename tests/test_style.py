"""Style transfer logic: the Gram matrix, Gatys' optimisation (random VGG19), the fast networks."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest
import torch
from PIL import Image

from demos import style, weights
from demos.errors import WeightsUnavailable
from demos.style.fast import (
    TransformerMobileNet,
    TransformerNet,
    from_state_dict,
)
from tests.conftest import require_shared

TWO_LAYERS = ("conv1_1", "conv2_1")   # enough to test the mechanics, and fast


def test_gram_matrix_hand_example():
    # two feature maps of 1×2 positions: F = [[1, 2], [3, 4]]
    features = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    raw = torch.tensor([[1 * 1 + 2 * 2, 1 * 3 + 2 * 4], [3 * 1 + 4 * 2, 3 * 3 + 4 * 4]])   # [[5, 11], [11, 25]]
    assert torch.equal(style.gram_matrix(features, normalize=False)[0], raw)
    # normalised by C·H·W = 2·1·2 = 4
    assert torch.allclose(style.gram_matrix(features)[0], torch.tensor([[1.25, 2.75], [2.75, 6.25]]))
    assert style.gram_matrix(features[0]).shape == (2, 2)            # unbatched input, unbatched output


def test_gram_matrix_is_size_independent_and_symmetric():
    tile = torch.rand(1, 8, 5, 5)
    big = tile.repeat(1, 1, 2, 2)   # the same texture over four times the area
    assert torch.allclose(style.gram_matrix(big), style.gram_matrix(tile), atol=1e-6)
    gram = style.gram_matrix(torch.rand(3, 16, 7, 9))
    assert gram.shape == (3, 16, 16) and torch.allclose(gram, gram.transpose(1, 2))


def test_layer_names_follow_the_paper():
    assert style.LAYERS["conv1_1"] == 0 and style.LAYERS["conv4_2"] == 21 and style.LAYERS["conv5_4"] == 34
    assert len(style.LAYERS) == 16


@pytest.fixture(scope="module")
def vgg_random():
    torch.manual_seed(0)
    return style.load_vgg19_features(pretrained=False, device="cpu")


def _pictures() -> tuple[Image.Image, Image.Image]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:64]
    content = np.stack([xx * 4, yy * 4, np.full_like(xx, 128)], -1).astype(np.uint8)   # smooth gradient
    painting = (rng.random((48, 48, 3)) * 255).astype(np.uint8)                        # rough texture
    return Image.fromarray(content), Image.fromarray(painting)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_gatys_lowers_the_loss_and_shows_previews(vgg_random, optimizer):
    content, painting = _pictures()
    calls = []
    result = style.gatys(content, painting, steps=20, size=64, callback=lambda *a: calls.append(a),
                         features=vgg_random, style_layers=TWO_LAYERS, optimizer=optimizer, report_every=5)
    assert isinstance(result, Image.Image) and result.size == (64, 64)
    assert [c[0] for c in calls] == [0, 5, 10, 15, 20]
    assert all(set(c[1]) == {"content", "style", "total"} for c in calls)
    assert all(isinstance(c[2], Image.Image) and c[2].size == (64, 64) for c in calls)
    assert calls[-1][1]["total"] < calls[0][1]["total"]
    assert calls[0][1]["content"] == 0.0            # starts from the photo itself
    assert np.array_equal(np.asarray(calls[-1][2]), np.asarray(result))


def test_gatys_from_noise_keeps_the_aspect_ratio(vgg_random):
    content, painting = _pictures()
    wide = content.resize((96, 48))
    result = style.gatys(wide, painting, steps=2, size=64, features=vgg_random, style_layers=TWO_LAYERS,
                         optimizer="adam", init="noise")
    assert result.size == (64, 32)


def test_gatys_stops_when_asked(vgg_random):
    content, painting = _pictures()
    steps = []
    result = style.gatys(content, painting, steps=200, size=64, callback=lambda s, *_: steps.append(s),
                         features=vgg_random, style_layers=TWO_LAYERS, optimizer="adam", report_every=1,
                         should_stop=lambda: len(steps) >= 3)
    assert steps == [0, 1, 2, 3] and result.size == (64, 64)


def test_background_job_runs_and_stops(vgg_random):
    content, painting = _pictures()
    job = style.start_job(content, painting, 500, features=vgg_random, size=64, style_layers=TWO_LAYERS,
                          optimizer="adam", report_every=1)
    deadline = time.monotonic() + 60
    while job.step < 2 and time.monotonic() < deadline:   # the page polls the same way
        time.sleep(0.05)
    job.stop()
    assert job.wait(60)
    assert job.status == "stopped" and 2 <= job.step < 500 and job.result is not None
    assert job.history[0]["step"] == 0 and "seconds" in job.history[-1]


def test_bad_layer_names_are_refused(vgg_random):
    content, painting = _pictures()
    with pytest.raises(ValueError, match="conv9_9"):
        style.gatys(content, painting, 1, 64, features=vgg_random, style_layers=("conv9_9",))


def test_vgg19_catalogue_entry_matches_torchvision():
    from torchvision.models import VGG19_Weights

    official = VGG19_Weights.IMAGENET1K_V1
    artifact = weights.get(style.VGG19_ARTIFACT)
    assert artifact.urls == (official.url,)
    assert artifact.filename.endswith(official.url.rsplit("/", 1)[1])
    assert official.url.endswith(f"-{artifact.sha256_prefix}.pth")
    assert artifact.size == round(official.meta["_file_size"] * 1_000_000)


def test_missing_vgg19_says_how_to_get_it():
    with pytest.raises(WeightsUnavailable, match="demos.fetch --only style"):
        style.load_vgg19_features()


# --------------------------------------------------------------------------- fast networks

@pytest.mark.parametrize("net", [TransformerNet, TransformerMobileNet])
@pytest.mark.parametrize("size", [(64, 48), (37, 53)])
def test_fast_network_keeps_the_size(net, size):
    torch.manual_seed(0)
    model = net().eval()
    image = Image.fromarray((np.random.default_rng(0).random((size[1], size[0], 3)) * 255).astype(np.uint8))
    out = style.fast_stylize(image, model=model)
    assert out.size == image.size and out.mode == "RGB"


def test_transformer_net_parameter_counts():
    assert sum(p.numel() for p in TransformerNet().parameters()) == 1_679_235
    assert sum(p.numel() for p in TransformerMobileNet().parameters()) == 239_456   # SOURCES.md §5


def test_official_keys_with_running_statistics_load(tmp_path, monkeypatch):
    """A checkpoint as pytorch/examples released them: PyTorch 0.3 kept InstanceNorm running stats."""
    torch.manual_seed(1)
    state = TransformerNet().state_dict()
    stale = {}
    for key, value in state.items():
        if re.search(r"in\d+\.weight$", key):
            stale[key.replace(".weight", ".running_mean")] = torch.zeros_like(value)
            stale[key.replace(".weight", ".running_var")] = torch.ones_like(value)
    assert len(stale) == 2 * (5 + 2 * 5)      # in1..in5 and the two of each residual block
    path = tmp_path / "style" / "candy.pth"
    path.parent.mkdir()
    torch.save({**state, **stale}, path)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    model = style.load_fast_model("candy", device="cpu")
    assert isinstance(model, TransformerNet)
    assert torch.equal(model.state_dict()["res3.conv1.conv2d.weight"], state["res3.conv1.conv2d.weight"])
    assert style.pick_model("candy") == "candy"     # the official network is preferred when it is here


def test_style_name_falls_back_to_the_mobilenet_version(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    assert style.candidates("candy") == ["candy", "candy-mobilenet"]
    assert style.candidates("picasso") == ["picasso-mobilenet"]
    with pytest.raises(WeightsUnavailable, match="cannot be downloaded automatically"):
        style.pick_model("candy")        # offline: neither is here; the official one's message comes first
    path = tmp_path / weights.get("style-fast-candy-mobilenet").filename
    path.parent.mkdir(parents=True)
    torch.save(TransformerMobileNet().state_dict(), path)
    assert style.pick_model("candy") == "candy-mobilenet"


def test_a_file_of_another_network_is_refused():
    with pytest.raises(style.FastStyleError, match="not a fast-style network"):
        from_state_dict({"fc.weight": torch.zeros(2, 2)}, "other.pth")


def test_real_mobilenet_candy_paints_the_photo():
    path = require_shared("style", "mobilenetv2_fnst", "candy.pth")
    photo = Image.open(require_shared("style", "content_images", "dancing.jpg")).convert("RGB").resize((150, 150))
    model = style.load_fast_model(path=path, device="cpu")
    assert isinstance(model, TransformerMobileNet)
    out = style.fast_stylize(photo, model=model)
    assert out.size == photo.size
    before, after = np.asarray(photo, dtype=float), np.asarray(out, dtype=float)
    assert np.abs(after - before).mean() > 20             # clearly repainted...
    assert np.corrcoef(before.mean(-1).ravel(), after.mean(-1).ravel())[0, 1] > 0.3   # ...yet the same scene
