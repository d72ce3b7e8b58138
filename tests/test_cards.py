"""Training cards: written beside the weights by the training scripts, read by the pages (never a crash)."""
from __future__ import annotations

from demos.cards import card_path, read_card, write_card


def test_a_card_written_beside_its_weights_reads_back(tmp_path):
    weights = tmp_path / "model.pt"
    path = write_card(weights, {"test_error": 0.01, "epochs": 3})
    assert path == card_path(weights) == tmp_path / "model.json"
    assert read_card(weights) == {"test_error": 0.01, "epochs": 3}


def test_no_card_or_a_broken_one_reads_as_none(tmp_path):
    weights = tmp_path / "model.pt"
    assert read_card(None) is None and read_card(weights) is None            # no weights, no card
    card_path(weights).write_text("{not json")
    assert read_card(weights) is None                                       # half-written by a killed run
    card_path(weights).write_text("[1, 2, 3]")
    assert read_card(weights) is None                                       # JSON, but not a card
