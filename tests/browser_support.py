"""Fixtures for the real-browser tests: one `streamlit run app.py` server and one chromium.

Debian's chromium (apt-get install chromium) is driven by Playwright; its own
browser download cannot work here. Outside CI the tests skip without chromium.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support import lecture_preset_results, require_package

SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but Debian's chromium is not installed (apt-get install -y chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp_path_factory) -> dict[str, str]:
    """The app server's environment: offline, its own cache, and the shared test data when present.

    With ``../shared/data``: the ImageNet sample gallery reads its labelled
    samples, and a weights folder holds the real MobileNetV2 state_dict under
    its official torchvision file name (copied at test time, never committed).
    """
    from tests.conftest import SHARED_DATA

    env = {**os.environ, "DLDEMOS_DEVICE": "cpu", "DLDEMOS_OFFLINE": "1",
           "DLDEMOS_CACHE_DIR": str(tmp_path_factory.mktemp("server-cache"))}
    env.pop("DLDEMOS_WEIGHTS_DIR", None)
    samples = SHARED_DATA / "imagenet-samples" / "original"
    mobilenet = SHARED_DATA / "weights" / "mobilenet_v2_imagenet_dequantized.pth"
    if samples.is_dir():
        env["DLDEMOS_SAMPLES_DIR"] = str(samples)
    if mobilenet.is_file():
        from demos.imagenet import get_spec

        local = tmp_path_factory.mktemp("server-weights")
        shutil.copy(mobilenet, local / get_spec("mobilenet_v2").filename)
        env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    if (SHARED_DATA / "cyclegan").is_dir():
        # CycleGAN: GAN Compression's horse→zebra generator and the sample photos, under their catalogue names.
        from tests.cyclegan_support import place_compressed_generator, place_samples

        local = Path(env.get("DLDEMOS_WEIGHTS_DIR") or tmp_path_factory.mktemp("server-weights"))
        place_compressed_generator(local)
        place_samples(local)
        env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    if (SHARED_DATA / "style").is_dir():
        # Style transfer: the MobileNetV2 fast-style networks and the sample paintings, under their catalogue names.
        from tests.style_support import place_mobilenet_styles
        from tests.style_support import place_samples as place_style_samples

        local = Path(env.get("DLDEMOS_WEIGHTS_DIR") or tmp_path_factory.mktemp("server-weights"))
        place_mobilenet_styles(local)
        place_style_samples(local)
        env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    if (SHARED_DATA / "mnist" / "MNIST" / "raw").is_dir():
        # Attention sampling: the MNIST test digits its Megapixel MNIST images are made of, under their catalogue names.
        from demos import weights

        local = Path(env.get("DLDEMOS_WEIGHTS_DIR") or tmp_path_factory.mktemp("server-weights"))
        for artifact_id in ("mnist-test-images", "mnist-test-labels"):
            name = Path(weights.get(artifact_id).filename).name
            shutil.copy(SHARED_DATA / "mnist" / "MNIST" / "raw" / name, local / name)
        env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    return env


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    port = free_port()
    env = server_env(tmp_path_factory)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    playwright_api = require_package("playwright.sync_api")
    executable = chromium_path()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    yield page
    page.close()




def no_error_box(page, visible_only: bool = False) -> None:
    """Fail when the page shows a Streamlit exception or an error message.

    ``visible_only``: ignore error messages in a hidden tab (one may explain a
    file that tab needs and the server lacks).
    """
    assert page.locator('[data-testid="stException"]').count() == 0
    shown = page.locator('[data-testid="stAlertContentError"]' + (":visible" if visible_only else ""))
    assert shown.count() == 0, shown.first.inner_text()


def wait_until_idle(page, quiet_ms: int = 1500, timeout_ms: int = 60_000) -> None:
    """Wait until no script has run on the page for ``quiet_ms``.

    Streamlit shows its status widget only while a script (or a fragment) runs. A
    click that lands during a rerun can be lost, e.g. a download whose data the
    rerun has already discarded.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the page was still running after {timeout_ms / 1000:.0f} s")


def click(page, target) -> None:
    """Click ``target`` once the page is idle: a click landing during a rerun can be lost (or hit a moving element)."""
    wait_until_idle(page, quiet_ms=400)
    target.click()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def shows_the_lecture_results(page, lang: str = "en") -> None:
    """Both lines of the preset, each with the w and L that 20 steps of its η give (not just the button's label)."""
    for label, (w, loss) in lecture_preset_results(lang).items():
        line = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=label).filter(
            has_text=w).filter(has_text=loss)
        line.first.wait_for(timeout=30_000)
