"""The ImageNet demo's page and files: torchvision's official weights of each offered network, sample photos.

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it. The networks are
listed once, here (:data:`NETWORKS`); :mod:`demos.imagenet.models` adds how torchvision builds each.
"""
from __future__ import annotations

from typing import NamedTuple

from demos.registry import Demo, declare
from demos.weights import Artifact, register


class Network(NamedTuple):
    label: str        # what the page shows
    filename: str     # torchvision's official file name (its sha256 prefix after the last "-")
    mb: float         # torchvision's meta["_file_size"]


# Every network the ImageNet page offers, in the menu's order (AlexNet first: the lecture's network and the
# page's default), with torchvision's official weights: same URLs, the hash prefix torchvision puts in the file
# name, the size of its meta (tests/test_imagenet.py checks all three against torchvision, which is not
# imported here). demos.imagenet.models adds how torchvision builds each one.
NETWORKS: dict[str, Network] = {
    "alexnet": Network("AlexNet", "alexnet-owt-7be5be79.pth", 233.087),
    "vgg16": Network("VGG16", "vgg16-397923af.pth", 527.796),
    "resnet50": Network("ResNet-50", "resnet50-11ad3fa6.pth", 97.79),
    "mobilenet_v2": Network("MobileNetV2", "mobilenet_v2-b0353104.pth", 13.555),
    "efficientnet_b0": Network("EfficientNet-B0", "efficientnet_b0_rwightman-7f5810bc.pth", 20.451),
    "vit_b_16": Network("ViT-B/16", "vit_b_16-c867db91.pth", 330.285),
}
for _id, _network in NETWORKS.items():
    register(Artifact(
        id=f"imagenet-{_id}", filename=f"imagenet/{_network.filename}", demo="imagenet",
        description=f"{_network.label} ImageNet weights (torchvision)",
        license="BSD-3-Clause (torchvision); trained on ImageNet (non-commercial research terms)",
        source="torchvision.models (https://pytorch.org/vision/stable/models.html)",
        urls=(f"https://download.pytorch.org/models/{_network.filename}",), size=round(_network.mb * 1_000_000),
        sha256_prefix=_network.filename.rsplit("-", 1)[1].split(".")[0],
    ))
del _id, _network

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

declare(Demo("imagenet", order=20, icon=":material/image_search:",
             offline_needs=(tuple(f"imagenet-{network}" for network in NETWORKS),)))   # any one network
