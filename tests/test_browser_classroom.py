"""Every page in a real browser as a classroom uses it: in French, and projected on a 1280×720 screen.

For each page: open it in French and do its main interaction; open it in
projection mode (``?present=1``) in a 1280×720 window, in French, do its main
interaction, and check that the control and its **result** are on the screen
without scrolling, and that every chart's text is projector-sized. No error
box either time. Projected in French only: the French texts are the longer
ones (what fits in French fits in English), and the suite stays under 20
minutes; the English pages are driven by their own browser tests and, projected,
by AppTest. Screenshots: ``tests/screenshots/<page>_fr.png`` and
``<page>_present_fr.png``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from demos import i18n
from tests.browser_support import click, no_error_box, screenshot, shows_the_lecture_results
from tests.conftest import require_shared

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 720}    # a common projector


def draw_a_one(page, lang: str) -> None:
    canvas = page.locator("canvas").last
    expect(canvas).to_be_visible(timeout=60_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for i in range(1, 17):
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (0.15 + 0.7 * i / 16))
    page.mouse.up()
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_text("1", timeout=30_000)


def choose_mobilenet(page, lang: str) -> None:
    """ImageNet: MobileNetV2 (whose weights the test server has) reads the first sample."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=i18n.translate("imagenet.model", lang))
    click(page, box.locator("input"))
    box.locator("input").fill("MobileNetV2")
    page.get_by_role("option", name="MobileNetV2").first.click()     # the list is open: no rerun in between
    expect(page.locator('[data-testid="stPlotlyChart"] g.point').first).to_be_visible(timeout=60_000)


def fool_it(page, lang: str) -> None:
    """Fool the network: the first sample photo, turned into an ostrich (the page's defaults)."""
    click(page, page.get_by_role("button", name=i18n.translate("adversarial.go", lang)))
    expect(page.locator(".st-key-adv_result img")).to_be_visible(timeout=90_000)


def make_a_picture(page, lang: str) -> None:
    """What a neuron wants: King crab on MobileNetV2 starts forming; Stop keeps the picture (no long run on CI)."""
    click(page, page.get_by_role("button", name=i18n.translate("feature_vis.go", lang)))
    expect(page.locator(".st-key-fv_result img")).to_be_visible(timeout=90_000)
    click(page, page.get_by_role("button", name=i18n.translate("feature_vis.stop", lang)))
    expect(page.get_by_role("button", name=i18n.translate("feature_vis.stop", lang))).to_have_count(0, timeout=30_000)
    expect(page.locator(".st-key-fv_result img")).to_be_visible(timeout=30_000)


def lecture_preset(page, lang: str) -> None:
    click(page, page.get_by_role("button", name=i18n.translate("gd.preset.contrast", lang)))
    shows_the_lecture_results(page, lang)


def one_step(page, lang: str) -> None:
    click(page, page.get_by_role("button", name=i18n.translate("playground.step", lang), exact=True))
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("1", timeout=30_000)


def new_digits(page, lang: str) -> None:
    """GAN: another seed draws other digits."""
    digits = page.locator('[data-testid="stImage"] img').first
    expect(digits).to_be_visible(timeout=60_000)
    before = digits.get_attribute("src")
    seed = page.locator('[data-testid="stNumberInput"]').filter(has_text=i18n.translate("gan.seed", lang)).first
    seed.locator("input").fill("3")
    seed.locator("input").press("Enter")
    # Streamlit names an image by its content: another picture, another address.
    expect(digits).not_to_have_attribute("src", before, timeout=30_000)


def resample(page, lang: str) -> None:
    """Attention sampling: K new locations from the same attention."""
    caption = page.get_by_text(i18n.translate("attention_sampling.draw_seed", lang, seed=0))
    expect(caption).to_be_visible(timeout=30_000)
    click(page, page.get_by_role("button", name=i18n.translate("attention_sampling.resample", lang)))
    expect(caption).to_have_count(0, timeout=30_000)


@dataclass(frozen=True)
class Page:
    path: str                   # "" for home
    main: str                   # the main interaction: the element that must be on a projected screen
    title_key: str
    act: Callable | None = None         # the main interaction, in a language
    shared: tuple[str, ...] = ()        # test data the server needs for it
    result: tuple[str, ...] = ()        # the interaction's result: wholly on a projected screen
    height: int = 1600                  # of the window for the French screenshot: the whole page


