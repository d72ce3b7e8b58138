"""Demo: what does a pretrained ImageNet network see? (lecture seeds 000 and 001).

``top_k(image, model="alexnet", k=15)`` is the public entry point; see
:mod:`.models` (offered networks, weights), :mod:`.predict` (preprocessing,
top-k, timing), :mod:`.gradcam` (where it looks) and :mod:`.samples`.
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "gradcam": ("METHODS", "crop_box", "heatmap", "overlay"),
    "models": ("DEFAULT_MODEL", "SPECS", "Classifier", "ModelSpec", "get_spec", "load_classifier", "weights_path"),
    "predict": ("NORMALISATIONS", "TOP_K", "Prediction", "Result", "classify", "lecture_normalise", "preprocess",
                "top_k"),
    "samples": ("SAMPLES_DIR_ENV", "list_samples"),
})

__all__ = [
    "DEFAULT_MODEL", "METHODS", "NORMALISATIONS", "SAMPLES_DIR_ENV", "SPECS", "TOP_K", "Classifier", "ModelSpec",
    "Prediction", "Result", "classify", "crop_box", "get_spec", "heatmap", "lecture_normalise", "list_samples",
    "load_classifier", "overlay", "preprocess", "top_k", "weights_path",
]
