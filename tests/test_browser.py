"""Real-browser tests: Debian's chromium, driven by Playwright, against `streamlit run app.py`.

Screenshots go to tests/screenshots/ (git-ignored; CI keeps them as artifacts).
"""
from __future__ import annotations

import pytest

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
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)   # the readiness table
    page.wait_for_timeout(1000)   # its canvas paints after the element appears
    no_error_box(page)
    screenshot(page, "home_en")


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
    value.wait_for(timeout=30_000)
    page.wait_for_timeout(500)     # let the chart settle for the screenshot
    no_error_box(page)
    screenshot(page, f"mnist_drawn_{digit}")
    if digit == "7":
        screenshot(page, "mnist_en")
    assert value.inner_text().strip() == digit
