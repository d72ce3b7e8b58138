"""Demo: compress and unfold (seed 001). A convolutional autoencoder against PCA on MNIST, latent interpolation.

:func:`reconstruct` compresses digits to d numbers and rebuilds them; :func:`interpolate` walks between two
digits in the code space.
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "autoencoder": ("DIMENSIONS", "ConvAutoencoder", "PCA", "decode", "encode", "interpolate", "reconstruct",
                    "Comparison", "compare", "marked"),
})

__all__ = ["DIMENSIONS", "PCA", "Comparison", "ConvAutoencoder", "compare", "decode", "encode", "interpolate", "marked",
           "reconstruct"]
