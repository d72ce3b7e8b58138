"""`python -m demos.fetch --import`: the files a lecturer brings, recognised by what they are, not by their names."""
from __future__ import annotations

import shutil

import torch

from demos import fetch, weights
from demos.cyclegan.generators import ResnetGenerator
from demos.style import fast
from tests.conftest import REPO, require_shared


def test_a_usb_stick_of_released_files_lands_where_the_app_looks(tmp_path, monkeypatch, capsys):
    stick, folder = tmp_path / "stick", tmp_path / "weights"
    stick.mkdir()
    for name in ("candy.pth", "mosaic.pth", "picasso.pth"):    # mmalotin's names: pytorch/examples' too
        shutil.copy(require_shared("style", "mobilenetv2_fnst", name), stick / name)
    shutil.copy(require_shared("cyclegan", "horse2zebra_ganCompression_compressed_latest_net_G.pth"),
                stick / "latest_net_G.pth")                       # GAN Compression's released name
    shutil.copy(require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth"), stick / "mobilenet.pth")
    (stick / "notes.txt").write_text("slides for Tuesday")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(folder))

    assert fetch.main(["--import", str(stick)]) == 1              # one file was not recognised: said so
    out, err = capsys.readouterr()
    for artifact in ("style-fast-candy-mobilenet", "style-fast-mosaic-mobilenet", "style-fast-picasso-mobilenet",
                     "cyclegan-horse2zebra-compressed", "imagenet-mobilenet_v2"):
        assert weights.status(artifact) == "local", artifact
        assert artifact in out
    for artifact in ("style-fast-candy", "style-fast-mosaic"):   # not taken for pytorch/examples' networks
        assert weights.status(artifact) == "missing"
    assert "notes.txt: not recognised" in err


def test_the_architecture_is_read_from_the_tensors_and_the_name_only_picks_the_style(tmp_path, monkeypatch):
    stick, folder = tmp_path / "stick", tmp_path / "weights"
    stick.mkdir()
    torch.save(fast.TransformerNet().state_dict(), stick / "my copy of UDNIE.pth")
    torch.save(fast.TransformerMobileNet().state_dict(), stick / "candy.pth")
    torch.save(ResnetGenerator().state_dict(), stick / "zebra2horse_latest.pth")
    torch.save(torch.load(REPO / "assets" / "mnist_cnn.pt", weights_only=True), stick / "model.bin")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(folder))
    assert fetch.main(["--import", str(stick)]) == 0
    assert (folder / weights.get("style-fast-udnie").filename).is_file()
    assert (folder / weights.get("style-fast-candy-mobilenet").filename).is_file()
    assert not (folder / weights.get("style-fast-candy").filename).exists()
    assert (folder / weights.get("cyclegan-zebra2horse").filename).is_file()
    assert (folder / weights.get("mnist-cnn").filename).is_file()


def test_an_mmalotin_network_under_the_pytorch_examples_name_is_not_passed_off_as_it(tmp_path, monkeypatch):
    import pytest

    from demos.style.fast import FastStyleError, load_fast_model

    target = tmp_path / weights.get("style-fast-candy").filename   # where pytorch/examples' candy.pth goes
    target.parent.mkdir(parents=True)
    shutil.copy(require_shared("style", "mobilenetv2_fnst", "candy.pth"), target)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FastStyleError) as caught:
        load_fast_model("candy")
    assert caught.value.key == "style.fast.other_network" and "--import" in str(caught.value)


def test_the_style_menu_promises_no_download_that_cannot_happen():
    """Offline (as every test is), or for pytorch/examples' zip-only files: "to copy" and the --import hint, never ⬇️."""
    from tests.apptest_support import app_page

    at = app_page("style")
    at.run()
    options = at.selectbox(key="style_fast_model").options
    assert any(o.startswith("Candy") and o.endswith(" · to copy") for o in options), options
    assert not any("⬇️" in o for o in options), options
    assert any("--import" in c.value for c in at.caption)
