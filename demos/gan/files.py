"""The GAN demo's page and files: BigGAN-deep (three sizes) and the conditional MNIST GAN of this project.

Light (no torch): the catalogue, ``python -m demos.fetch`` and the home page read it.
"""
from __future__ import annotations

from demos.registry import Demo, declare
from demos.weights import Artifact, register

declare(Demo("gan", order=70, icon=":material/auto_awesome:", offline_needs=(("gan-mnist-cgan",),)))

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
