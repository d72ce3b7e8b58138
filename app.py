"""Entry point: ``streamlit run app.py``."""
from ui.startup import import_heavy_libraries

import_heavy_libraries()   # before any page: sessions starting together must not import them concurrently

import streamlit as st  # noqa: E402

from ui.common import language_selector, present, projection_toggle, t  # noqa: E402
from ui.pages import DEMO_PAGES  # noqa: E402

# Opened projected (?present=1), the sidebar starts folded: the 1280 px of a projector go to the demo. Decided
# once per visit: switching projection on from the sidebar must not fold the sidebar under the lecturer's hand.
sidebar = st.session_state.setdefault("_sidebar_at_start", "collapsed" if present() else "auto")
st.set_page_config(page_title="Deep learning, live", page_icon=":material/neurology:", layout="wide",
                   initial_sidebar_state=sidebar)

language_selector()
projection_toggle()
home = st.Page("pages/home.py", title=t("home.nav"), icon=":material/home:", default=True)
demos = [st.Page(p.path, title=t(f"{p.demo}.nav"), icon=p.icon, url_path=p.demo) for p in DEMO_PAGES]
st.navigation([home, *demos], expanded=True).run()   # every demo listed: no "View more" to find in front of a room