CHART = '[data-testid="stPlotlyChart"] >> nth=0'
STYLED = '[role="tabpanel"]:visible [data-testid="stImage"] >> nth=1'
PAGES = {
    "home": Page("", '[data-testid="stPageLink"]', "home.title", height=2300,
                 result=('[data-testid="stPageLink"] >> nth=2',)),     # the first row of demo cards
    "mnist": Page("mnist", "canvas", "mnist.title", draw_a_one, result=(".st-key-mnist_answer", CHART)),
    "imagenet": Page("imagenet", '[data-testid="stPlotlyChart"]', "imagenet.title", choose_mobilenet,
                     ("weights", "mobilenet_v2_imagenet_dequantized.pth"),
                     result=('[data-testid="stPlotlyChart"] g.point >> nth=0',)),   # the 15th bar, drawn first
    "adversarial": Page("adversarial", '[data-testid="stButton"] button[kind="primary"]', "adversarial.title", fool_it,
                        ("weights", "mobilenet_v2_imagenet_dequantized.pth"), height=2000,
                        result=(".st-key-adv_result",)),
    "feature_vis": Page("feature_vis", '[data-testid="stButton"] button[kind="primary"]', "feature_vis.title",
                        make_a_picture, ("weights", "mobilenet_v2_imagenet_dequantized.pth"), height=1600,
                        result=(".st-key-fv_result",)),
    "convolution": Page("convolution", '[data-testid="stPlotlyChart"]', "convolution.title", None, height=1800,
                        result=(".st-key-conv_result",)),        # the padding example's output grid
    "gradient_descent": Page("gradient_descent", '[data-testid="stPlotlyChart"]', "gradient_descent.title",
                             lecture_preset, result=(".st-key-gd_result", CHART)),
    "playground": Page("playground", '[data-testid="stPlotlyChart"]', "playground.title", one_step,
                       result=(CHART, '[data-testid="stMetric"] >> nth=2')),     # the boundary, the test accuracy
    "cyclegan": Page("cyclegan", '[data-testid="stImage"] >> nth=1', "cyclegan.title", None, ("cyclegan",),
                     result=('[data-testid="stImage"] >> nth=1',)),
    "style": Page("style", '[data-testid="stTab"] >> nth=0', "style.title", None, ("style",), result=(STYLED,)),
    "gan": Page("gan", '[data-testid="stImage"]', "gan.title", new_digits, height=2600,
                result=('[data-testid="stImage"] >> nth=0',)),
    "representations": Page("representations", '[data-testid="stImage"]', "representations.title", None,
                            ("mnist", "MNIST", "raw"), height=1800, result=(".st-key-rep_result",)),
    "attention_sampling": Page("attention_sampling", '[data-testid="stImage"]', "attention_sampling.title", resample,
                               ("mnist", "MNIST", "raw"), height=2600, result=(".st-key-attention_answer",)),
}

# The size of the smallest text of the charts on screen (ticks, labels, legends, values), in pixels, as drawn:
# plotly shrinks a value to fit inside its bar with a scale() transform, which the font size does not show.
SMALLEST_CHART_TEXT = """() => Math.min(...Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] svg text'))
    .filter(e => e.textContent.trim() && e.getBoundingClientRect().width > 0)
    .map(e => {
        let size = parseFloat(getComputedStyle(e).fontSize);
        for (let n = e; n && n.tagName !== 'svg'; n = n.parentElement) {
            const scale = /scale\\(([0-9.]+)/.exec(n.getAttribute('transform') || '');
            if (scale) size *= parseFloat(scale[1]);
        }
        return size;
    }))"""


def open_and_use(page, app_url: str, spec: Page, lang: str, present: bool = False):
    """Open the page, do its main interaction, and return its main element once shown."""
    if spec.shared:
        require_shared(*spec.shared)
    page.goto(f"{app_url}/{spec.path}?lang={lang}" + ("&present=1" if present else ""))
    expect(page.locator("h1").filter(has_text=i18n.translate(spec.title_key, lang)).first).to_be_visible(
        timeout=60_000)
    if spec.act is not None:
        spec.act(page, lang)
    main = page.locator(spec.main).first
    expect(main).to_be_visible(timeout=60_000)
    page.mouse.move(0, 0)                      # no tooltip in the screenshot
    page.wait_for_timeout(1000)                # images and charts finish drawing
    return main


