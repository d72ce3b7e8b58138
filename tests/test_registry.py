"""Each demo declares itself once (its package's files.py): pages, navigation, catalogue and readiness follow."""
from __future__ import annotations

import subprocess
import sys

from demos import registry, weights
from tests.conftest import REPO
from ui.pages import DEMO_PAGES


def test_every_page_is_a_declared_demo_and_every_demo_has_a_page():
    pages = {path.stem for path in (REPO / "pages").glob("*.py")} - {"home"}
    assert {demo.name for demo in registry.demos()} == pages
    assert all((REPO / demo.page).is_file() for demo in registry.demos())
    assert [page.demo for page in DEMO_PAGES] == [demo.name for demo in registry.demos()] == list(weights.DEMOS)


def test_the_navigation_keeps_the_lecture_order():
    assert [demo.name for demo in registry.demos()] == [
        "mnist", "imagenet", "adversarial", "feature_vis", "convolution", "gradient_descent", "playground", "cyclegan",
        "style", "gan", "representations", "attention_sampling"]


def test_every_file_belongs_to_a_declared_demo_and_every_offline_need_is_a_file():
    names = {demo.name for demo in registry.demos()}
    assert all(artifact.demo in names and set(artifact.also) <= names for artifact in weights.CATALOGUE.values())
    for demo in registry.demos():
        assert all(group and set(group) <= set(weights.CATALOGUE) for group in demo.offline_needs), demo.name


def test_the_catalogue_and_the_navigation_load_without_torch():
    """python -m demos.fetch --list and the readiness table must stay quick: no torch, no torchvision."""
    code = ("import sys; from demos import weights, fetch; from ui import pages; "
            "assert len(weights.CATALOGUE) > 50 and pages.DEMO_PAGES; "
            "print(sorted(m for m in ('torch', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_demo_is_declared_once():
    demo = registry.demos()[0]
    assert registry.declare(demo) is demo                      # the same declaration again: harmless
    try:
        registry.declare(registry.Demo(demo.name, order=999, icon=":material/close:"))
    except ValueError as error:
        assert demo.name in str(error)
    else:
        raise AssertionError("a second, different declaration of a demo must be refused")
