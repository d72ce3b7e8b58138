"""Entry point: ``streamlit run app.py``."""
import streamlit as st

from ui.common import language_selector, t
from ui.pages import DEMO_PAGES

st.set_page_config(page_title="Deep learning, live", page_icon=":material/neurology:", layout="wide")

language_selector()
home = st.Page("pages/home.py", title=t("home.nav"), icon=":material/home:", default=True)
demos = [st.Page(p.path, title=t(f"{p.demo}.nav"), icon=p.icon, url_path=p.demo) for p in DEMO_PAGES]
st.navigation([home, *demos]).run()
