"""The training scripts a maintainer runs to remake the shipped networks, on a few hundred digits.

Each one is run as ``python -m ...`` would run it (its ``main``), briefly; the
test checks what the maintainer relies on: the weights file loads in the app,
and its card says what was measured.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from demos.cards import read_card
from tests.support import mnist_test_digits, write_mnist_subset


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    return write_mnist_subset(tmp_path_factory.mktemp("mnist"), n_train=2000, n_test=500)


def test_mnist_training_script_writes_weights_the_app_reads_and_a_card(small_mnist, tmp_path, capsys):
    from demos import mnist
    from demos.mnist import train

    out = tmp_path / "mnist_cnn.pt"
    train.main(["--data", str(small_mnist), "--out", str(out), "--epochs", "0.5", "--seed", "1"])
    card = read_card(out)
    assert card["settings"]["steps"] == 234 and 0 < card["test_error"] < 0.3
    model = mnist.load_model(out)
    images, labels = mnist_test_digits()
    read = np.array([mnist.read(image, model).prediction for image in images[1000:1100]])
    assert np.mean(read == labels[1000:1100]) > 0.7                 # digits it never saw
    assert "step 234/234" in capsys.readouterr().out


def test_gan_training_script_saves_snapshots_and_measures_itself(small_mnist, tmp_path):
    from demos.gan import conditional, train_conditional

    out = tmp_path / "mnist_cgan.pt"
    train_conditional.main(["--data", str(small_mnist), "--out", str(out), "--epochs", "1", "--snapshots", "1"])
    card = read_card(out)
    assert card["epochs"] == 1 and card["snapshots"] == [1] and len(card["per_epoch"]) == 1
    assert 0 <= card["recognised_1000"] <= 1
    assert (tmp_path / "gan_progress" / "epoch_01.png").is_file()
    generator = conditional.load_generator(out)
    score = conditional.recognisability(generator, n=1000, seed=0)
    assert score == pytest.approx(card["recognised_1000"], abs=0.02)   # the card says what the file does


def test_attention_training_script_runs_its_stages_and_writes_a_model(small_mnist, tmp_path):
    from demos import attention_sampling
    from demos.attention_sampling import train

    out = tmp_path / "attention_sampling.pt"
    train.main(["--data", str(small_mnist), "--out", str(out), "--steps", "2", "--pretrain-steps", "2",
                "--ink-steps", "1", "--sharpen", "1:5e-4:-0.02", "--test-images", "2", "--eval-images", "2"])
    summary = read_card(out)
    assert summary["recipe"]["steps"] == 2 and summary["recipe"]["sharpen"] == [[1, 5e-4, -0.02]]
    assert 0 <= summary["test_error"] <= 1 and summary["history"]
    assert summary["k"] == attention_sampling.DEFAULT_K, "the card states the error at the K the page reads with"
    model = attention_sampling.load_model(out)
    image, _, _ = attention_sampling.make_sample(0, digits=mnist_test_digits())
    assert attention_sampling.read(image, model=model).probabilities.shape == (10,)


def test_autoencoder_training_script_writes_what_the_page_loads(small_mnist, tmp_path):
    from demos.representations import autoencoder

    out = tmp_path / "representations.pt"
    autoencoder.main(["--data", str(small_mnist), "--epochs", "1", "--out", str(out)])
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["epochs"] == 1 and set(report) >= {f"d{d}" for d in autoencoder.DIMENSIONS}
    models, pca = autoencoder.load(str(out))
    assert sorted(models) == list(autoencoder.DIMENSIONS) and pca.components.shape == (32, 784)


def test_tsne_maps_script_writes_maps_the_page_loads(small_mnist, tmp_path):
    from demos.representations import tsne

    out = tmp_path / "maps.npz"
    tsne.main(["--data", str(small_mnist), "--digits", "150", "--steps", "100", "--out", str(out)])
    maps = tsne.shipped_maps(str(out))
    assert list(maps) == list(tsne.LAYERS) and all(len(m.coords) == 150 for m in maps.values())
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["digits"] == 150 and set(report["neighbour_accuracy"]) == set(tsne.LAYERS)


def test_gallery_script_writes_pictures_and_their_index(tmp_path):
    from demos.feature_vis import gallery
    from tests.conftest import require_shared

    gallery.main(["--weights", str(require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth")),
                  "--out", str(tmp_path), "--class-steps", "2", "--channel-steps", "1"])
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index) == 4 + 12 and all((tmp_path / entry["file"]).is_file() for entry in index)
    assert all(0 <= entry["probability"] <= 1 for entry in index if entry["target_class"] is not None)


def test_attention_finetuning_resumes_where_a_chunk_stopped_and_exports_the_best(small_mnist, tmp_path):
    import torch

    from demos import attention_sampling
    from demos.attention_sampling import finetune

    out = tmp_path / "attention_sampling.pt"
    common = ["--data", str(small_mnist), "--checkpoint", str(tmp_path / "ckpt" / "finetune.pt"), "--steps", "4",
              "--eval-every", "2", "--save-every", "1", "--batch", "2", "--k", "3", "--validation-images", "4"]
    finetune.main([*common, "--chunk-steps", "3"])            # a session ends here...
    first = torch.load(tmp_path / "ckpt" / "finetune.pt", weights_only=True)
    assert first["step"] == 3 and [r["step"] for r in first["history"]] == [2]
    finetune.main([*common, "--export", str(out), "--test-images", "2"])   # chunk 1 shipped
    finetune.main(common)                                      # ...the next one goes on from step 3
    second = torch.load(tmp_path / "ckpt" / "finetune.pt", weights_only=True)
    assert second["step"] == 4 and [r["step"] for r in second["history"]] == [2, 4]
    finetune.main([*common, "--export", str(out), "--test-images", "2"])
    card = read_card(out)
    assert card["finetune"]["best_step"] in (2, 4) and set(card["finetune"]["test_errors"]) == {"k3", "k10",
                                                                                  f"k{attention_sampling.DEFAULT_K}"}
    assert card["k"] == attention_sampling.DEFAULT_K, "the card states the error at the K the page uses"
    assert [r["step"] for r in card["history"] if r["run"] == "finetune"] == [2, 4], "each step once in the card"
    assert attention_sampling.load_model(out) is not None
