"""Neural style transfer: paint a photo like Van Gogh (seed 003 of the lecture).

Public API:

- :func:`gram_matrix` ``(features)``: the Gram matrix, normalised by C·H·W;
- :func:`gatys` ``(content, style, steps, size, callback=None, ...)``: the
  optimisation of Gatys et al. (2016) with VGG19, returning a PIL image and
  calling ``callback(step, losses, preview)`` along the way;
- :func:`fast_stylize` ``(image, style="candy")``: one forward pass of a
  feed-forward network (Johnson et al., 2016);
- :func:`load_vgg19_features`, :func:`load_fast_model`, :data:`FAST_MODELS`,
  :data:`LAYERS`; :func:`start_job` runs :func:`gatys` in the background;
- :data:`PAINTING_PREFIX`, :data:`PHOTO_PREFIX`: the catalogue ids of the sample paintings and photos
  (``weights.samples(PAINTING_PREFIX)``; none is committed).
"""
from __future__ import annotations

from demos.lazy import lazy_package

PAINTING_PREFIX = "style-sample-"   # Starry Night, The Great Wave, The Scream (public domain)
PHOTO_PREFIX = "style-photo-"       # the Tübingen riverside of Gatys et al.'s figures

__getattr__, __dir__ = lazy_package(__name__, {
    "fast": ("FAST_MODELS", "FastModel", "FastStyleError", "TransformerMobileNet", "TransformerNet", "candidates",
             "clean_state_dict", "fast_stylize", "from_state_dict", "load_fast_model", "pick_model"),
    "optimisation": ("ADAM_LR", "CONTENT_LAYER", "DEFAULT_RATIO", "INITS", "LAYERS", "OPTIMIZERS", "STYLE_LAYERS",
                     "VGG19_ARTIFACT", "gatys", "layer_gram", "load_vgg19_features", "working_size"),
    "gram": ("gram_matrix",),
    "jobs": ("GatysJob", "start_job"),
})

__all__ = [
    "ADAM_LR", "CONTENT_LAYER", "DEFAULT_RATIO", "FAST_MODELS", "FastModel", "FastStyleError", "GatysJob", "INITS", "LAYERS",
    "OPTIMIZERS", "PAINTING_PREFIX", "PHOTO_PREFIX",
    "STYLE_LAYERS", "TransformerMobileNet", "TransformerNet", "VGG19_ARTIFACT", "candidates", "clean_state_dict",
    "fast_stylize", "from_state_dict", "gatys", "gram_matrix", "layer_gram", "load_fast_model", "load_vgg19_features",
    "pick_model", "start_job", "working_size",
]
