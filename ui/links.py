"""Settings shared as a link: read from the URL on a first visit, shown as a link to copy.

A teacher prepares one link per slide; the values in it are validated by
:mod:`demos.url_state` (a URL is user input).
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from demos import url_state
from demos.url_state import Param


def restore_from_url(params: tuple[Param, ...], flag: str,
                     adjust: Callable[[dict], dict] | None = None) -> None:
    """On a session's first visit, the URL's settings become the widgets' values.

    Later runs keep the values of widgets not drawn in that run (another mode,
    a hidden slider): Streamlit forgets such a widget's state otherwise, and
    the shared link would lose it. ``adjust`` may amend the decoded values.
    """
    if st.session_state.get(flag):
        # A copy of each value under another key, put back only once Streamlit has dropped the widget's own:
        # writing a drawn widget's value back at every run would send the browser the value this run started
        # from, undoing a click made while it ran (ten quick clicks on "+" counted as nine).
        for param in params:
            kept = f"_kept_{param.name}"
            if param.name in st.session_state:
                st.session_state[kept] = st.session_state[param.name]
            elif kept in st.session_state:
                st.session_state[param.name] = st.session_state[kept]
        return
    st.session_state[flag] = True
    values = url_state.decode(st.query_params, params)
    for name, value in (adjust(values) if adjust else values).items():
        st.session_state.setdefault(name, value)


def share_link(params: tuple[Param, ...], label: str) -> None:
    """Put the current settings in the address bar and show the link to copy."""
    values = {p.name: st.session_state[p.name] for p in params if p.name in st.session_state}
    st.query_params.update(url_state.encode(values, params))
    base = (st.context.url or "").split("?")[0]
    with st.expander(label, icon=":material/link:"):
        st.code(f"{base}?{url_state.query_string(values, params, lang=st.session_state.get('lang', 'fr'))}",
                language=None, wrap_lines=True)
