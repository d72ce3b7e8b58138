"""One catalogue of every file the demos download or ship: weights, data sets.

Where a file is looked for, in order (:func:`locate`, never the network):

1. ``bundled``: shipped with this project (``assets/``);
2. ``$DLDEMOS_WEIGHTS_DIR/<filename>`` (or ``/<basename>``): a local folder,
   e.g. a USB stick brought to a talk;
3. ``$DLDEMOS_CACHE_DIR/<filename>`` (default ``~/.cache/dldemos``).

:func:`resolve` downloads into the cache what is in none of them, unless
``DLDEMOS_OFFLINE`` is set. Downloads try each mirror in order, resume a
``.part`` file left by an interrupted run, check the md5 / sha256 and only
then move the file to its final name, so a half file is never used.
Failures raise :class:`~demos.errors.WeightsUnavailable` with a message a
lecturer can act on (``python -m demos.fetch`` ahead of a talk).
"""
from __future__ import annotations

import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from demos.errors import WeightsUnavailable

Progress = Callable[[int, "int | None"], None]

REPO_ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_DIR_ENV = "DLDEMOS_WEIGHTS_DIR"
CACHE_DIR_ENV = "DLDEMOS_CACHE_DIR"
OFFLINE_ENV = "DLDEMOS_OFFLINE"
STATUSES = ("bundled", "local", "cached", "missing")

_CHUNK = 1 << 16
_PROGRESS_EVERY_S = 0.1  # a Streamlit progress bar need not redraw per 64 kB chunk
_USER_AGENT = "dldemos (python urllib)"


@dataclass(frozen=True)
class Artifact:
    """A file a demo needs, and where it comes from."""

    id: str                  # e.g. "mnist-train-images"
    filename: str            # relative path in a weights dir / the cache
    demo: str                # which demo uses it: "mnist", "imagenet", ...
    description: str
    license: str
    source: str              # homepage / provenance (human-readable)
    urls: tuple[str, ...] = ()   # mirrors, tried in order; empty for bundled files
    size: int | None = None      # bytes, for the readiness table
    sha256: str | None = None    # full hex digest, where one is published
    sha256_prefix: str | None = None  # torchvision-style hash prefix in the file name
    md5: str | None = None
    bundled: str | None = None   # path relative to the repo root (files shipped in assets/)
    also: tuple[str, ...] = ()   # other demos that use the file (fetched and counted with them too)

    def used_by(self, demo: str) -> bool:
        """Whether ``demo`` uses this file (its own demo, or one of ``also``)."""
        return demo == self.demo or demo in self.also


CATALOGUE: dict[str, Artifact] = {}


def register(artifact: Artifact) -> Artifact:
    """Add ``artifact`` to :data:`CATALOGUE` (ids must be unique)."""
    if artifact.id in CATALOGUE:
        raise ValueError(f"artifact id {artifact.id!r} is registered twice")
    CATALOGUE[artifact.id] = artifact
    return artifact


# ---------------------------------------------------------------------------
# Catalogue, one section per demo
# ---------------------------------------------------------------------------

# --- mnist ------------------------------------------------------------------
# The four files torchvision.datasets.MNIST downloads: same mirrors, same md5.
_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_MNIST_LICENSE = "CC BY-SA 3.0 (Y. LeCun, C. Cortes, C. Burges)"
_MNIST_SOURCE = "http://yann.lecun.com/exdb/mnist/ (mirrors as in torchvision.datasets.MNIST)"

for _id, _name, _md5, _size, _what in (
    ("mnist-train-images", "train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422,
     "MNIST training images (60,000 digits)"),
    ("mnist-train-labels", "train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432", 28881,
     "MNIST training labels"),
    ("mnist-test-images", "t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3", 1648877,
     "MNIST test images (10,000 digits)"),
    ("mnist-test-labels", "t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c", 4542,
     "MNIST test labels"),
):
    register(Artifact(
        id=_id, filename=f"mnist/{_name}.gz", demo="mnist", description=_what,
        license=_MNIST_LICENSE, source=_MNIST_SOURCE,
        urls=tuple(f"{mirror}{_name}.gz" for mirror in _MNIST_MIRRORS), size=_size, md5=_md5,
        # Megapixel MNIST images are made of the test digits; the GAN page's live run trains on the others.
        also=("attention_sampling",) if "-test-" in _id else ("gan",),
    ))
del _id, _name, _md5, _size, _what

register(Artifact(
    id="mnist-cnn", filename="mnist/mnist_cnn.pt", demo="mnist",
    description="The lecture's MNIST network, trained by this project (demos/mnist/train.py)",
    license="MIT (this project)", source="this project: python -m demos.mnist.train",
    bundled="assets/mnist_cnn.pt",
))


