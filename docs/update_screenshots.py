"""Copy the browser tests' screenshots into docs/screenshots/, downscaled for the README.

    python -m pytest tests/test_browser*.py      # writes tests/screenshots/
    python docs/update_screenshots.py

The English screenshot of every page, one in projection mode (French) and the French home page,
960 px wide, as 256-colour PNGs (a few hundred kB at most each).
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE, TARGET = ROOT / "tests" / "screenshots", ROOT / "docs" / "screenshots"
PAGES = ("home", "mnist", "imagenet", "gradient_descent", "playground", "cyclegan", "style", "gan",
         "attention_sampling")
WIDTH = 960


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    copies = {f"{page}_en.png": f"{page}.png" for page in PAGES}
    copies |= {"playground_present_fr.png": "playground_present.png", "home_fr.png": "home_fr.png"}
    for source, target in copies.items():
        with Image.open(SOURCE / source) as image:
            image = image.convert("RGB")
            small = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.Resampling.LANCZOS)
        small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            TARGET / target, optimize=True)
        print(f"{target}: {(TARGET / target).stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
