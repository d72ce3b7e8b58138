"""Demo: inside a convolution. The lecture's worked examples (1-D, padding and stride, the curve detector,
batch normalisation) computed by torch and explained value by value, then applied to the visitor's picture.
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "examples": ("FILTERS",),
    "operations": ("Explained", "batch_norm", "conv1d", "conv2d", "filter_image", "max_pool", "output_size",
                   "parameter_counts", "parse_matrix", "parse_vector"),
})

__all__ = ["FILTERS", "Explained", "batch_norm", "conv1d", "conv2d", "filter_image", "max_pool", "output_size",
           "parameter_counts", "parse_matrix", "parse_vector"]