# --- imagenet ---------------------------------------------------------------
# The official torchvision ImageNet weights of every network the ImageNet page
# offers: same URLs, the hash prefix torchvision puts in the file name, size
# from the enum's meta["_file_size"] (tests/test_imagenet.py checks all three
# against torchvision, which is not imported here so `demos.fetch` stays light).
_IMAGENET_LICENSE = "BSD-3-Clause (torchvision); trained on ImageNet (non-commercial research terms)"
for _id, _label, _name, _mb in (
    ("alexnet", "AlexNet", "alexnet-owt-7be5be79.pth", 233.087),
    ("vgg16", "VGG16", "vgg16-397923af.pth", 527.796),
    ("resnet50", "ResNet-50", "resnet50-11ad3fa6.pth", 97.79),
    ("mobilenet_v2", "MobileNetV2", "mobilenet_v2-b0353104.pth", 13.555),
    ("efficientnet_b0", "EfficientNet-B0", "efficientnet_b0_rwightman-7f5810bc.pth", 20.451),
    ("vit_b_16", "ViT-B/16", "vit_b_16-c867db91.pth", 330.285),
):
    register(Artifact(
        id=f"imagenet-{_id}", filename=f"imagenet/{_name}", demo="imagenet",
        description=f"{_label} ImageNet weights (torchvision)", license=_IMAGENET_LICENSE,
        source="torchvision.models (https://pytorch.org/vision/stable/models.html)",
        urls=(f"https://download.pytorch.org/models/{_name}",), size=round(_mb * 1_000_000),
        sha256_prefix=_name.rsplit("-", 1)[1].split(".")[0],
    ))
del _id, _label, _name, _mb

# Sample photos for the ImageNet page's gallery (none is committed). No published
# checksum: they are photos, not code or weights, and load through demos.images.
for _id, _what, _urls, _license, _source in (
    ("dog", "Samoyed (PyTorch Hub's dog.jpg)", ("https://github.com/pytorch/hub/raw/master/images/dog.jpg",),
     "BSD-3-Clause (pytorch/hub repository)", "https://github.com/pytorch/hub/blob/master/images/dog.jpg"),
    ("labrador", "Yellow Labrador (Mirko, Wikimedia Commons)",
     ("https://storage.googleapis.com/download.tensorflow.org/example_images/YellowLabradorLooking_new.jpg",
      "https://upload.wikimedia.org/wikipedia/commons/2/26/YellowLabradorLooking_new.jpg"),
     "CC BY-SA 3.0 (Mirko)", "https://commons.wikimedia.org/wiki/File:YellowLabradorLooking_new.jpg"),
    ("grace-hopper", "Grace Hopper (U.S. Navy portrait)",
     ("https://storage.googleapis.com/download.tensorflow.org/example_images/grace_hopper.jpg",),
     "Public domain (U.S. Navy photograph)",
     "TensorFlow example images (U.S. Navy portrait of Grace M. Hopper, public domain)"),
    ("cat", "Tabby cat (Alvesgaspar, Wikimedia Commons)",
     ("https://upload.wikimedia.org/wikipedia/commons/4/4d/Cat_November_2010-1a.jpg",),
     "CC BY-SA 3.0 (Alvesgaspar)", "https://commons.wikimedia.org/wiki/File:Cat_November_2010-1a.jpg"),
):
    register(Artifact(
        id=f"imagenet-sample-{_id}", filename=f"imagenet/samples/{_urls[0].rsplit('/', 1)[1]}", demo="imagenet",
        description=_what, license=_license, source=_source, urls=_urls,
    ))
del _id, _what, _urls, _license, _source

