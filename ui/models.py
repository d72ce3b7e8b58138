"""Models and data loaded once per process and shared by every session."""
from __future__ import annotations

import numpy as np
import streamlit as st

from demos import mnist, weights
from demos.mnist.data import load_mnist


def download_progress(label: str):
    """A ``progress(done, total)`` callback drawing a Streamlit progress bar."""
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=f"{label} {weights.human_size(done)} / {weights.human_size(total)}")

    return update


@st.cache_resource(show_spinner=False)
def mnist_model() -> mnist.LectureNet:
    """The shipped MNIST network (read-only, shared)."""
    return mnist.load_model()


@st.cache_resource(show_spinner=False)
def _mnist_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    return load_mnist(split)


def mnist_data(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images and labels; downloads them first (with a progress bar) if needed."""
    for kind in ("images", "labels"):
        artifact = f"mnist-{split}-{kind}"
        if weights.locate(artifact) is None:
            weights.resolve(artifact, progress=download_progress(artifact))
    return _mnist_split(split)
