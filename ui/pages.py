"""The demo pages that exist, for the navigation and the home page's cards."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPage:
    demo: str    # i18n prefix and weights-catalogue demo name
    path: str    # the page script
    icon: str


DEMO_PAGES = (
    DemoPage("mnist", "pages/mnist.py", ":material/draw:"),
    DemoPage("imagenet", "pages/imagenet.py", ":material/image_search:"),
    DemoPage("gradient_descent", "pages/gradient_descent.py", ":material/trending_down:"),
    DemoPage("playground", "pages/playground.py", ":material/hub:"),
    DemoPage("cyclegan", "pages/cyclegan.py", ":material/swap_horiz:"),
    DemoPage("style", "pages/style.py", ":material/palette:"),
    DemoPage("gan", "pages/gan.py", ":material/auto_awesome:"),
    DemoPage("attention_sampling", "pages/attention_sampling.py", ":material/center_focus_strong:"),
)
