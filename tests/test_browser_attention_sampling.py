"""The attention-sampling page in a real browser: a Megapixel MNIST image, its attention and patches, in both languages."""
from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser_support import click, no_error_box, screenshot, wait_until_idle
from tests.conftest import require_shared

pytestmark = pytest.mark.browser


def whole_page(page) -> None:
    """A viewport tall enough for the whole page in the screenshot (Streamlit scrolls inside its own frame)."""
    page.set_viewport_size({"width": 1280, "height": 2600})


def test_english_page_shows_patches_and_the_full_image_baseline(page, app_url):
    require_shared("mnist", "MNIST", "raw")     # the server finds the MNIST test digits there
    whole_page(page)
    page.goto(f"{app_url}/attention_sampling?lang=en")
    page.get_by_text("Read a megapixel image through twenty small patches").wait_for(timeout=60_000)
    page.get_by_text("The 20 patches of 50×50 pixels").wait_for(timeout=60_000)
    expect(page.locator('[data-testid="stImage"] img')).to_have_count(23, timeout=60_000)     # input, attention, its colour scale, 20 patches
    no_error_box(page)
    click(page, page.get_by_role("button", name="Run the CNN on the full image"))
    # the time and memory ratios, once the full-image CNN has run (a few seconds on a busy CPU)
    expect(page.get_by_text("× attention sampling")).to_have_count(2, timeout=60_000)
    expect(page.get_by_text("only ever learnt from sampled patches")).to_be_visible()
    wait_until_idle(page)                       # the job's end reruns the page once
    with page.expect_download(timeout=60_000) as download:     # the PNG is built only now, at full resolution
        click(page, page.get_by_role("button", name="Download the image with its overlays"))
    with Image.open(download.value.path()) as png:
        assert png.size == (1500, 1500) and png.mode == "RGB"
    page.mouse.move(0, 0)                       # no tooltip of the button in the screenshot
    page.wait_for_timeout(1000)                 # let the images load for the screenshot
    no_error_box(page)
    screenshot(page, "attention_sampling_en")


def test_french_page(page, app_url):
    require_shared("mnist", "MNIST", "raw")
    whole_page(page)
    page.goto(f"{app_url}/attention_sampling?lang=fr")
    page.get_by_text("Lire une image géante par vingt petits morceaux").wait_for(timeout=60_000)
    page.get_by_text("Les 20 morceaux de 50×50 pixels").wait_for(timeout=60_000)
    expect(page.locator('[data-testid="stImage"] img')).to_have_count(23, timeout=60_000)
    page.wait_for_timeout(1000)
    no_error_box(page)
    screenshot(page, "attention_sampling_fr")
