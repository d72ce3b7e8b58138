"""Language, device badge, page header and error display, the same on every page."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from demos import i18n
from demos.device import describe_device
from demos.errors import DemoError


def lang() -> str:
    """The visitor's language: remembered in the session, first taken from ``?lang=``."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = i18n.normalise_language(st.query_params.get("lang"))
    return st.session_state["lang"]


def t(key: str, **params: object) -> str:
    """The text for ``key`` in the visitor's language."""
    return i18n.translate(key, lang(), **params)


def labels(prefix: str, options) -> Callable[[object], str]:
    """A ``format_func`` for a choice widget: ``t(f"{prefix}.{option}")``, translated now.

    Translated during the script run, because AppTest calls format_func
    outside the session, where :func:`t` cannot see the visitor's language.
    """
    texts = {option: t(f"{prefix}.{option}") for option in options}
    return lambda option: texts.get(option, str(option))


def show_error(error: DemoError) -> None:
    """Show a DemoError as a readable message, never a traceback."""
    st.error(t(error.key, **error.params), icon=":material/error:")


def _leave_legacy_navigation() -> None:
    """Run a deep-linked page through app.py, even as the server's very first visit.

    While no session has called ``st.navigation`` yet, Streamlit treats the
    ``pages/`` folder the old way and runs ``/mnist`` as a bare script, with
    neither our navigation nor the language switch. Rerunning fixes that for good.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(demo: str) -> None:
    """Title, the lecture-tied introduction and the device of a demo page."""
    _leave_legacy_navigation()
    st.title(t(f"{demo}.title"))
    st.markdown(t(f"{demo}.intro"))
    st.caption(t("common.device", device=describe_device()))


def language_selector() -> None:
    """Sidebar switch between French and English (also ``?lang=fr|en``)."""
    lang()
    st.sidebar.segmented_control(
        t("common.language"), options=list(i18n.LANGUAGES), key="lang",
        format_func=lambda code: {"fr": "Français", "en": "English"}[code],
    )
    if st.session_state.get("lang") is None:   # clicking the selected option again clears it
        st.session_state["lang"] = i18n.DEFAULT_LANGUAGE
    st.query_params["lang"] = st.session_state["lang"]
