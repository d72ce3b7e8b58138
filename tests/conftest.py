"""Shared fixtures: where the test data lives, and how to skip without it.

The test data is ``../shared/data`` beside the repository (never copied in).
Without it, the tests that need it are skipped with a reason; under
``CI=true`` it must be there, so they fail instead of silently skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# The real-browser fixtures (app_url, browser, page), shared by every page's browser test.
pytest_plugins = ["tests.browser_support"]

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def require_shared(*parts: str) -> Path:
    """Path to ``../shared/data/<parts>``; skip (or fail under CI) when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the test data {path} is missing")
    pytest.skip(f"test data {path} is absent (see ../shared/data/SOURCES.md)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The root of the shared test data."""
    return require_shared()


@pytest.fixture(autouse=True)
def _isolated_weights(tmp_path, monkeypatch):
    """Never touch the user's cache or the network from a test by accident; each test has a cache of its own."""
    monkeypatch.setenv("DLDEMOS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DLDEMOS_OFFLINE", "1")
    monkeypatch.delenv("DLDEMOS_WEIGHTS_DIR", raising=False)


@pytest.fixture(autouse=True)
def _fresh_job_queue(monkeypatch):
    """Each test starts with an empty job queue; what it left running is stopped before the next one."""
    from demos import jobs

    monkeypatch.setattr(jobs, "_shared", None)
    yield
    left = jobs._shared
    if left is not None:
        for job in left.jobs():
            job.cancel()
        for job in left.jobs():
            job.wait(30)
