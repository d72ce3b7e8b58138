"""Model and data logic of the deep-learning demos (no Streamlit here)."""