# --- cyclegan ---------------------------------------------------------------
# The generators released with the authors' PyTorch CycleGAN
# (junyanz/pytorch-CycleGAN-and-pix2pix, scripts/download_cyclegan_model.sh).
# No checksum is published. Each holds the 11,378,179 float32 parameters of
# the resnet_9blocks generator plus the unused instance-norm running statistics
# of PyTorch 0.3: 45,573,095 bytes when saved in that legacy format (computed
# here, not read from the server), so `size` is only the progress bar's estimate.
_CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{}.pth"
_CYCLEGAN_LICENSE = "BSD-2-Clause (junyanz/pytorch-CycleGAN-and-pix2pix); trained on the CycleGAN data sets"
_CYCLEGAN_SOURCE = "https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix (Zhu, Park, Isola & Efros, 2017)"
for _name, _what in (
    ("horse2zebra", "horse → zebra"), ("zebra2horse", "zebra → horse"),
    ("summer2winter_yosemite", "summer → winter (Yosemite)"), ("winter2summer_yosemite", "winter → summer (Yosemite)"),
    ("apple2orange", "apple → orange"), ("orange2apple", "orange → apple"),
    ("style_monet", "photo → Monet"), ("monet2photo", "Monet → photo"),
    ("style_vangogh", "photo → Van Gogh"), ("style_cezanne", "photo → Cézanne"), ("style_ukiyoe", "photo → Ukiyo-e"),
):
    register(Artifact(
        id="cyclegan-" + _name.replace("_", "-"), filename=f"cyclegan/{_name}.pth", demo="cyclegan",
        description=f"CycleGAN generator {_what} (official, 45 MB)", license=_CYCLEGAN_LICENSE,
        source=_CYCLEGAN_SOURCE, urls=(_CYCLEGAN_URL.format(_name),), size=45_573_095,
    ))
del _name, _what

# GAN Compression's horse→zebra generator (Li et al., 2020), the page's fast mode.
# The URL is the one scripts/download_model.py of mit-han-lab/gan-compression
# builds for `--model cycle_gan --task horse2zebra --stage compressed`; it could
# not be checked from here. The size is that of a copy of this file found in a
# third-party demo repository, which the tests use; no checksum is published.
register(Artifact(
    id="cyclegan-horse2zebra-compressed", filename="cyclegan/horse2zebra_compressed.pth", demo="cyclegan",
    description="CycleGAN generator horse → zebra, compressed by GAN Compression (0.36 M parameters, 2 MB)",
    license="BSD-2-Clause (mit-han-lab/gan-compression LICENSE, which covers the code; "
            "no separate license is stated for the weights)",
    source="https://github.com/mit-han-lab/gan-compression (Li, Lin, Ding, Liu, Zhu & Han, 2020), "
           "scripts/download_model.py",
    urls=("https://hanlab.mit.edu/files/gan_compression/pretrained/cycle_gan/horse2zebra/compressed/latest_net_G.pth",),
    size=2_078_637,
))

# Photos to try the generators on, from Unsplash via louwjac/CycleGAN-Flax's images/
# (picked there because they work well with the pretrained models). The sha256 of
# the horses and zebras is that of the copies the tests use; the others have none.
_CYCLEGAN_PHOTOS = "https://raw.githubusercontent.com/louwjac/CycleGAN-Flax/b4c27e7714821480c1be2bd4c94266206af7ddb9/images/"
for _name, _what, _sha in (
    ("aleksei-zaitcev-ZZ68lVMON7g", "Horses (Aleksei Zaitcev)",
     "523c4d3395eb8656e4fb08d88a76142df0db7c9878570c969f19976b148bffa3"),
    ("brendon-van-zyl-PsdLrhj18bg", "Horses running (Brendon van Zyl)",
     "ca2e6d535cf2a70feafc358f9dac94e89619bf1348db8898f8dd868cc628eeac"),
    ("immo-wegmann-HT07wMriR1U", "Horses grazing (Immo Wegmann)",
     "6e3e7c6b64911e6a5ccbb7492911a86c073d0f87bad48b9fd8fa9cb694d2f75d"),
    ("henning-borgersen-SarK3PsCKnk", "Zebras (Henning Borgersen)",
     "1e097b3ed79bcd93f9c37cb45c9869ea7291f7d584761ac5df17cf6f20d87b1f"),
    ("matteo-di-iorio-v-9hnUGyuOU", "Zebra (Matteo Di Iorio)",
     "ae762f5af0c4730c9c4cb639185fe7dc2bb836ada4dc3293ed5ac763384ec278"),
    ("ray-rui-TwG9EZ28nms", "Zebras (Ray Rui)",
     "506ce88f2ca29f303da7985d5a7671a3bd9102f50315f2e81ecb464f076804d5"),
    ("carrie-borden-ELRPgQwk6dM", "Landscape (Carrie Borden)", None),
    ("raphael-lopes-EzKdJiQJ-jA", "Landscape (Raphael Lopes)", None),
    ("birmingham-museums-trust-SAQl58G-RYs", "Painting (Birmingham Museums Trust)", None),
):
    register(Artifact(
        id=f"cyclegan-sample-{_name.split('-')[0]}", filename=f"cyclegan/samples/{_name}-unsplash.jpg",
        demo="cyclegan", description=_what, license="Unsplash License (credit: the photographer)",
        source=f"https://unsplash.com/photos/{_name[-11:]}",   # Unsplash photo ids are 11 characters
        urls=(f"{_CYCLEGAN_PHOTOS}{_name}-unsplash.jpg",), sha256=_sha,
    ))
