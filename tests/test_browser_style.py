"""The style page in a real browser: a sample photo, then an uploaded one, painted by a fast-style network."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import click, screenshot
from tests.conftest import require_shared

pytestmark = pytest.mark.browser


def only_the_vgg19_message(page) -> None:
    """No exception; the one error is the Gatys tab's "VGG19 is not here" (the server is offline, without it)."""
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert all("VGG19" in (errors.nth(i).text_content() or "") for i in range(errors.count()))


def test_uploaded_photo_is_painted_in_fast_mode(page, app_url):
    require_shared("style", "mobilenetv2_fnst")
    photo = require_shared("style", "content_images", "dancing.jpg")   # 444×444
    page.goto(f"{app_url}/style?lang=en")
    page.get_by_text("Paint a photo like Van Gogh").first.wait_for(timeout=60_000)
    # The sample photo (Tübingen) comes first and is painted at once by the first network that is here.
    page.get_by_text("One forward pass in").wait_for(timeout=60_000)
    sources = page.locator('[data-testid="stButtonGroup"]').filter(has_text="Camera").first   # the photo's sources
    click(page, sources.get_by_text("Upload", exact=True))
    page.locator('input[type="file"]').first.set_input_files(str(photo))
    page.get_by_text("at 444×444 pixels").wait_for(timeout=60_000)
    panel = page.locator('[role="tabpanel"]:visible')
    expect(page.get_by_role("button", name="Download the result (PNG)")).to_have_count(1)   # waits: elements stream in
    expect(panel.locator('[data-testid="stImage"] img')).to_have_count(2)     # the photo and the painting
    page.wait_for_timeout(1000)                                                  # let the images load
    only_the_vgg19_message(page)
    screenshot(page, "style_en")
