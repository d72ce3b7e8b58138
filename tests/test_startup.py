"""The heavy libraries' import at a room's first visit (ui/startup.py)."""
from __future__ import annotations

import pytest

from ui import startup

HALF_DONE = ImportError("cannot import name 'InterpolationMode' from partially initialized module "
                        "'torchvision.transforms' (most likely due to a circular import)")


def importer(failures: list[Exception]):
    """A stand-in for importlib.import_module that raises ``failures`` in turn, then succeeds."""
    calls: list[str] = []

    def import_module(name: str):
        calls.append(name)
        if failures:
            raise failures.pop(0)

    return import_module, calls


def test_another_threads_half_done_import_is_waited_for_not_shown_to_the_visitor(monkeypatch):
    import_module, calls = importer([HALF_DONE])
    monkeypatch.setattr(startup.importlib, "import_module", import_module)
    monkeypatch.setattr(startup.time, "sleep", lambda s: None)
    startup._import("torchvision")
    assert calls == ["torchvision", "torchvision"], "tried again after the other thread's import"


def test_a_missing_library_or_a_lasting_failure_is_not_hidden(monkeypatch):
    monkeypatch.setattr(startup.time, "sleep", lambda s: None)
    import_module, calls = importer([ModuleNotFoundError("No module named 'cv2'")])
    monkeypatch.setattr(startup.importlib, "import_module", import_module)
    with pytest.raises(ModuleNotFoundError):
        startup._import("cv2")
    assert calls == ["cv2"], "nothing to wait for: said at once"

    import_module, calls = importer([HALF_DONE] * 5)
    monkeypatch.setattr(startup.importlib, "import_module", import_module)
    with pytest.raises(ImportError, match="partially initialized"):
        startup._import("torchvision")
    assert len(calls) == startup.IMPORT_TRIES