del _name, _what, _sha


# --- style ------------------------------------------------------------------
# Gatys et al.'s optimisation uses VGG19's convolutional part: torchvision's
# official ImageNet weights (VGG19_Weights.IMAGENET1K_V1: URL, hash prefix in the
# file name, meta["_file_size"] 548.051 MB; checked against torchvision by
# tests/test_style.py). The classifier's part of the file is not used.
register(Artifact(
    id="style-vgg19", filename="style/vgg19-dcbb9e9d.pth", demo="style",
    description="VGG19 ImageNet weights (torchvision), for style transfer",
    license="BSD-3-Clause (torchvision); trained on ImageNet (non-commercial research terms)",
    source="torchvision.models.VGG19_Weights.IMAGENET1K_V1 (https://pytorch.org/vision/stable/models.html)",
    urls=("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",), size=548_051_000, sha256_prefix="dcbb9e9d",
))

# The fast-style networks of pytorch/examples (fast_neural_style). They are only
# distributed inside one zip (download_saved_models.py), which this downloader
# does not unpack: fetch it by hand and copy the .pth out of it.
_FNS_ZIP = "https://www.dropbox.com/s/lrvwfehqdcxoza8/saved_models.zip?dl=1"
for _name, _what in (("candy", "Candy"), ("mosaic", "Mosaic"), ("rain_princess", "Rain Princess (Afremov)"),
                     ("udnie", "Udnie (Picabia)")):
    register(Artifact(
        id=f"style-fast-{_name}", filename=f"style/{_name}.pth", demo="style",
        description=f"Fast style network \"{_what}\" (pytorch/examples, 6.7 MB)",
        license="BSD-3-Clause (pytorch/examples)",
        source=f"pytorch/examples fast_neural_style: saved_models/{_name}.pth inside {_FNS_ZIP} "
               "(https://github.com/pytorch/examples/tree/main/fast_neural_style)",
    ))
del _name, _what

# The same network with MobileNetV2 bottlenecks (0.24 M parameters, 1 MB), from
# a repository that has no license file; legacy (pre-zip) torch pickles, which
# load with weights_only=True. sha256 of the files at the pinned commit.
_FNST_MOBILE = ("https://raw.githubusercontent.com/mmalotin/pytorch-fast-neural-style-mobilenetV2/"
                "ff4cd101c9e1ac1b40759ea8f03215dc13095d77/models/{}.pth")
for _name, _what, _sha in (
    ("candy", "Candy", "6fbc8278013cb767323d13c852232bdee1cb3999434c925823ab528d31267069"),
    ("mosaic", "Mosaic", "782eab2ab5867e4e9e81bfc4d7eb1c9d35090303064b74507ea5b5b167362115"),
    ("picasso", "Picasso", "f9f1a4a17107e631a34dd39640a6007638759f80f6f0c663af2d433a99c7c5fc"),
):
    register(Artifact(
        id=f"style-fast-{_name}-mobilenet", filename=f"style/{_name}_mobilenetv2.pth", demo="style",
        description=f"Fast style network \"{_what}\", MobileNetV2 version (1 MB)",
        license="no license file in the source repository",
        source="https://github.com/mmalotin/pytorch-fast-neural-style-mobilenetV2 (models/)",
        urls=(_FNST_MOBILE.format(_name),), size=973_145, sha256=_sha,
    ))
del _name, _what, _sha

# Paintings to take a style from, and the photo of Gatys et al.'s figures
# (Wikimedia Commons; the same URLs as TensorFlow Hub's style-transfer tutorial).
_COMMONS = "https://upload.wikimedia.org/wikipedia/commons/"
for _id, _file, _what, _url, _license in (
    ("sample-starry-night", "starry_night.jpg", "Van Gogh, The Starry Night (1889)",
     "thumb/e/ea/Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg/1024px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
     "public domain"),
    ("sample-great-wave", "great_wave.jpg", "Hokusai, The Great Wave off Kanagawa (c. 1831)",
     "0/0a/The_Great_Wave_off_Kanagawa.jpg", "public domain"),
    ("sample-scream", "the_scream.jpg", "Munch, The Scream (1893)",
     "c/c5/Edvard_Munch%2C_1893%2C_The_Scream%2C_oil%2C_tempera_and_pastel_on_cardboard%2C_91_x_73_cm%2C_"
     "National_Gallery_of_Norway.jpg", "public domain"),
    ("photo-tuebingen", "tuebingen.jpg", "Tübingen, Neckarfront (Andreas Praefcke)",
     "0/00/Tuebingen_Neckarfront.jpg", "CC BY 3.0 (Andreas Praefcke, Wikimedia Commons)"),
):
    register(Artifact(
        id=f"style-{_id}", filename=f"style/samples/{_file}", demo="style", description=_what,
        license=_license, source=f"https://commons.wikimedia.org/wiki/File:{_url.rsplit('/', 1)[1].split('px-', 1)[-1]}",
        urls=(_COMMONS + _url,),
    ))
