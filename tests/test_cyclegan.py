"""CycleGAN: the two generator architectures, checkpoint loading, translate / cycle, and real weights.

Random weights check shapes and key names quickly; the real GAN Compression
horse→zebra generator of ../shared/data must turn the shared horse photos into
something an ImageNet MobileNetV2 calls a zebra.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
from PIL import Image

from demos import cyclegan, weights
from demos.cyclegan.generators import COMPRESSED_HORSE2ZEBRA
from demos.cyclegan.views import error_heatmap, wipe
from demos.errors import WeightsUnavailable
from demos.images import load_image
from tests.conftest import require_shared
from tests.cyclegan_support import (
    COMPRESSED_ARTIFACT,
    place_compressed_generator,
    place_samples,
)

ZEBRA = 340          # ImageNet class index
HORSE_CONVS = [1, 4, 7, 19, 22, 26]   # the official resnet_9blocks layout: model.N of every (transposed) conv


def official_keys(n_blocks: int = 9) -> set[str]:
    """The key names of junyanz/pytorch-CycleGAN-and-pix2pix's resnet_9blocks generator (instance norm, no dropout)."""
    keys = {f"model.{i}.{p}" for i in HORSE_CONVS for p in ("weight", "bias")}
    keys |= {f"model.{10 + b}.conv_block.{c}.{p}" for b in range(n_blocks) for c in (1, 5) for p in ("weight", "bias")}
    return keys


def with_running_stats(state: dict, prefix: str = "") -> dict:
    """``state`` as PyTorch 0.3 saved it: every InstanceNorm with running statistics (and 0.4's counter)."""
    old = {prefix + k: v for k, v in state.items()}
    norms = [2, 5, 8, 20, 23] + [f"{10 + b}.conv_block.{i}" for b in range(9) for i in (2, 6)]
    for norm in norms:
        old[f"{prefix}model.{norm}.running_mean"] = torch.zeros(4)
        old[f"{prefix}model.{norm}.running_var"] = torch.ones(4)
        old[f"{prefix}model.{norm}.num_batches_tracked"] = torch.tensor(0)
    return old


@pytest.fixture(scope="module")
def full() -> cyclegan.ResnetGenerator:
    torch.manual_seed(0)
    return cyclegan.ResnetGenerator().eval()


@pytest.fixture(scope="module")
def compressed():
    return cyclegan.load_generator(path=require_shared("cyclegan", "horse2zebra_ganCompression_compressed_latest_net_G.pth"),
                                   device="cpu")


def photo(width: int = 90, height: int = 60) -> Image.Image:
    """A deterministic, non-square test picture."""
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


# --- architectures -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 3, 36, 52), (2, 3, 20, 16)])
def test_full_generator_keeps_the_shape(full, shape):
    with torch.inference_mode():
        out = full(torch.rand(shape) * 2 - 1)
    assert out.shape == shape
    assert out.abs().max() <= 1


def test_full_generator_has_the_official_keys_and_size(full):
    assert set(full.state_dict()) == official_keys()
    assert cyclegan.parameter_count(full) == 11_378_179      # 45.5 MB of float32, as the official files


def test_compressed_generator_keeps_the_shape():
    net = cyclegan.SubMobileResnetGenerator().eval()
    with torch.inference_mode():
        assert net(torch.zeros(1, 3, 44, 28)).shape == (1, 3, 44, 28)
    assert cyclegan.parameter_count(net) == 356_867


def test_official_checkpoint_with_running_stats_loads(full, tmp_path):
    """Old checkpoints carry InstanceNorm running statistics (and DataParallel's prefix): dropped on load."""
    for name, state in (("old.pth", with_running_stats(full.state_dict())),
                        ("parallel.pth", with_running_stats(full.state_dict(), "module."))):
        path = tmp_path / name
        torch.save(state, path, _use_new_zipfile_serialization=False)   # the legacy format of 2017
        loaded = cyclegan.load_generator(path=path, device="cpu")
        assert isinstance(loaded, cyclegan.ResnetGenerator)
        x = torch.rand(1, 3, 24, 32) * 2 - 1
        with torch.inference_mode():
            assert torch.equal(loaded(x), full(x))


