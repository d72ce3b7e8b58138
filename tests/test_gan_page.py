"""The GAN page in Streamlit's AppTest: offline, BigGAN is missing with a clear message, the MNIST GAN works."""
from __future__ import annotations

import io
import threading

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page, image_captions
from tests.conftest import require_shared
from tests.gan_support import save_random_biggan
from tests.support import Downloads, require_package

TIMEOUT = 120


def gan_page(lang: str = "en") -> AppTest:
    return app_page("gan", lang, TIMEOUT)


def test_page_runs_offline_biggan_missing_mnist_gan_works():
    at = gan_page().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "BigGAN-deep 128×128" in errors[0] and "demos.fetch --only gan" in errors[0]
    assert len(at.tabs) == 2
    assert len(at.image) >= 3                # digits grid, a snapshot of training, the walk
    assert at.select_slider(key="gan_epoch").options[0] == "1"


def image_urls(at: AppTest) -> list[str]:
    """Streamlit names each image by its content: another picture, another address."""
    return [img.url for image in at.image for img in image.proto.imgs]


def all_captions(at: AppTest) -> str:
    return "\n".join(image_captions(at))


def test_changing_digits_seed_epoch_and_walk_changes_what_is_shown(monkeypatch):
    downloads = Downloads(monkeypatch)
    at = gan_page().run()
    digits, snapshot, walk = image_urls(at)
    at.button_group(key="gan_digits").set_value([3, 5]).run()
    assert "2 digits generated" in all_captions(at)
    assert image_urls(at)[0] != digits
    name, png = downloads.of(at, 0)
    grid = Image.open(io.BytesIO(png))
    assert name == "gan_digits.png" and grid.height > grid.width     # two columns of digits, not ten
    two_digits = image_urls(at)[0]
    at.number_input(key="gan_seed").set_value(7).run()
    assert image_urls(at)[0] != two_digits
    at.select_slider(key="gan_epoch").set_value(1).run()
    assert image_urls(at)[1] != snapshot and "after 1 epoch" in all_captions(at)
    at.slider(key="gan_walk_step").set_value(8).run()
    assert image_urls(at)[2] != walk
    name, gif = downloads.of(at, 1)
    frames = Image.open(io.BytesIO(gif))
    steps = at.slider(key="gan_walk_step").max + 1
    assert name == "gan_walk.gif" and frames.n_frames == 2 * steps - 2      # there and back
    assert not at.exception and len(at.error) == 1   # only BigGAN's missing weights


def test_french_page():
    at = gan_page("fr").run()
    assert not at.exception
    assert at.title[0].value == "Réseaux antagonistes génératifs (GAN)"
    assert "python -m demos.fetch --only gan" in at.error[0].value


@pytest.fixture(scope="module")
def biggan_dir(tmp_path_factory):
    """A weights folder holding biggan-deep-128 (random weights) where the catalogue looks for it."""
    require_package("pytorch_pretrained_biggan")
    root = tmp_path_factory.mktemp("weights")
    save_random_biggan(root / "gan" / "biggan-deep-128")
    return root


