"""Demo: compress and unfold (seed 001). A convolutional autoencoder against PCA on MNIST, latent interpolation,
t-SNE maps of the lecture network's layers.

:func:`reconstruct` compresses digits to d numbers and rebuilds them; :func:`interpolate` walks between two
digits in the code space; :func:`place` puts a digit in the shipped map of a layer.
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "autoencoder": ("DIMENSIONS", "ConvAutoencoder", "PCA", "decode", "encode", "interpolate", "reconstruct",
                    "Comparison", "compare", "marked"),
    "tsne": ("LAYERS", "LayerMap", "Placed", "build_maps", "place", "place_in_maps", "shipped_maps"),
})

__all__ = ["DIMENSIONS", "LAYERS", "PCA", "Comparison", "ConvAutoencoder", "LayerMap", "Placed", "build_maps", "compare",
           "decode", "encode", "interpolate", "marked", "place", "place_in_maps", "reconstruct", "shipped_maps"]
