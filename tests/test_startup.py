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


def test_a_page_run_without_app_py_starts_again_through_it(monkeypatch):
    """A fresh server runs a page URL's script directly (Streamlit's pages/ folder mode) until app.py has run."""
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    reruns = []
    monkeypatch.setattr(st, "rerun", lambda: reruns.append(1))
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    startup.through_the_app()
    assert reruns == [1] and PagesManager.uses_pages_directory is False, "run again, through app.py"
    startup.through_the_app()
    assert reruns == [1], "app.py has taken over: the page runs"


def test_every_page_goes_through_the_app_before_importing_anything():
    import ast

    from tests.conftest import REPO

    for page in sorted((REPO / "pages").glob("*.py")):
        body = [node for node in ast.parse(page.read_text()).body
                if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))   # the docstring
                and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
        first, second = body[0], body[1]
        assert isinstance(first, ast.ImportFrom) and first.module == "ui.startup", page.name
        assert ast.unparse(second) == "through_the_app()", f"{page.name}: call it before any other import"