del _id, _file, _what, _url, _license

# --- gan --------------------------------------------------------------------
# BigGAN-deep generators (Brock et al., 2019) as converted by huggingface's
# pytorch-pretrained-BigGAN: the URLs of its PRETRAINED_MODEL_ARCHIVE_MAP and
# PRETRAINED_CONFIG_ARCHIVE_MAP (pytorch_pretrained_biggan/model.py, 0.1.1).
# No checksum is published. Only the 128 model's size is known here: its
# 52,687,425 float32 parameters and buffers make about 210.7 MB (computed from
# the package's default config, so only the progress bar's estimate).
_BIGGAN_URL = "https://s3.amazonaws.com/models.huggingface.co/biggan/{}-{}"
_BIGGAN_LICENSE = "Apache-2.0 (huggingface/pytorch-pretrained-BigGAN; weights: DeepMind BigGAN, Apache-2.0)"
for _name in ("biggan-deep-128", "biggan-deep-256", "biggan-deep-512"):
    for _file, _what, _size in (("config.json", "configuration", None),
                                ("pytorch_model.bin", "weights", 210_749_700 if _name.endswith("128") else None)):
        register(Artifact(
            id=f"gan-{_name}-{_file.split('.')[0].replace('_', '-')}", filename=f"gan/{_name}/{_file}", demo="gan",
            description=f"BigGAN-deep {_name.rsplit('-', 1)[1]}×{_name.rsplit('-', 1)[1]} {_what} (pytorch-pretrained-BigGAN)",
            license=_BIGGAN_LICENSE,
            source="https://github.com/huggingface/pytorch-pretrained-BigGAN (converted from DeepMind's TF-Hub modules)",
            urls=(_BIGGAN_URL.format(_name, _file),), size=_size,
        ))
del _name, _file, _what, _size

register(Artifact(
    id="gan-mnist-cgan", filename="gan/mnist_cgan.pt", demo="gan",
    description="A class-conditional DCGAN generator for MNIST digits, trained by this project",
    license="MIT (this project)", source="this project: python -m demos.gan.train_conditional",
    bundled="assets/mnist_cgan.pt",
))

# --- attention sampling -----------------------------------------------------
register(Artifact(
    id="attention-sampling-mnist", filename="attention_sampling/attention_sampling.pt", demo="attention_sampling",
    description="An attention-sampling model for Megapixel MNIST, trained by this project",
    license="MIT (this project)", source="this project: python -m demos.attention_sampling.train",
    bundled="assets/attention_sampling.pt",
))

# --- what each demo needs with no network at all ------------------------------
# Every demo page, and the files its main interaction cannot do without: each
# group is satisfied by any one of its files (one ImageNet network is enough).
# Files not named here are extras (other networks, samples, BigGAN): the page
# works without them and says what is missing where it would use them.
OFFLINE_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "mnist": (("mnist-cnn",),),
    "imagenet": (tuple(i for i in CATALOGUE if i.startswith("imagenet-") and "-sample-" not in i),),
    "gradient_descent": (),
    "playground": (),
    "cyclegan": (tuple(i for i in CATALOGUE if i.startswith("cyclegan-") and "-sample-" not in i),),
    "style": (tuple(i for i in CATALOGUE if i.startswith("style-fast-")) + ("style-vgg19",),),
    "gan": (("gan-mnist-cgan",),),
    "attention_sampling": (("attention-sampling-mnist",), ("mnist-test-images",), ("mnist-test-labels",)),
}
DEMOS = tuple(OFFLINE_NEEDS)   # every demo page, with or without files

# ---------------------------------------------------------------------------
# Messages (English defaults; the same texts are in demos/locales/en.json)
# ---------------------------------------------------------------------------