def test_biggan_tab_generates_a_grid_and_a_walk(biggan_dir, monkeypatch):
    downloads = Downloads(monkeypatch)
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    at = gan_page().run()
    assert not at.exception and not at.error
    assert any("image(s) take about" in c.value for c in at.caption)      # the honest CPU estimate
    at.multiselect(key="gan_big_classes").set_value(["mushroom", "garter snake"]).run()
    at.button(key="gan_big_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["gan_big_job"].wait(120)     # the job ran in the server's queue
    at.run()
    assert not at.exception and not at.error
    assert "mushroom, garter snake" in all_captions(at)
    name, png = downloads.of(at, len(at.download_button) - 1)
    assert name == "biggan.png" and Image.open(io.BytesIO(png)).size[0] >= 2 * 128    # two classes side by side
    at.slider(key="gan_big_walk_steps").set_value(3).run()
    at.button(key="gan_big_walk_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["gan_big_walk_job"].wait(120)
    at.run()
    assert not at.exception and not at.error
    first = image_urls(at)
    at.slider(key="gan_big_walk_frame").set_value(2).run()
    assert not at.exception and image_urls(at) != first          # another frame of the walk
    assert at.slider(key="gan_big_walk_frame").max == 2           # three steps, three frames
    name, gif = downloads.of(at, len(at.download_button) - 1)
    assert name == "biggan_walk.gif" and Image.open(io.BytesIO(gif)).n_frames == 4   # there and back


def test_unknown_typed_class_is_reported(biggan_dir, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    at = gan_page().run()
    at.multiselect(key="gan_big_classes").set_value(["mushroom", "zzzz"]).run()
    assert not at.exception
    assert len(at.error) == 1 and "zzzz" in at.error[0].value


def test_live_training_shows_the_grid_at_several_moments(monkeypatch):
    """The page runs demos.gan.train_live (shortened here: its figure is tested in test_gan) and keeps 4 grids."""
    import dataclasses

    from demos.gan import train_conditional

    raw = require_shared("mnist", "MNIST", "raw")
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(raw))      # the idx files under their own names
    monkeypatch.setattr(train_conditional, "LIVE", dataclasses.replace(train_conditional.LIVE, steps=160))
    at = gan_page().run()
    images_before = len(at.image)
    at.button(key="gan_live").click().run()
    assert not at.exception
    assert at.session_state["gan_live_job"].wait(600)   # minutes when other jobs load the machine
    at.run()
    assert not at.exception
    assert any("Done in" in s.value for s in at.success)
    captions = image_captions(at)
    assert [c.split(" · ")[0] for c in captions if c.startswith("Step ")] == ["Step 10", "Step 20", "Step 60", "Step 160"]
    assert len(at.image) == images_before + 4


def test_too_many_images_for_one_click_is_a_warning_not_a_button(biggan_dir, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    monkeypatch.setenv("DLDEMOS_MAX_IMAGES", "3")
    at = gan_page().run()
    at.multiselect(key="gan_big_classes").set_value(["mushroom", "garter snake"]).run()
    at.number_input(key="gan_big_n").set_value(2).run()               # 2 classes × 2 = 4 > 3
    assert [w.value for w in at.warning] == [
        "4 images is more than this server makes at once (at most 3): choose fewer classes or fewer images per class."]
    assert not [b for b in at.button if b.key == "gan_big_go"]
    at.number_input(key="gan_big_n").set_value(1).run()               # 2 ≤ 3: the button is back
    assert not at.warning and at.button(key="gan_big_go")


def test_a_visitor_with_too_many_jobs_and_a_failed_job_get_messages(biggan_dir, monkeypatch):
    """One job per visitor: a second one is refused with a message; a job that breaks says so, no traceback."""
    from demos.gan import biggan
    from demos.jobs import shared_queue

    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(biggan_dir))
    monkeypatch.setenv("DLDEMOS_MAX_SESSION_JOBS", "1")
    monkeypatch.setenv("DLDEMOS_MAX_JOBS", "1")
    gate = threading.Event()
    blocker = shared_queue().submit(lambda job: gate.wait(30), owner="another visitor", kind="test")
    at = gan_page().run()
    at.multiselect(key="gan_big_classes").set_value(["mushroom"]).run()
    at.button(key="gan_big_go").click().run()                        # waits behind the other visitor
    assert at.session_state["gan_big_job"].status == "waiting"
    at.button(key="gan_big_walk_go").click().run()
    assert any("You already have 1 computations waiting or running" in e.value for e in at.error), at.error
    gate.set()
    assert blocker.wait(10) and at.session_state["gan_big_job"].wait(120)

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(biggan, "biggan_generate", out_of_memory)
    at.button(key="gan_big_go").click().run()
    assert at.session_state["gan_big_job"].wait(30)
    at.run()
    assert not at.exception
    assert any("stopped with an error" in e.value and "out of memory" in e.value for e in at.error), at.error
