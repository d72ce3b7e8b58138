"""CycleGAN (Zhu et al., 2017): unpaired image-to-image translation, horse ↔ zebra and more.

Public API:

- :func:`translate` ``(image, model="horse2zebra", size=256)``: the translated PIL image;
- :func:`translate_timed`: the same, with timing and sizes (what the page shows);
- :func:`cycle` ``(image, forward, backward)``: G(x), F(G(x)) and the cycle error;
- :func:`load_generator` ``(model_id, path=None)``: a generator from the
  weights catalogue or from any local ``.pth`` file (official CycleGAN
  ``resnet_9blocks`` or GAN Compression ``sub_mobile_resnet_9blocks``);
- :data:`GENERATORS`: the released generators the page offers;
- :data:`SAMPLE_PREFIX`: the catalogue ids of its sample photos (``weights.samples(SAMPLE_PREFIX)``).
"""
from __future__ import annotations

from demos.lazy import lazy_package

SAMPLE_PREFIX = "cyclegan-sample-"   # the catalogue's sample photos (horses, zebras, then others)

__getattr__, __dir__ = lazy_package(__name__, {
    "generators": ("ResnetGenerator", "SubMobileResnetGenerator", "count_macs", "parameter_count"),
    "load": ("FAST_MODE", "GENERATORS", "CheckpointError", "GeneratorInfo", "architecture_cost", "build_generator",
             "clean_state_dict", "get_info", "load_generator"),
    "translation": ("Cycle", "Translation", "cycle", "default_size", "output_size", "round_trip", "size_choices",
                    "translate", "translate_timed", "warm_up", "working_size"),
})

__all__ = [
    "FAST_MODE", "GENERATORS", "SAMPLE_PREFIX", "CheckpointError", "Cycle", "GeneratorInfo", "ResnetGenerator",
    "SubMobileResnetGenerator", "Translation", "architecture_cost", "build_generator", "clean_state_dict",
    "count_macs", "cycle", "default_size", "get_info", "load_generator", "output_size", "parameter_count",
    "round_trip", "size_choices", "translate", "translate_timed", "warm_up", "working_size",
]
