"""Streamlit building blocks shared by every page (the demos' logic is in ``demos``)."""