MESSAGES = {
    "weights.missing": (
        "{description} is not on this machine: `{filename}` ({size}) is neither in the local "
        "folder nor in the cache {cache}, and downloading is off (offline mode, `DLDEMOS_OFFLINE`). "
        "To get it, run `python -m demos.fetch --only {demo}` on a machine with network access, "
        "or copy the file to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.download_failed": (
        "Could not download {description} (`{filename}`, {size}): {errors}. "
        "To get it, run `python -m demos.fetch --only {demo}` once the network works, "
        "or copy the file to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.checksum": (
        "The download of {description} (`{filename}`) is corrupted: its {algorithm} is {actual}, "
        "expected {expected}. The partial file was deleted. Try again with "
        "`python -m demos.fetch --only {demo}`, or copy a good copy to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.not_bundled": (
        "{description}: the file `{bundled}` that ships with this app is missing. Restore it "
        "from the project's repository, or copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
    "weights.manual": (
        "{description} cannot be downloaded automatically (source: {source}). "
        "Get `{filename}` from there and copy it to `$DLDEMOS_WEIGHTS_DIR/{filename}`."
    ),
}


def _unavailable(key: str, artifact: Artifact, **params: object) -> WeightsUnavailable:
    """A :class:`WeightsUnavailable` with the artifact's usual message parameters."""
    # ``artifact`` lets a page put the description and size in the visitor's language (ui.common.show_error).
    base = dict(artifact=artifact.id, description=artifact.description, filename=artifact.filename, demo=artifact.demo,
                size=human_size(artifact.size), bundled=artifact.bundled or "",
                source=artifact.source, cache=str(cache_dir()))
    base.update(params)
    return WeightsUnavailable(key, MESSAGES[key], **base)


# ---------------------------------------------------------------------------
# Where files are
# ---------------------------------------------------------------------------

def weights_dir() -> Path | None:
    """The local folder named by ``$DLDEMOS_WEIGHTS_DIR`` (e.g. a USB stick), if set."""
    value = os.environ.get(WEIGHTS_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads go: ``$DLDEMOS_CACHE_DIR``, else ``~/.cache/dldemos``."""
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "dldemos"


def offline() -> bool:
    """Whether ``$DLDEMOS_OFFLINE`` forbids downloads (``1``, ``true`` or ``yes``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def get(artifact_id: str) -> Artifact:
    """The catalogue entry ``artifact_id`` (``KeyError`` naming the known ids otherwise)."""
    try:
        return CATALOGUE[artifact_id]
    except KeyError:
        raise KeyError(f"unknown artifact {artifact_id!r}; known: {', '.join(sorted(CATALOGUE))}") from None


def _where(artifact: Artifact) -> tuple[str, Path] | None:
    """The status and path of the first copy found, without touching the network."""
    if artifact.bundled:
        path = REPO_ROOT / artifact.bundled
        if path.is_file():
            return "bundled", path
    local = weights_dir()
    if local is not None:
        for path in (local / artifact.filename, local / Path(artifact.filename).name):
            if path.is_file():
                return "local", path
    path = cache_dir() / artifact.filename
    if path.is_file():
        return "cached", path
    return None


def locate(artifact_id: str) -> Path | None:
    """The file of ``artifact_id`` if it is on this machine (bundled, local folder, cache), else None."""
    found = _where(get(artifact_id))
    return found[1] if found else None


def status(artifact_id: str) -> str:
    """``"bundled"``, ``"local"``, ``"cached"`` or ``"missing"``."""
    found = _where(get(artifact_id))
    return found[0] if found else "missing"


# ---------------------------------------------------------------------------
# Getting files
# ---------------------------------------------------------------------------

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    # Two Streamlit sessions asking for the same file must not write one .part together.
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def resolve(artifact_id: str, progress: Progress | None = None, download: bool = True) -> Path:
    """The local path of ``artifact_id``, downloading it into the cache if needed.

    ``progress(done_bytes, total_bytes_or_None)`` is called during a download.
    Raises :class:`WeightsUnavailable` (with a how-to) when the file is not
    here and cannot be downloaded: offline, ``download=False``, no mirror
    answers, or a checksum fails.
    """
    artifact = get(artifact_id)
    path = locate(artifact_id)
    if path is not None:
        return path
    if not artifact.urls:
        raise _unavailable("weights.not_bundled" if artifact.bundled else "weights.manual", artifact)
    if not download or offline():
        raise _unavailable("weights.missing", artifact)
    dest = cache_dir() / artifact.filename
    with _lock_for(dest):
        if dest.is_file():  # another session finished it while we waited
            return dest
        return _download(artifact, dest, progress=progress)


def _hashers(artifact: Artifact) -> dict[str, "hashlib._Hash"]:
    hashers = {}
    if artifact.md5:
        hashers["md5"] = hashlib.md5(usedforsecurity=False)
    if artifact.sha256 or artifact.sha256_prefix:
        hashers["sha256"] = hashlib.sha256()
    return hashers


def _check(artifact: Artifact, hashers: dict) -> tuple[str, str, str] | None:
    """``(algorithm, expected, actual)`` of the first failed checksum, or None when all pass."""
    if artifact.md5 and hashers["md5"].hexdigest() != artifact.md5.lower():
        return "md5", artifact.md5.lower(), hashers["md5"].hexdigest()
    if artifact.sha256 and hashers["sha256"].hexdigest() != artifact.sha256.lower():
        return "sha256", artifact.sha256.lower(), hashers["sha256"].hexdigest()
    if artifact.sha256_prefix and not hashers["sha256"].hexdigest().startswith(artifact.sha256_prefix.lower()):
        return "sha256", artifact.sha256_prefix.lower() + "…", hashers["sha256"].hexdigest()
    return None


class _Incomplete(OSError):
    """The server closed the connection before sending the whole file (the .part is kept)."""


def _stream(url: str, part: Path, hashers: dict, progress: Progress | None, timeout: float,
            size_hint: int | None) -> None:
    """Fetch ``url`` into ``part``, resuming it when the server honours ``Range``."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not have:
            raise
        # 416: the .part is no prefix of this file (or already whole): start afresh.
        exc.close()
        part.unlink()
        have = 0
        request.remove_header("Range")
        response = urllib.request.urlopen(request, timeout=timeout)
    with response:
        resuming = have > 0 and response.status == 206
        if resuming and not response.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            part.unlink()  # resumed at another offset: unusable, the next try starts afresh
            raise _Incomplete(f"the server resumed at the wrong offset ({response.headers.get('Content-Range')})")
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        if resuming:
            total = have + length if length is not None else size_hint
            # Recompute the hash over the bytes already there, then go on appending.
            with open(part, "rb") as f:
                while chunk := f.read(_CHUNK):
                    for h in hashers.values():
                        h.update(chunk)
        else:
            have = 0  # a 200 answer is the whole file: restart from zero
            total = length if length is not None else size_hint
        done, last = have, 0.0
        if progress:
            progress(done, total)
        with open(part, "ab" if resuming else "wb") as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                for h in hashers.values():
                    h.update(chunk)
                done += len(chunk)
                if progress and time.monotonic() - last >= _PROGRESS_EVERY_S:
                    progress(done, total)
                    last = time.monotonic()
    if length is not None and done != total:
        raise _Incomplete(f"connection closed after {human_size(done)} of {human_size(total)}")
    if progress:
        progress(done, done if total is None else total)


def _reason(exc: BaseException) -> str:
    """A short readable reason for a network failure."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def download(artifact: Artifact, dest: Path, progress: Progress | None = None, timeout: float = 30) -> Path:
    """Download ``artifact`` to ``dest`` from its first mirror that works, checked and atomic.

    Writes ``<dest>.part`` (resumed if present), verifies the md5 / sha256,
    then renames it to ``dest``. Raises :class:`WeightsUnavailable`
    (``weights.checksum`` or ``weights.download_failed``) otherwise.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors: list[str] = []
    mismatch: tuple[str, str, str] | None = None
    for url in artifact.urls:
        hashers = _hashers(artifact)
        try:
            _stream(url, part, hashers, progress, timeout, artifact.size)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError, HTTPError, timeouts and refused connections are all OSErrors;
            # ValueError is a malformed URL. Keep the .part: the next mirror resumes it.
            errors.append(f"{url}: {_reason(exc)}")
            continue
        mismatch = _check(artifact, hashers)
        if mismatch is None:
            os.replace(part, dest)
            return dest
        # A corrupted (or captive-portal) answer: drop it, another mirror may be good.
        part.unlink(missing_ok=True)
        errors.append(f"{url}: {mismatch[0]} mismatch")
    if mismatch is not None:
        algorithm, expected, actual = mismatch
        raise _unavailable("weights.checksum", artifact, algorithm=algorithm, expected=expected, actual=actual)
    raise _unavailable("weights.download_failed", artifact, errors="; ".join(errors) or "no mirror")


_download = download  # resolve() has a parameter named ``download``


def load_state_dict(artifact_id: str, progress: Progress | None = None, map_location="cpu") -> dict:
    """:func:`resolve` then ``torch.load(..., weights_only=True)`` (no code runs from the file)."""
    import torch  # here, so that the catalogue and `demos.fetch` load without torch

    return torch.load(resolve(artifact_id, progress=progress), map_location=map_location, weights_only=True)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def readiness(demo: str | None = None) -> list[dict]:
    """One row per artifact (of ``demo``, or all): id, demo, description, status, size, license, filename."""
    rows = []
    for artifact in CATALOGUE.values():
        if demo is not None and not artifact.used_by(demo):
            continue
        found = _where(artifact)
        size = artifact.size
        if size is None and found is not None:
            size = found[1].stat().st_size
        rows.append(dict(id=artifact.id, demo=artifact.demo, description=artifact.description,
                         status=found[0] if found else "missing", size=size,
                         license=artifact.license, filename=artifact.filename, also=artifact.also))
    return rows


def readiness_by_demo(rows: list[dict], demos: tuple[str, ...] = DEMOS) -> list[dict]:
    """Per demo (every one of ``demos``, with or without files), from :func:`readiness` rows.

    ``ready`` / ``total`` files here; ``missing_bytes`` left to download
    (``missing_unknown`` more files of unknown size); ``bundled``: every file
    it uses ships with the app; ``offline``: its main interaction works with
    no network right now (:data:`OFFLINE_NEEDS`), else ``offline_bytes`` is
    the least it still needs.
    """
    by_id = {row["id"]: row for row in rows}
    summary = []
    for demo in demos:
        mine = [row for row in rows if demo == row["demo"] or demo in row.get("also", ())]
        missing = [row for row in mine if row["status"] == "missing"]
        unmet = [group for group in OFFLINE_NEEDS.get(demo, ())
                 if all(by_id.get(i, {}).get("status", "missing") == "missing" for i in group)]
        # The least to download: the smallest file of known size in each group still unmet.
        needed = sum(min((by_id[i]["size"] for i in group if by_id.get(i, {}).get("size")), default=0)
                     for group in unmet)
        summary.append({
            "demo": demo, "ready": len(mine) - len(missing), "total": len(mine),
            "missing_bytes": sum(row["size"] or 0 for row in missing),
            "missing_unknown": sum(row["size"] is None for row in missing),
            "bundled": bool(mine) and all(row["status"] == "bundled" for row in mine),
            "offline": not unmet, "offline_bytes": needed,
        })
    return summary


_UNITS = {"en": ("B", "kB", "MB", "GB", "TB"), "fr": ("o", "ko", "Mo", "Go", "To")}


def human_size(n: int | None, lang: str = "en") -> str:
    """``12.3 MB``-style size in decimal units (``12,3 Mo`` in French); ``"?"`` when unknown."""
    if n is None:
        return "?"
    units = _UNITS.get(lang, _UNITS["en"])
    if n < 1000:
        return f"{n} {units[0]}"
    value, unit = n / 1000, units[1]
    for bigger in units[2:]:
        if value < 999.95:  # would print as "1000.0 kB" otherwise
            break
        value, unit = value / 1000, bigger
    from demos.i18n import format_decimal   # light (JSON only)

    return f"{format_decimal(value, '.1f', lang)} {unit}"


def describe(artifact_id: str, lang: str = "en") -> str:
    """What the file is, in ``lang``: its ``artifact.<id>`` text in the catalogue of that language."""
    from demos import i18n   # light (JSON only); imported here to keep this module's imports minimal

    return i18n.translate(f"artifact.{artifact_id}", lang) if f"artifact.{artifact_id}" in i18n.catalogue("en") \
        else get(artifact_id).description


def describe_label(label: str, lang: str = "en") -> str:
    """What ``label`` names, in ``lang``: a catalogue id (a sample) is described; any other text is kept."""
    return describe(label, lang) if label in CATALOGUE else label


# ---------------------------------------------------------------------------
# Samples: the photos and paintings a page offers (catalogue entries, never committed)
# ---------------------------------------------------------------------------

def sample_ids(prefix: str) -> list[str]:
    """The catalogue ids starting with ``prefix`` (``"cyclegan-sample-"``), in the catalogue's order."""
    return [artifact_id for artifact_id in CATALOGUE if artifact_id.startswith(prefix)]


def samples(prefix: str) -> dict[str, Path]:
    """Catalogue id → file of the samples with ``prefix`` already on this machine (weights folder or cache)."""
    return {artifact_id: path for artifact_id in sample_ids(prefix) if (path := locate(artifact_id)) is not None}


def missing(*prefixes: str) -> list[str]:
    """The ids of the samples with one of ``prefixes`` not on this machine yet (``python -m demos.fetch`` gets them)."""
    return [artifact_id for prefix in prefixes for artifact_id in sample_ids(prefix) if locate(artifact_id) is None]
