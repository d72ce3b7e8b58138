"""Real-browser tests: Debian's chromium, driven by Playwright, against `streamlit run app.py`.

Screenshots go to tests/screenshots/ (git-ignored; CI keeps them as artifacts).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import no_error_box, screenshot

pytestmark = pytest.mark.browser


def stroke(page, canvas_box: dict, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through points given in [0, 1] canvas coordinates."""
    to_px = lambda x, y: (canvas_box["x"] + x * canvas_box["width"], canvas_box["y"] + y * canvas_box["height"])
    page.mouse.move(*to_px(*points[0]))
    page.mouse.down()
    for a, b in zip(points, points[1:]):
        for i in range(1, 9):   # many small moves, as a hand does
            t = i / 8
            page.mouse.move(*to_px(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    page.mouse.up()


def test_home_page(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 2300})     # the whole page, readiness table included
    page.goto(f"{app_url}/?lang=en")
    page.get_by_text("What is ready on this machine").wait_for(timeout=60_000)
    table = page.locator('[data-testid="stTable"]').first                      # the readiness table
    expect(table).to_contain_text("Works with no network", timeout=30_000)
    # Every cell whole: the table's right edge inside the page (a data grid cut its last column off).
    assert table.bounding_box()["x"] + table.bounding_box()["width"] <= 1280
    # The cards of a row are as tall as each other, and each says whether it works with no network.
    cards = page.locator('[class*="st-key-card_"]')
    expect(cards.first).to_contain_text("Works with no network")
    heights = {round(cards.nth(i).bounding_box()["height"]) for i in range(3)}
    assert len(heights) == 1, f"cards of the first row: {heights} px tall"
    no_error_box(page)
    screenshot(page, "home_en")


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])     # a laptop, a phone
def test_the_canvas_toolbar_covers_no_button(browser, app_url, width, height):
    """Hovering the canvas shows its undo / clear toolbar above it: the "Camera" button stays clickable."""
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{app_url}/mnist?lang=fr")
        canvas = page.locator("canvas").last
        expect(canvas).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1000)
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
        page.wait_for_timeout(800)                      # the toolbar fades in
        for name in ("Dessin", "Photo", "Caméra"):
            button = page.get_by_role("button", name=name).or_(page.get_by_role("radio", name=name)).first
            b = button.bounding_box()
            on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('button')?.innerText || ''",
                                   [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2])
            assert on_top == name, f"{name} is covered (at {width} px, on top: {on_top!r})"
    finally:
        page.close()


@pytest.mark.parametrize("digit,strokes", [
    ("1", [[(0.5, 0.15), (0.5, 0.85)]]),
    ("7", [[(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]]),
    ("0", [[(0.5, 0.15), (0.3, 0.3), (0.28, 0.6), (0.5, 0.85), (0.7, 0.6), (0.7, 0.3), (0.5, 0.15)]]),
])
def test_drawn_digit_is_read(page, app_url, digit, strokes):
    page.goto(f"{app_url}/mnist?lang=en")
    canvas = page.locator("canvas").last
    canvas.wait_for(timeout=60_000)
    page.get_by_text("Draw a digit (or upload").wait_for()
    box = canvas.bounding_box()
    for points in strokes:
        stroke(page, box, points)
    value = page.locator('[data-testid="stMetricValue"]')
    # waited for: on a busy machine the reading of the blank or half-sent canvas may still be on screen
    expect(value).to_have_text(digit, timeout=30_000)
    page.wait_for_timeout(500)     # let the chart settle for the screenshot
    no_error_box(page)
    screenshot(page, f"mnist_drawn_{digit}")
    if digit == "7":
        screenshot(page, "mnist_en")