def test_clean_state_dict_drops_only_stale_statistics(full):
    cleaned = cyclegan.clean_state_dict(with_running_stats(full.state_dict(), "module."))
    assert set(cleaned) == official_keys()


def test_a_file_of_another_network_is_refused_clearly(tmp_path):
    wrong = tmp_path / "wrong.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, wrong)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    for path in (wrong, garbage):
        with pytest.raises(cyclegan.CheckpointError) as caught:
            cyclegan.load_generator(path=path, device="cpu")
        assert caught.value.key == "cyclegan.bad_checkpoint" and path.name in str(caught.value)


def test_the_real_compressed_checkpoint_is_read_as_its_architecture(compressed):
    assert isinstance(compressed, cyclegan.SubMobileResnetGenerator)
    assert cyclegan.parameter_count(compressed) == 356_867
    state = compressed.state_dict()
    rebuilt = cyclegan.SubMobileResnetGenerator(COMPRESSED_HORSE2ZEBRA)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in state.items()}


def test_compressed_is_an_order_of_magnitude_cheaper():
    full_params, full_macs = cyclegan.architecture_cost("horse2zebra")
    small_params, small_macs = cyclegan.architecture_cost("horse2zebra_compressed")
    assert full_params == 11_378_179 and small_params == 356_867
    assert full_macs / small_macs > 10


# --- sizes and translate -------------------------------------------------------------------------

@pytest.mark.parametrize("width,height,size", [(587, 427, 256), (427, 587, 256), (1500, 1220, 512), (50, 20, 256),
                                               (4000, 30, 256)])
def test_working_size_keeps_the_aspect_in_multiples_of_4(width, height, size):
    w, h = cyclegan.working_size(width, height, size)
    assert w % 4 == 0 and h % 4 == 0 and min(w, h) >= 8
    ow, oh = cyclegan.output_size(width, height, size)
    assert max(ow, oh) == size
    assert abs(ow / oh - width / height) <= width / height * (1 / min(ow, oh) + 1e-9)
    assert abs(w - ow) <= 2 or min(w, h) == 8


def test_translate_returns_the_input_aspect_and_is_deterministic(full):
    image = photo(90, 60)
    first = cyclegan.translate(image, size=64, generator=full)
    assert isinstance(first, Image.Image) and first.mode == "RGB"
    assert first.size == (64, 43)                      # 90:60 at 64 on the longer side
    assert np.array_equal(np.asarray(first), np.asarray(cyclegan.translate(image, size=64, generator=full)))


def test_translate_timed_reports_sizes_and_time(full):
    result = cyclegan.translate_timed(photo(60, 90), size=48, generator=full, precision="float32")
    assert result.image.size == result.input.size == (32, 48)
    assert result.work_size == (32, 48) and result.seconds > 0 and result.dtype == "float32"


def test_bfloat16_stays_close_to_float32(full):
    image = photo(64, 48)
    exact = np.asarray(cyclegan.translate(image, size=64, generator=full, precision="float32"), dtype=float)
    fast = np.asarray(cyclegan.translate(image, size=64, generator=full, precision="bfloat16"), dtype=float)
    assert np.abs(exact - fast).mean() < 3      # grey levels out of 255


def test_cycle_reports_the_reconstruction_error(full):
    torch.manual_seed(1)
    backward = cyclegan.ResnetGenerator().eval()
    trip = cyclegan.cycle(photo(80, 48), full, backward, size=40)
    assert trip.reconstruction.size == trip.forward.image.size == (40, 24)
    assert trip.error_map.shape == (24, 40)
    assert 0 < trip.error <= 1 and np.isclose(trip.error, trip.error_map.mean(), atol=1e-6)


