"""Real-browser test of the gradient-descent and playground pages (chromium through Playwright)."""
from __future__ import annotations

import pytest

from tests.browser_support import no_error_box, screenshot

pytestmark = pytest.mark.browser


def test_gradient_descent_lecture_preset(page, app_url):
    page.goto(f"{app_url}/gradient_descent?lang=en")
    page.get_by_role("button", name="η = 0.5").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Lecture: η = 0.125 vs η = 0.5").click()
    page.get_by_text("after 20 steps").first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.mouse.move(0, 0)                  # no tooltip of the button in the screenshot
    page.wait_for_timeout(1500)            # let plotly draw before the screenshot
    no_error_box(page)
    assert page.get_by_text("η = 0.5").count() > 0
    screenshot(page, "gradient_descent_en")


def test_gradient_descent_2d_divergence_is_shown(page, app_url):
    page.goto(f"{app_url}/gradient_descent?lang=en&gd_mode=2d&gd_surface=quadratic&gd_lr=0.25")
    page.get_by_text("diverged").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)     # the map and the loss curve
    page.wait_for_timeout(1500)
    no_error_box(page)
    screenshot(page, "gradient_descent_2d_en")


def test_playground_step_and_run(page, app_url):
    page.goto(f"{app_url}/playground?lang=en")
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=60_000)
    metric = page.locator('[data-testid="stMetricValue"]').first
    metric.wait_for(timeout=30_000)
    step.click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText.trim() === '1'", timeout=30_000)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(   # the fragment trains live: the epoch counter keeps moving
        "() => parseInt(document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText) >= 30", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(1500)
    no_error_box(page)
    screenshot(page, "playground_en")
