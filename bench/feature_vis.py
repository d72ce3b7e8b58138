"""Benchmark of "What a neuron wants" and guided back-propagation, printed as JSON (the acceptance figures).

    python bench/feature_vis.py [--weights ../shared/data/weights/mobilenet_v2_imagenet_dequantized.pth]
                                [--steps 256] [--size 224] [--vgg16 path/to/vgg16-397923af.pth]

- For each of the lecture's four classes (King crab, Samoyed, Hourglass, Paper towel), MobileNetV2, from noise:
  the class probability on the result, and in how many of 20 random moves of the result (shift ±16 px
  with a rescale in 0.9–1.1) the class stays top-1; seconds per picture on this machine.
- Guided back-propagation: equal to the hand-computed rule on a two-layer ReLU network; seconds for VGG16 at
  224² (random weights: the cost does not depend on them), median of 5 after a warm-up.
- With ``--vgg16``: the same four classes on VGG16 (the lecture's network).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torchvision.transforms.functional as TF  # noqa: E402

from demos import imagenet  # noqa: E402
from demos.feature_vis import visualise  # noqa: E402
from demos.feature_vis.gallery import LECTURE_CLASSES  # noqa: E402
from demos.imagenet.gradcam import guided_gradients  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MOVES = 20


def robustness(classifier, picture, target: int, seed: int = 1) -> int:
    """In how many of MOVES random shifts (±16 px) with rescales (0.9–1.1) ``target`` stays top-1."""
    generator = torch.Generator().manual_seed(seed)
    x = TF.to_tensor(picture)[None].to(classifier.device)
    kept = 0
    for _ in range(MOVES):
        dx, dy = torch.randint(-16, 17, (2,), generator=generator).tolist()
        scale = 0.9 + 0.2 * float(torch.rand(1, generator=generator))
        moved = TF.affine(x, angle=0.0, translate=[dx, dy], scale=scale, shear=[0.0], fill=[0.5])
        with torch.inference_mode():
            logits = classifier.module(TF.normalize(moved, classifier.transforms.mean, classifier.transforms.std))
        kept += int(logits.argmax()) == target
    return kept


def class_figures(classifier, steps: int, size: int) -> dict:
    figures = {}
    for target, name in LECTURE_CLASSES.items():
        start = time.perf_counter()
        picture = visualise(classifier, target_class=target, steps=steps, size=size, seed=0)
        seconds = time.perf_counter() - start
        answers = imagenet.top_k(picture, classifier, k=1000)
        figures[name] = {"class_index": target,
                         "probability": round(next(p.probability for p in answers if p.class_index == target), 4),
                         "top1": answers[0].class_name,
                         f"top1_kept_in_{MOVES}_moves": robustness(classifier, picture, target),
                         "seconds": round(seconds, 1)}
    return figures


def guided_figures() -> dict:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 8, bias=False), torch.nn.ReLU(), torch.nn.Linear(8, 3, bias=False))
    w1, w2 = net[0].weight.detach(), net[2].weight.detach()
    x = torch.randn(4, 6)
    guided = guided_gradients(net, x, [0, 1, 2, 1])
    hand = torch.stack([w1.T @ torch.relu(w2[c] * (w1 @ x[i] > 0).float()) for i, c in enumerate([0, 1, 2, 1])])
    vgg = imagenet.load_classifier("vgg16", pretrained=False, device=torch.device("cpu"))
    image = torch.randn(1, 3, 224, 224)
    guided_gradients(vgg.module, image, [1])                 # warm-up
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        guided_gradients(vgg.module, image, [1])
        seconds.append(time.perf_counter() - start)
    return {"equals_hand_computed_two_layer_relu": bool(torch.allclose(guided, hand, atol=1e-6)),
            "vgg16_224_seconds_median": round(statistics.median(seconds), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default=str(SHARED / "weights" / "mobilenet_v2_imagenet_dequantized.pth"))
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--vgg16", default=None, help="VGG16's official state_dict, where it is here")
    args = parser.parse_args()
    mobilenet = imagenet.load_classifier("mobilenet_v2", args.weights)
    results = {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
               "threads": torch.get_num_threads(), "device": str(mobilenet.device),
               "steps": args.steps, "size": args.size,
               "mobilenet_v2": class_figures(mobilenet, args.steps, args.size),
               "guided_backprop": guided_figures()}
    if args.vgg16:
        results["vgg16"] = class_figures(imagenet.load_classifier("vgg16", args.vgg16), args.steps, args.size)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
