"""The style-transfer demo's page and files: VGG19, the fast-style networks, sample paintings and a photo.

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare
from demos.weights import CATALOGUE, Artifact, register

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

declare(Demo("style", order=60, icon=":material/palette:",
             offline_needs=(tuple(i for i in CATALOGUE if i.startswith("style-fast-")) + ("style-vgg19",),)))
