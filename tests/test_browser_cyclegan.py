"""The CycleGAN page in a real browser: a sample horse, then an uploaded one, become zebras."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import click, no_error_box, screenshot
from tests.conftest import require_shared

pytestmark = pytest.mark.browser


def test_uploaded_horse_becomes_a_zebra(page, app_url):
    horse = require_shared("cyclegan", "test_images", "horse", "horse_dlwpt.jpg")   # 1500×1220
    page.goto(f"{app_url}/cyclegan?lang=en")
    page.get_by_text("Turn a horse into a zebra, and back").wait_for(timeout=60_000)
    # The sample gallery comes first: its first horse photo (587×427) is translated at once, in fast mode.
    page.get_by_text("256×184 pixels").wait_for(timeout=60_000)
    no_error_box(page)
    click(page, page.locator('[data-testid="stRadio"]').get_by_text("Upload", exact=True))
    page.locator('input[type="file"]').set_input_files(str(horse))
    page.get_by_text("256×208 pixels").wait_for(timeout=60_000)
    page.get_by_text("Your photo (Horse)").wait_for()
    images = page.locator('[data-testid="stImage"] img')
    expect(page.get_by_role("button", name="Download the result (PNG)")).to_have_count(1)   # waits: elements stream in
    expect(images).to_have_count(3)                    # input, result, before/after
    page.wait_for_timeout(1000)                        # let the images load for the screenshot
    no_error_box(page)
    screenshot(page, "cyclegan_en")