def test_sizes_offered_by_device():
    assert cyclegan.default_size(torch.device("cpu")) == 256
    assert cyclegan.size_choices(torch.device("cpu"))[-1] == 512
    assert cyclegan.size_choices(torch.device("cuda"))[-1] == 1024
    assert cyclegan.default_size(torch.device("cuda")) <= 1024


def test_missing_weights_raise_with_a_how_to(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(WeightsUnavailable) as caught:
        cyclegan.translate(photo(), model="zebra2horse")
    assert "demos.fetch --only cyclegan" in str(caught.value)
    with pytest.raises(KeyError, match="horse2zebra"):
        cyclegan.translate(photo(), model="cat2dog")


# --- catalogue -----------------------------------------------------------------------------------

def test_every_generator_is_in_the_catalogue_with_its_source():
    for info in cyclegan.GENERATORS.values():
        artifact = weights.get(info.artifact)
        assert artifact.demo == "cyclegan" and artifact.license and artifact.urls
        if info.architecture == "resnet_9blocks":
            assert artifact.urls == (f"http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{info.id}.pth",)
        if info.inverse is not None:
            assert cyclegan.get_info(info.inverse).target == info.source


def test_shared_files_match_the_catalogue(tmp_path):
    require_shared("cyclegan")
    placed = place_samples(tmp_path)
    assert len(placed) >= 6
    for artifact_id in placed:
        artifact = weights.get(artifact_id)
        digest = hashlib.sha256((tmp_path / artifact.filename).read_bytes()).hexdigest()
        assert digest == artifact.sha256
    assert place_compressed_generator(tmp_path).stat().st_size == weights.get(COMPRESSED_ARTIFACT).size


# --- views ---------------------------------------------------------------------------------------

def test_wipe_and_heatmap():
    black, white = Image.new("RGB", (20, 10), "black"), Image.new("RGB", (20, 10), (200, 200, 200))
    mixed = np.asarray(wipe(black, white, 0.5, line=0))
    assert (mixed[:, :10] == 0).all() and (mixed[:, 10:] == 200).all()
    assert np.asarray(wipe(black, white, 0.0)).min() == 200
    heat = error_heatmap(np.array([[0.0, 0.5]]), size=(4, 2))
    assert heat.size == (4, 2) and heat.mode == "RGB"


# --- real weights --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mobilenet():
    import torchvision

    net = torchvision.models.mobilenet_v2()
    net.load_state_dict(torch.load(require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth"),
                                   weights_only=True))
    return net.eval(), torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.transforms()


def zebra_score(classifier, image: Image.Image) -> tuple[float, bool]:
    """P(zebra) and whether zebra is in the top 5."""
    net, transform = classifier
    with torch.inference_mode():
        probabilities = net(transform(image)[None]).softmax(1)[0]
    return float(probabilities[ZEBRA]), ZEBRA in probabilities.topk(5).indices.tolist()


def test_real_compressed_generator_turns_horses_into_zebras(tmp_path, monkeypatch, mobilenet):
    """Through the public API and the catalogue, as a user would: translate(image, model=...)."""
    horses = sorted(require_shared("cyclegan", "test_images", "horse").iterdir())
    place_compressed_generator(tmp_path)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    before, after, top5 = [], [], 0
    for path in horses:
        image = load_image(path)
        zebra = cyclegan.translate(image, model="horse2zebra_compressed", size=256)
        assert max(zebra.size) == 256
        assert abs(zebra.size[0] / zebra.size[1] - image.size[0] / image.size[1]) < 0.02
        p_in, _ = zebra_score(mobilenet, image)
        p_out, in_top5 = zebra_score(mobilenet, zebra)
        before.append(p_in)
        after.append(p_out)
        top5 += in_top5
    assert len(horses) >= 5
    assert all(b < 0.05 for b in before), before              # horses are not zebras to begin with
    assert all(a > b + 0.3 for a, b in zip(after, before)), (before, after)
    assert top5 >= 0.8 * len(horses), after
