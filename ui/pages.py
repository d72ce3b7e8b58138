"""The demo pages that exist, for the navigation and the home page's cards (declared by each demo's package)."""
from __future__ import annotations

from dataclasses import dataclass

from demos import registry


@dataclass(frozen=True)
class DemoPage:
    demo: str    # i18n prefix and weights-catalogue demo name
    path: str    # the page script
    icon: str


DEMO_PAGES = tuple(DemoPage(demo.name, demo.page, demo.icon) for demo in registry.demos())
