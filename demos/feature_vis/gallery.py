"""The lecture's presets, and the gallery this project computed for MobileNetV2 (shipped in assets/feature_vis/).

The gallery lets the page show something with no network and no wait. It is made by

    python -m demos.feature_vis.gallery --weights ../shared/data/weights/mobilenet_v2_imagenet_dequantized.pth

(about 10 minutes on 2 CPU cores), which writes the pictures and ``index.json`` (what each one maximises,
with which settings, and the probability the network gives a class picture).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from demos.images import load_image

GALLERY_DIR = Path(__file__).resolve().parents[2] / "assets" / "feature_vis"
# The lecture's four output units (seed 001, "VGG16, maximisation d'une unité de la couche de sortie").
LECTURE_CLASSES = {121: "King crab", 258: "Samoyed", 604: "Hourglass", 700: "Paper towel"}
# The lecture's VGG16 slides: a channel of conv layer 4, of conv layer 7, a unit of layer 13 (of 13).
VGG16_LAYER_PRESETS = ({"layer": 4, "unit": False}, {"layer": 7, "unit": False}, {"layer": 13, "unit": True})
# MobileNetV2's layers shown in the gallery: an early one (textures) and a middle one (parts: eyes, fur).
GALLERY_LAYERS = {"mobilenet_v2": (16, 34)}
GALLERY_CHANNELS = range(6)


@dataclass(frozen=True)
class GalleryPicture:
    """One precomputed picture and what it maximises."""

    file: str
    model: str
    target_class: int | None
    layer: int | None
    channel: int | None
    steps: int
    size: int
    seed: int
    probability: float | None = None     # a class picture: the network's probability for that class

    def image(self) -> Image.Image:
        return load_image(GALLERY_DIR / self.file, max_side=None)


def gallery(model: str = "mobilenet_v2") -> list[GalleryPicture]:
    """The shipped pictures for ``model`` (none if there are none), classes first."""
    index = GALLERY_DIR / "index.json"
    if not index.is_file():
        return []
    return [GalleryPicture(**entry) for entry in json.loads(index.read_text()) if entry["model"] == model]


def make_gallery(weights_file: str, model: str = "mobilenet_v2", out: Path = GALLERY_DIR, *, class_steps: int = 256,
                 channel_steps: int = 128, channels: range = GALLERY_CHANNELS) -> list[GalleryPicture]:
    """Compute the gallery (the four lecture classes at 224², 256 steps; channels of two layers at 160²)."""
    from demos import imagenet
    from demos.feature_vis.maximise import visualise

    classifier = imagenet.load_classifier(model, weights_file)
    out.mkdir(parents=True, exist_ok=True)
    pictures: list[GalleryPicture] = []
    jobs = [dict(target_class=c, steps=class_steps, size=224) for c in LECTURE_CLASSES]
    jobs += [dict(layer=layer, channel=channel, steps=channel_steps, size=160)
             for layer in GALLERY_LAYERS[model] for channel in channels]
    for job in jobs:
        picture = visualise(classifier, seed=0, **job)
        name = (f"{model}_class{job['target_class']}.jpg" if "target_class" in job
                else f"{model}_layer{job['layer']}_channel{job['channel']}.jpg")
        picture.save(out / name, quality=90)
        probability = None
        if "target_class" in job:
            answers = imagenet.classify(load_image(out / name, max_side=None), classifier, k=1000).predictions
            probability = round(next(p.probability for p in answers if p.class_index == job["target_class"]), 4)
        pictures.append(GalleryPicture(name, model, job.get("target_class"), job.get("layer"), job.get("channel"),
                                       job["steps"], job["size"], 0, probability))
        print(name, probability, flush=True)
    (out / "index.json").write_text(json.dumps([asdict(p) for p in pictures], indent=1) + "\n")
    return pictures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="the official MobileNetV2 state_dict")
    parser.add_argument("--out", default=str(GALLERY_DIR))
    parser.add_argument("--class-steps", type=int, default=256)
    parser.add_argument("--channel-steps", type=int, default=128)
    args = parser.parse_args(argv)
    make_gallery(args.weights, out=Path(args.out), class_steps=args.class_steps, channel_steps=args.channel_steps)


if __name__ == "__main__":
    main()
