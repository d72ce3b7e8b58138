"""Training cards: the JSON beside a weights file (``assets/mnist_cnn.json``...) saying how it was trained.

The training scripts write them, the pages read them (epochs, time, measured error) and the
tests check that a card says what its weights do. One format: ``<weights>.json``, indented.
"""
from __future__ import annotations

import json
from pathlib import Path


def card_path(weights: str | Path) -> Path:
    """Where the card of ``weights`` lives: the same name, ending in ``.json``."""
    return Path(weights).with_suffix(".json")


def write_card(weights: str | Path, card: dict) -> Path:
    """Save ``card`` beside ``weights``; its path."""
    path = card_path(weights)
    path.write_text(json.dumps(card, indent=2) + "\n")
    return path


def read_card(weights: str | Path | None) -> dict | None:
    """The card beside ``weights``, or None when there is none or it is not a JSON object."""
    if weights is None:
        return None
    try:
        card = json.loads(card_path(weights).read_text())
    except (OSError, ValueError):
        return None
    return card if isinstance(card, dict) else None
