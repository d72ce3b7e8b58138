"""Demo: generative adversarial networks.

- :mod:`demos.gan.conditional`: a class-conditional DCGAN on MNIST trained by
  this project (``assets/mnist_cgan.pt``); :func:`generate_digits` returns
  uint8 arrays of shape (N, 28, 28), white ink on black as in MNIST.
- :mod:`demos.gan.biggan`: BigGAN-deep through pytorch-pretrained-BigGAN;
  :func:`biggan_generate` returns a list of PIL images.
- :mod:`demos.gan.train_conditional`: the training script, and
  :func:`train_live`, the page's one-minute run from scratch.
"""
from __future__ import annotations

from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "biggan": ("biggan_generate", "class_indices", "latent_walk", "load_biggan", "to_gif"),
    "conditional": ("generate_digits", "interpolate", "load_generator", "recognisability"),
    "train_conditional": ("train_live",),
})

__all__ = ["biggan_generate", "class_indices", "generate_digits", "interpolate", "latent_walk",
           "load_biggan", "load_generator", "recognisability", "to_gif"]
