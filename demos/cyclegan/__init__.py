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

from demos.cyclegan.generators import ResnetGenerator, SubMobileResnetGenerator, count_macs, parameter_count
from demos.cyclegan.load import (FAST_MODE, GENERATORS, CheckpointError, GeneratorInfo, architecture_cost,
                                 build_generator,
                                 clean_state_dict, get_info, load_generator)
from demos.cyclegan.translate import (Cycle, Translation, cycle, default_size, output_size, round_trip,
                                      size_choices, translate, translate_timed, warm_up,
                                      working_size)

SAMPLE_PREFIX = "cyclegan-sample-"   # the catalogue's sample photos (horses, zebras, then others)

__all__ = [
    "FAST_MODE", "GENERATORS", "CheckpointError", "architecture_cost", "Cycle", "GeneratorInfo", "ResnetGenerator",
    "SubMobileResnetGenerator", "Translation", "build_generator", "clean_state_dict", "count_macs", "cycle",
    "default_size", "get_info", "load_generator", "SAMPLE_PREFIX", "output_size", "round_trip", "size_choices", "parameter_count", "translate",
    "translate_timed", "warm_up", "working_size",
]
