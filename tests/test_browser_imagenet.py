"""The ImageNet page in a real browser: pick the Labrador sample, read MobileNetV2's top 15."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import click, no_error_box, screenshot, wait_until_idle
from tests.conftest import require_shared

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label`` (type to filter, then Enter)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    click(page, box.locator("input"))
    box.locator("input").fill(option)
    page.get_by_role("option", name=option).first.click()     # the list is open: no rerun in between
    wait_until_idle(page)                                      # the page has redrawn with the choice


def test_sample_gives_the_top_15(page, app_url):
    require_shared("imagenet-samples", "original")
    require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth")
    page.goto(f"{app_url}/imagenet?lang=en")
    page.get_by_text("What does a pretrained network see?").wait_for(timeout=60_000)
    choose(page, "Network", "MobileNetV2")
    choose(page, "Sample image", "Labrador retriever")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for(timeout=60_000)
    page.get_by_text("Where does it look?").wait_for(timeout=60_000)
    click(page, page.get_by_text("As printed in the lecture").first)
    printout = page.locator('[data-testid="stCode"]').first
    printout.wait_for(timeout=10_000)
    lines = [line for line in printout.inner_text().splitlines() if line.startswith("#")]
    assert len(lines) == 15 and lines[0].endswith("Labrador retriever")
    expect(chart.locator("g.point")).to_have_count(15)
    page.wait_for_timeout(1000)     # let the images and chart settle for the screenshot
    no_error_box(page)
    screenshot(page, "imagenet_en")
