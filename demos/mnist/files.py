"""The MNIST demo's page and files: the four MNIST files (torchvision's mirrors) and the lecture's network.

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare
from demos.weights import Artifact, register

declare(Demo("mnist", order=10, icon=":material/draw:", offline_needs=(("mnist-cnn",),)))

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
