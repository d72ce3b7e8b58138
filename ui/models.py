"""Models and data loaded once per process and shared by every session.

The large models go through :func:`demos.model_cache.shared_model`: one least-recently-used
cache for all demos, capped by ``DLDEMOS_MAX_MODELS``; the small ones through ``st.cache_resource``.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from demos import attention_sampling, cyclegan, imagenet, mnist, weights
from demos.device import pick_device
from demos.gan import biggan, conditional
from demos.mnist.data import load_mnist
from ui.common import lang, size
from demos.model_cache import shared_model


def download_progress(label: str):
    """A ``progress(done, total)`` callback drawing a Streamlit progress bar."""
    label = weights.describe_label(label, lang())   # a catalogue file's description, in the visitor's language
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=f"{label} {size(done)} / {size(total)}")

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


@shared_model(max_entries=4)
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


@shared_model(max_entries=3)
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


@shared_model(max_entries=2)
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


@st.cache_resource(show_spinner=False, max_entries=2)
def _attention_sampler(path: str, modified_ns: int) -> attention_sampling.AttentionSampler:
    # Keyed on the file and its date: a retrained model replaces the old one without a restart.
    model = attention_sampling.load_model(path).to(pick_device())
    # The first pass sets up kernels (about 2 s): not the visitor's wait to measure.
    attention_sampling.read(np.zeros((1500, 1500), np.uint8), model=model)
    return model


def attention_sampler() -> attention_sampling.AttentionSampler:
    """The shipped attention-sampling model for Megapixel MNIST (read-only, shared, warmed up).

    Raises :class:`~demos.errors.WeightsUnavailable` naming the file when it is not here.
    """
    path = weights.resolve(attention_sampling.WEIGHTS_ID)
    return _attention_sampler(str(path), path.stat().st_mtime_ns)


def megapixel_digits() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test digits Megapixel MNIST images are made of (cached like :func:`mnist_data`).

    Downloaded first, with a progress bar, where the network is allowed; offline, raises
    :class:`~demos.errors.WeightsUnavailable` at once (no empty progress bar left on the page).
    """
    for kind in ("images", "labels"):
        artifact = f"mnist-test-{kind}"
        if weights.locate(artifact) is None:
            progress = None if weights.offline() else download_progress(weights.get(artifact).description)
            weights.resolve(artifact, progress=progress)
    return _mnist_split("test")
