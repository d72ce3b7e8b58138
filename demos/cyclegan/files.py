"""The CycleGAN demo's page and files: the released generators, GAN Compression's fast one, sample photos.

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare
from demos.weights import CATALOGUE, Artifact, register

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

declare(Demo("cyclegan", order=50, icon=":material/swap_horiz:",
             offline_needs=(tuple(i for i in CATALOGUE if i.startswith("cyclegan-") and "-sample-" not in i),)))
