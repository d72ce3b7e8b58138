"""A BigGAN-deep-128 folder with random weights, in pytorch-pretrained-BigGAN's format (no download)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from demos.gan import biggan


def random_biggan(seed: int = 0) -> torch.nn.Module:
    """BigGAN-deep-128's architecture (the package's default config) with random but usable weights, in eval mode.

    For tests and benchmarks without the download. The package leaves the last
    norm's affine uninitialised and its stored batch-norm statistics (mean 0,
    variance 1) make random layers blow up, so: the affine is set to (1, 0), the
    spectral norms' power iteration runs once, and each layer's statistics are
    set to those of a real batch, layer by layer. The images are noise, but vary
    with the noise and the class as a trained model's do; the cost is the same.
    """
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig
    from pytorch_pretrained_biggan.model import BigGANBatchNorm

    torch.manual_seed(seed)   # a test's own process: the app never sets the global seed
    model = BigGAN(BigGANConfig())
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
        model(biggan.noise(8, 0.4, 1), biggan.one_hot(list(range(0, 800, 100))), 0.4)
    for hook in hooks:
        hook.remove()
    return model


def save_random_biggan(folder: Path) -> Path:
    """``folder``/config.json + pytorch_model.bin of biggan-deep-128's architecture, random weights."""
    model = random_biggan()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(vars(model.config)))
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder
