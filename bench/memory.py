"""Resident memory of one app process with every demo's models loaded, printed as JSON.

    python bench/memory.py [--max-models N]

Loads, one after the other, what the pages keep in memory (shared by all
visitors: one copy per process), each warmed up by one forward pass as the
app does, and records the process's resident set size (RSS, from
``/proc/self/status``) after each. The shipped networks (MNIST, the MNIST GAN,
attention sampling) are the real ones; the downloadable ones are built with
random weights (the same size and memory; the shared MobileNetV2 is the real one
when ``../shared/data/weights`` holds it). BigGAN-deep-256/512 cannot be built
without their config files: only BigGAN-deep-128 is measured.

``--max-models N`` loads the large models through :mod:`demos.model_cache` with
``DLDEMOS_MAX_MODELS=N``, as the app would, to show what the cap saves.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def trim() -> None:
    """Give freed memory back to the system (glibc keeps it otherwise), so RSS shows what is really held."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def parameter_mb(model) -> float:
    import torch

    module = model.module if hasattr(model, "module") else model
    tensors = [*module.parameters(), *module.buffers()] if isinstance(module, torch.nn.Module) else []
    return round(sum(t.numel() * t.element_size() for t in tensors) / 2**20, 1)


def loaders() -> list[tuple[str, callable]]:
    """(name, load-and-warm-up) for every model a page keeps, in the order a visitor might meet them."""
    import numpy as np
    import torch

    from demos import attention_sampling, cyclegan, imagenet, mnist, style
    from demos.gan import biggan, conditional
    from tests.gan_support import random_biggan   # random weights in the official format

    cpu = torch.device("cpu")

    def classifier(model_id):
        def load():
            mobilenet = SHARED / "weights" / "mobilenet_v2_imagenet_dequantized.pth"
            if model_id == "mobilenet_v2" and mobilenet.is_file():
                return imagenet.load_classifier(model_id, mobilenet, device=cpu, warm_up=True)
            torch.manual_seed(0)
            return imagenet.load_classifier(model_id, pretrained=False, device=cpu, warm_up=True)
        return load

    def generator(architecture):
        def load():
            module = (cyclegan.generators.ResnetGenerator() if architecture == "original"
                      else cyclegan.generators.SubMobileResnetGenerator())
            net = cyclegan.load.build_generator(module.state_dict())
            cyclegan.warm_up(net)
            return net
        return load

    def fast(architecture):
        def load():
            net = (style.TransformerNet() if architecture == "johnson" else style.TransformerMobileNet()).eval()
            with torch.inference_mode():
                net(torch.zeros(1, 3, 64, 64))
            return net
        return load

    def vgg():
        features = style.load_vgg19_features(pretrained=False, device=cpu)
        with torch.no_grad():
            features(torch.zeros(1, 3, 64, 64))
        return features

    def big():
        model = random_biggan()
        biggan.seconds_per_image(model)
        return model

    def sampler():
        model = attention_sampling.load_model()
        attention_sampling.read(np.zeros((1500, 1500), np.uint8), model=model)
        return model

    def digits():
        model = mnist.load_model()
        mnist.read(np.zeros((28, 28), np.uint8), model)
        return model

    return [("mnist (shipped)", digits), ("mnist GAN (shipped)", conditional.load_generator),
            ("attention sampling (shipped)", sampler),
            *[(f"imagenet {m}", classifier(m)) for m in imagenet.SPECS],
            ("cyclegan original", generator("original")), ("cyclegan original, 2nd (cycle)", generator("original")),
            ("cyclegan compressed", generator("compressed")),
            ("style fast johnson", fast("johnson")), ("style fast mobilenet", fast("mobilenet")),
            ("style VGG19 features", vgg), ("biggan-deep-128", big)]


def measure(max_models: int | None) -> dict:
    start = rss_mb()
    import numpy  # noqa: F401
    import streamlit  # noqa: F401
    import torch

    import demos.attention_sampling, demos.cyclegan, demos.gan.biggan, demos.imagenet, demos.mnist, demos.style  # noqa: E401,F401
    from demos import model_cache

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    trim()
    out = {"machine": platform.machine(), "cpu_threads": torch.get_num_threads(), "torch": torch.__version__,
           "rss_mb": {"python": start, "after_imports": rss_mb()}, "models": []}
    cache = model_cache.ModelCache(max_models=max_models or 0)
    kept = []
    for name, load in loaders():
        before = rss_mb()
        began = time.perf_counter()
        if max_models:
            model = cache.get(name, load)
        else:
            model = load()
            kept.append(model)
        seconds = time.perf_counter() - began
        params = parameter_mb(model)
        del model
        trim()
        out["models"].append({"name": name, "params_mb": params, "rss_added_mb": round(rss_mb() - before, 1),
                              "load_s": round(seconds, 2)})
    trim()
    out["rss_mb"]["all_loaded"] = rss_mb()
    out["rss_mb"]["peak"] = rss_mb("VmHWM")
    out["models_in_memory"] = len(cache) if max_models else len(kept)
    if max_models:
        out["max_models"] = max_models
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-models", type=int, default=0, help="cap the large models as DLDEMOS_MAX_MODELS does")
    args = parser.parse_args(argv)
    os.environ.setdefault("DLDEMOS_DEVICE", "cpu")
    print(json.dumps(measure(args.max_models), indent=2))


if __name__ == "__main__":
    main()
