"""Real-browser test of the gradient-descent and playground pages (chromium through Playwright)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demos import gradient_descent as gd
from tests.browser_support import click, no_error_box, screenshot, shows_the_lecture_results, wait_until_idle

pytestmark = pytest.mark.browser


def test_gradient_descent_lecture_preset(page, app_url):
    page.goto(f"{app_url}/gradient_descent?lang=en")
    page.get_by_role("button", name="η = 0.5").first.wait_for(timeout=60_000)
    click(page, page.get_by_role("button", name="Lecture: η = 0.125 vs η = 0.5"))
    page.get_by_text("after 20 steps").first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.mouse.move(0, 0)                  # no tooltip of the button in the screenshot
    page.wait_for_timeout(1500)            # let plotly draw before the screenshot
    no_error_box(page)
    shows_the_lecture_results(page)
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
    click(page, step)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText.trim() === '1'", timeout=30_000)
    click(page, page.get_by_role("button", name="Run"))
    # The fragment trains live: the epoch counter shows new values without a click (three, whatever the speed).
    seen = set()
    for _ in range(3):
        page.wait_for_function(
            "seen => { const v = document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText.trim();"
            " return v && parseInt(v) > 1 && !seen.includes(v); }", arg=sorted(seen), timeout=60_000)
        seen.add(metric.inner_text().strip())
    assert len(seen) == 3
    click(page, page.get_by_role("button", name="Pause"))
    page.wait_for_timeout(1500)
    no_error_box(page)
    screenshot(page, "playground_en")


def slider_value(page, label: str) -> str:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).first
    return slider.locator('[data-testid="stSliderThumbValue"]').inner_text().strip()


def test_gradient_descent_each_quick_click_counts_and_a_click_on_the_map_moves_the_start(page, app_url):
    page.goto(f"{app_url}/gradient_descent?lang=en&gd_mode=2d&gd_surface=quadratic&gd_steps=5")
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    wait_until_idle(page)
    steps = page.locator('[data-testid="stNumberInput"]').filter(has_text="Number of steps")
    assert steps.locator("input").input_value() == "5"
    more = steps.locator('[data-testid="stNumberInputStepUp"]')
    for _ in range(10):                       # a visitor clicking fast: every click is one more step
        more.click()
    expect(steps.locator("input")).to_have_value("15", timeout=30_000)
    wait_until_idle(page)
    assert steps.locator("input").input_value() == "15"       # and not more: no click counted twice
    # What is drawn follows: the table's last iterate is that of 15 steps, not of 14 or 5.
    end = gd.run_many("quadratic", ("gd", "momentum", "adam"), {"gd": 0.1, "momentum": 0.1, "adam": 0.1},
                      (-2.5, 2.0), 15, condition=10.0, beta=0.9, noise=2.0)["gd"].trajectory[-1]
    expect(page.locator('[data-testid="stDataFrame"]')).to_contain_text(f"({end[0]:.3f}, {end[1]:.3f})",
                                                                        timeout=30_000)
    # A click on the map at (1.5, -1.5), one of the points that catch clicks: the descent starts there.
    x, y = chart.evaluate("""gd => { const l = gd._fullLayout, box = gd.getBoundingClientRect();
        return [box.left + l._size.l + l.xaxis.l2p(1.5), box.top + l._size.t + l.yaxis.l2p(-1.5)]; }""")
    page.mouse.click(x, y)
    wait_until_idle(page)
    assert (slider_value(page, "w₀ (1)"), slider_value(page, "w₀ (2)")) == ("1.50", "-1.50")
    no_error_box(page)
