"""Models and data loaded once per process and shared by every session.

The large models go through :func:`demos.model_cache.shared_model`: one least-recently-used
cache for all demos, capped by ``DLDEMOS_MAX_MODELS``; the small ones through ``st.cache_resource``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st
import torch

from demos import attention_sampling, cyclegan, imagenet, mnist, style, weights
from demos.device import pick_device
from demos.gan import biggan, conditional
from demos.mnist.data import load_mnist
from demos.model_cache import shared_model
from demos.errors import DemoError
from ui.common import lang, show_error, size, t


def download_progress(artifact_id: str):
    """A ``progress(done, total)`` callback drawing a Streamlit progress bar named after the catalogue file."""
    label = weights.describe(artifact_id, lang())   # what the file is, in the visitor's language
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=f"{label} {size(done)} / {size(total)}")

    return update


def ensure_files(*artifact_ids: str, download: bool = True) -> list[Path]:
    """The local path of each catalogue file, downloading the missing ones first (a progress bar each).

    Offline (or with ``download=False``) nothing is drawn: :class:`~demos.errors.WeightsUnavailable`
    is raised at once, naming the file and how to get it.
    """
    paths = []
    for artifact_id in artifact_ids:
        path = weights.locate(artifact_id)
        if path is None:
            fetch = download and not weights.offline()
            progress = download_progress(artifact_id) if fetch else None
            path = weights.resolve(artifact_id, progress=progress, download=fetch)
        paths.append(path)
    return paths


@st.cache_resource(show_spinner=False)
def mnist_model() -> mnist.LectureNet:
    """The shipped MNIST network (read-only, shared)."""
    return mnist.load_model()


def visitors_mnist_model(mine: dict) -> mnist.LectureNet:
    """The network a visitor trained on the MNIST page (``{"state_dict": ...}`` in their session), built once:
    the inference service keeps one lane per network object."""
    if "model" not in mine:
        model = mnist.LectureNet()
        model.load_state_dict(mine["state_dict"])
        mine["model"] = model.eval()
    return mine["model"]


@st.cache_resource(show_spinner=False)
def _mnist_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    return load_mnist(split)


def download_on_request(artifact_ids: tuple[str, ...], info_key: str, button_key: str, key: str, **params) -> bool:
    """Large files are downloaded only when the visitor asks: True once they are all here.

    Online with some missing, says so (``info_key``, with their ``size``) beside a button (``button_key``) and
    returns False until it is clicked. Offline, True: the loader then says what is missing and how to get it.
    """
    missing = [artifact_id for artifact_id in artifact_ids if weights.locate(artifact_id) is None]
    if not missing or weights.offline():
        return True
    st.info(t(info_key, size=size(sum(weights.get(a).size or 0 for a in missing) or None), **params),
            icon=":material/download:")
    return st.button(t(button_key, **params), icon=":material/download:", key=key) and _fetched(missing)


def fetch_samples_button(prefixes: tuple[str, ...], label_key: str, key: str) -> None:
    """Online, a button fetching the samples with ``prefixes`` not here yet (none ships with the app)."""
    missing = weights.missing(*prefixes)
    if missing and not weights.offline() and st.button(t(label_key, count=len(missing)),
                                                       icon=":material/download:", key=key):
        _fetched(missing)


def _fetched(artifact_ids: list[str]) -> bool:
    """Download the files now (a progress bar each); False after showing why when one cannot be had."""
    try:
        ensure_files(*artifact_ids)
    except DemoError as error:
        show_error(error)
        return False
    return True


def mnist_data(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images and labels; downloads them first (with a progress bar) if needed."""
    ensure_files(f"mnist-{split}-images", f"mnist-{split}-labels")
    return _mnist_split(split)


@shared_model(max_entries=4)
def _imagenet_classifier(model_id: str, path: str) -> imagenet.Classifier:
    # Keyed on the file too: a new weights folder (or a fetched file) gives a fresh model.
    return imagenet.load_classifier(model_id, path, warm_up=True)


def imagenet_classifier(model_id: str) -> imagenet.Classifier:
    """A pretrained ImageNet network, downloaded first (with a progress bar) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` (offline, no mirror...) naming the file.
    """
    path, = ensure_files(imagenet.get_spec(model_id).artifact_id)
    return _imagenet_classifier(model_id, str(path))


@shared_model(max_entries=3)
def _cyclegan_generator(path: str) -> torch.nn.Module:
    # Keyed on the file: a file placed in the weights folder later gives a fresh generator.
    generator = cyclegan.load_generator(path=path)
    cyclegan.warm_up(generator)   # the first run sets up kernels: not the visitor's wait to measure
    return generator


def cyclegan_generator(model_id: str) -> torch.nn.Module:
    """A CycleGAN generator (``demos.cyclegan.GENERATORS``), downloaded first (with a progress bar) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` naming the file and the fix, or
    :class:`~demos.cyclegan.CheckpointError` for a file that is no generator.
    """
    path, = ensure_files(cyclegan.get_info(model_id).artifact)
    return _cyclegan_generator(str(path))


@st.cache_resource(show_spinner=False)
def mnist_gan() -> torch.nn.Module:
    """The shipped conditional MNIST GAN's generator (read-only, shared)."""
    return conditional.load_generator()


@shared_model(max_entries=2)
def _biggan(name: str, folder: str) -> torch.nn.Module:
    # Keyed on the folder: files placed in the weights folder later give a fresh model.
    return biggan.load_biggan(name, folder)


@st.cache_resource(show_spinner=False, max_entries=3)
def biggan_seconds_per_image(name: str, folder: str) -> float:
    """Measured once per model: what one image costs on this machine."""
    return biggan.seconds_per_image(_biggan(name, folder))


def biggan_model(name: str) -> torch.nn.Module:
    """A BigGAN-deep generator, its two files downloaded first (with progress bars) if needed.

    Raises :class:`~demos.errors.WeightsUnavailable` naming the files and the fix.
    """
    ensure_files(*biggan.artifact_ids(name))
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
    ensure_files("mnist-test-images", "mnist-test-labels")
    return _mnist_split("test")


@shared_model(max_entries=1)
def _vgg19(path: str) -> torch.nn.Module:
    return style.load_vgg19_features(path)


def vgg19() -> torch.nn.Module:
    """VGG19's features (548 MB), read once per process; never downloaded on a mere visit.

    Raises :class:`~demos.errors.WeightsUnavailable` when the file is not here.
    """
    path, = ensure_files(style.VGG19_ARTIFACT, download=False)
    return _vgg19(str(path))


@shared_model(max_entries=8)
def _fast_style(model_id: str, path: str) -> torch.nn.Module:
    model = style.load_fast_model(model_id, path)
    with torch.inference_mode():   # the first pass sets up kernels: not the visitor's wait to measure
        model(torch.zeros(1, 3, 64, 64, device=next(model.parameters()).device))
    return model


def fast_style(model_id: str) -> torch.nn.Module:
    """A fast style-transfer network (``demos.style.FAST_MODELS``), downloaded first (progress bar) if needed."""
    path, = ensure_files(style.FAST_MODELS[model_id].artifact)
    return _fast_style(model_id, str(path))