def test_home_page_in_french(page, app_url):
    # Every other page is opened in French by the projected test below (its French title, no error box);
    # the home page's French screenshot goes into the README.
    page.set_viewport_size({"width": 1280, "height": PAGES["home"].height})
    open_and_use(page, app_url, PAGES["home"], "fr")
    no_error_box(page, visible_only=True)
    screenshot(page, "home_fr")


@pytest.mark.parametrize("lang", ["fr"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_projected_shows_its_result_on_the_screen(browser, app_url, name, lang):
    spec = PAGES[name]
    page = browser.new_page(viewport=SCREEN)
    try:
        main = open_and_use(page, app_url, spec, lang, present=True)
        screenshot(page, f"{name}_present_{lang}")        # what the room sees, kept even when a check fails
        no_error_box(page, visible_only=True)
        # Projected, the sidebar starts folded: the whole width goes to the demo.
        expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
        box = main.bounding_box()
        assert box is not None and 0 <= box["y"] < SCREEN["height"] - 40, (
            f"{name}: the main interaction starts at y = {box and box['y']:.0f}, below the 720 px screen")
        for selector in spec.result:
            result = page.locator(selector).first
            expect(result).to_be_visible(timeout=30_000)
            found = result.bounding_box()
            assert found is not None and found["y"] + found["height"] <= SCREEN["height"], (
                f"{name} ({lang}): {selector} ends at y = {found and found['y'] + found['height']:.0f}, "
                "off the 720 px screen")
        if page.locator('[data-testid="stPlotlyChart"] svg text').count():
            smallest = page.evaluate(SMALLEST_CHART_TEXT)
            assert smallest >= 18, f"{name} ({lang}): chart text of {smallest} px on a projector"
        # Projection mode is on: the introduction is folded away, the text is larger.
        expect(page.locator('[data-testid="stExpander"] summary').filter(
            has_text=i18n.translate("common.about", lang)).first if spec.path else page.locator("h1")).to_be_visible()
        size = page.locator('[data-testid="stMain"] h1').first.evaluate("e => getComputedStyle(e).fontSize")
        assert float(size.removesuffix("px")) >= 36
        screenshot(page, f"{name}_present_{lang}")        # again, now that every result has been drawn
    finally:
        page.close()


def test_language_and_projection_switch_from_the_sidebar_and_follow_the_visitor(page, app_url):
    """The sidebar switches change every text at once, go into the address, and stay on the next page."""
    page.set_viewport_size(SCREEN)
    page.goto(f"{app_url}/gradient_descent?lang=en")
    expect(page.locator("h1").filter(has_text=i18n.translate("gradient_descent.title", "en"))).to_be_visible(
        timeout=60_000)
    click(page, page.locator('[data-testid="stSidebar"]').get_by_text("Français", exact=True))
    expect(page.locator("h1").filter(has_text=i18n.translate("gradient_descent.title", "fr"))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("button", name=i18n.translate("gd.preset.contrast", "fr"))).to_be_visible()
    click(page, page.locator('[data-testid="stSidebar"]').get_by_text(i18n.translate("common.present", "fr")))
    expect(page.locator('[data-testid="stExpander"] summary').filter(
        has_text=i18n.translate("common.about", "fr"))).to_be_visible(timeout=30_000)
    page.wait_for_function("() => location.search.includes('present=1') && location.search.includes('lang=fr')")
    # Another page, through the sidebar's navigation: still French, still projected.
    click(page, page.locator('[data-testid="stSidebarNav"]').get_by_text(i18n.translate("playground.nav", "fr")))
    expect(page.locator("h1").filter(has_text=i18n.translate("playground.title", "fr"))).to_be_visible(
        timeout=30_000)
    expect(page.locator('[data-testid="stExpander"] summary').filter(
        has_text=i18n.translate("common.about", "fr"))).to_be_visible(timeout=30_000)
    page.wait_for_function("() => location.search.includes('present=1') && location.search.includes('lang=fr')")
    # The sidebar folds with Streamlit's own button, and the page keeps working.
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "false")
    page.locator('[data-testid="stSidebar"]').hover()
    click(page, page.locator('[data-testid="stSidebarCollapseButton"] button'))
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true", timeout=10_000)
    no_error_box(page, visible_only=True)
