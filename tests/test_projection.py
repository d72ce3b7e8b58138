"""Projection mode: a sidebar switch and ``?present=1``, remembered in the session and written to the address.

What it looks like on a 1280×720 screen is checked in a real browser
(tests/test_browser_classroom.py); here, what the pages do with it.
"""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from demos import i18n
from tests.apptest_support import app_page
from tests.conftest import REPO
from ui.common import PROJECTION_CSS
from ui.pages import DEMO_PAGES


def intro_in_expander(at, demo: str) -> bool:
    """Whether the page's introduction sits in the folded "About this demo" expander."""
    about = [e for e in at.expander if e.label == i18n.translate("common.about", "en")]
    return bool(about) and about[0].markdown[0].value == i18n.translate(f"{demo}.intro", "en")


@pytest.mark.parametrize("demo", ["mnist", "gradient_descent", "attention_sampling"])
def test_present_folds_the_introduction(demo):
    normal = app_page(demo).run()
    assert not normal.exception and not intro_in_expander(normal, demo)
    assert normal.markdown[0].value == i18n.translate(f"{demo}.intro", "en")     # the intro, in the open

    at = app_page(demo)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert intro_in_expander(at, demo)
    assert at.title[0].value == normal.title[0].value          # the title stays in view


def test_attention_sampling_formula_folds_with_the_introduction():
    at = app_page("attention_sampling")
    at.query_params["present"] = "1"
    at.run()
    about = [e for e in at.expander if e.label == i18n.translate("common.about", "en")][0]
    assert len(about.get("latex")) == 1 and len(at.main.get("latex")) == 1


def sidebar_and_page():
    """The app's sidebar switches, then what a page sees (app.py's navigation aside)."""
    import streamlit as st

    from ui.common import language_selector, present, projection_toggle

    language_selector()
    projection_toggle()
    st.markdown(f"present={present()}")


def styled(at) -> bool:
    return any(h.proto.body == PROJECTION_CSS for h in at.get("html"))


def test_sidebar_switch_writes_the_address_and_styles_the_page():
    at = AppTest.from_function(sidebar_and_page)
    at.session_state["lang"] = "en"
    at.run()
    switch = at.sidebar.toggle(key="present")
    assert switch.value is False and switch.label == "Projection mode"
    assert "present" not in at.query_params and not styled(at)

    switch.set_value(True).run()
    assert at.markdown[0].value == "present=True"
    assert at.query_params["present"] == "1" and styled(at)

    at.sidebar.toggle(key="present").set_value(False).run()
    assert at.markdown[0].value == "present=False"
    assert "present" not in at.query_params and not styled(at)


def test_present_from_the_address_is_remembered_in_the_session():
    at = AppTest.from_function(sidebar_and_page)
    at.query_params.update(lang="fr", present="1")
    at.run()
    assert at.sidebar.toggle(key="present").value is True
    assert at.sidebar.toggle(key="present").label == "Mode projection"
    at.query_params.clear()          # another page's address has no parameters
    at.run()
    assert at.markdown[0].value == "present=True" and styled(at)
    assert at.query_params == {"lang": "fr", "present": "1"}     # written back, like the language


@pytest.mark.parametrize("value,on", [("1", True), ("true", True), ("0", False), ("", False), ("oui", False)])
def test_present_values(value, on):
    at = app_page("gradient_descent")
    at.query_params["present"] = value
    at.run()
    folded = any(e.label == i18n.translate("common.about", "en") for e in at.expander)   # the intro folds away
    assert folded is on


def test_every_demo_page_has_the_header():
    """Every demo page goes through page_header, where the projection mode folds the introduction."""
    for page in DEMO_PAGES:
        assert f'page_header("{page.demo}")' in (REPO / page.path).read_text(encoding="utf-8")
