"""Models and data loaded once per process and shared by every session."""
from __future__ import annotations

import numpy as np
import streamlit as st

from demos import cyclegan, imagenet, mnist, weights
from demos.gan import biggan, conditional
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


@st.cache_resource(show_spinner=False, max_entries=4)
def _imagenet_classifier(model_id: str, path: str) -> imagenet.Classifier:
    # Keyed on the file too: a new weights folder (or a fetched file) gives a fresh model.
    return imagenet.load_classifier(model_id, path, warm_up=True)


def imagenet_classifier(model_id: str) -> imagenet.Classifier:
    """A pretrained ImageNet network, downloaded first (with a progress bar) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` (offline, no mirror...) naming the file.
    """
    artifact = imagenet.get_spec(model_id).artifact_id
    path = weights.locate(artifact)
    if path is None:
        # no progress bar when offline: resolve() then only raises, naming the file and the fix
        progress = None if weights.offline() else download_progress(weights.get(artifact).description)
        path = weights.resolve(artifact, progress=progress)
    return _imagenet_classifier(model_id, str(path))


@st.cache_resource(show_spinner=False, max_entries=3)
def _cyclegan_generator(path: str) -> "torch.nn.Module":
    # Keyed on the file: a file placed in the weights folder later gives a fresh generator.
    generator = cyclegan.load_generator(path=path)
    cyclegan.warm_up(generator)   # the first run sets up kernels: not the visitor's wait to measure
    return generator


def cyclegan_generator(model_id: str) -> "torch.nn.Module":
    """A CycleGAN generator (``demos.cyclegan.GENERATORS``), downloaded first (with a progress bar) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` naming the file and the fix, or
    :class:`~demos.cyclegan.CheckpointError` for a file that is no generator.
    """
    artifact = cyclegan.get_info(model_id).artifact
    path = weights.locate(artifact)
    if path is None:
        progress = None if weights.offline() else download_progress(weights.get(artifact).description)
        path = weights.resolve(artifact, progress=progress)
    return _cyclegan_generator(str(path))


@st.cache_resource(show_spinner=False)
def mnist_gan() -> "torch.nn.Module":
    """The shipped conditional MNIST GAN's generator (read-only, shared)."""
    return conditional.load_generator()


@st.cache_resource(show_spinner=False, max_entries=2)
def _biggan(name: str, folder: str) -> "torch.nn.Module":
    # Keyed on the folder: files placed in the weights folder later give a fresh model.
    return biggan.load_biggan(name, folder)


@st.cache_resource(show_spinner=False, max_entries=3)
def biggan_seconds_per_image(name: str, folder: str) -> float:
    """Measured once per model: what one image costs on this machine."""
    return biggan.seconds_per_image(_biggan(name, folder))


def biggan_model(name: str) -> "torch.nn.Module":
    """A BigGAN-deep generator, its two files downloaded first (with progress bars) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` naming the files and the fix.
    """
    for artifact in biggan.artifact_ids(name):
        if weights.locate(artifact) is None:
            progress = None if weights.offline() else download_progress(weights.get(artifact).description)
            weights.resolve(artifact, progress=progress)
    return _biggan(name, str(biggan.model_folder(name, download=False)))
