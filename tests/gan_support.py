"""A BigGAN-deep-128 folder with random weights, in pytorch-pretrained-BigGAN's format (no download)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from demos.gan import biggan


# The published BigGAN-deep generators (Brock et al. 2019, appendix B) as pytorch-pretrained-BigGAN
# writes them: (upsample?, in, out) channel multipliers of 128 per block, two blocks per resolution, the
# self-attention at 64². 128² is the package's default; 256² and 512² add one and two resolutions (their
# config.json comes with the download, which the GPU check must not need).
LAYERS = {
    128: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 4),
          (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1)],
    256: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 8),
          (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1)],
    512: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 8),
          (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1),
          (False, 1, 1), (True, 1, 1)],
}


def random_biggan(seed: int = 0, resolution: int = 128, channel_width: int = 128) -> torch.nn.Module:
    """BigGAN-deep's architecture at ``resolution`` (128, 256 or 512) with random but usable weights, in eval mode.

    For tests and benchmarks without the download. The package leaves the last
    norm's affine uninitialised and its stored batch-norm statistics (mean 0,
    variance 1) make random layers blow up, so: the affine is set to (1, 0), the
    spectral norms' power iteration runs once, and each layer's statistics are
    set to those of a real batch, layer by layer. The images are noise, but vary
    with the noise and the class as a trained model's do; the cost is the same (at the official
    ``channel_width``; a narrow one makes a small network of the same layout, for tests of the loading).
    """
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig
    from pytorch_pretrained_biggan.model import BigGANBatchNorm

    torch.manual_seed(seed)   # a test's own process: the app never sets the global seed
    model = BigGAN(BigGANConfig(output_dim=resolution, layers=LAYERS[resolution], channel_width=channel_width))
    norms = [m for m in model.modules() if isinstance(m, BigGANBatchNorm)]
    for module in norms:
        if not module.conditional:
            torch.nn.init.ones_(module.weight)
            torch.nn.init.zeros_(module.bias)

    def calibrate(module, args):
        x = args[0].float()
        dims = (0, 2, 3) if x.dim() == 4 else (0,)
        module.running_means[:] = x.mean(dims)
        module.running_vars[:] = x.var(dims)

    with torch.no_grad():
        model.train()
        model(biggan.noise(1, 0.4, 0), biggan.one_hot([0]), 0.4)            # spectral norms' power iteration
        hooks = [m.register_forward_pre_hook(calibrate) for m in norms]
        model.eval()
        n = 8 if resolution == 128 else 2   # statistics of 2 images are enough for a cost benchmark
        model(biggan.noise(n, 0.4, 1), biggan.one_hot(list(range(0, 100 * n, 100))), 0.4)
    for hook in hooks:
        hook.remove()
    return model


def save_random_biggan(folder: Path, channel_width: int = 128) -> Path:
    """``folder``/config.json + pytorch_model.bin of biggan-deep-128's architecture, random weights."""
    model = random_biggan(channel_width=channel_width)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(vars(model.config)))
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder
