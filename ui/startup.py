"""The heavy libraries imported once, by one session, before any page runs.

When a whole room opens the app at once, twenty sessions start their first
script run at the same moment. Libraries that import others lazily (plotly
asks ``sys.modules`` for pandas; Streamlit imports pandas and pyarrow on the
first dataframe) then see a half-imported module in another session's thread
and fail ("partially initialized module 'pandas'"), which the load test
(``bench/load.py``) caught. Importing them here, under one lock, before the
page scripts do, closes that race.
"""
from __future__ import annotations

import gc
import importlib
import logging
import os
import threading
import time

# OpenMP's worker threads otherwise spin for milliseconds after every parallel region of a forward pass,
# burning the CPU that the sessions' Python code needs (measured: load average 2.3 → 1.5 with the same
# crowd). Read when torch is first imported, hence here, before anything imports it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

HEAVY = ("numpy", "pandas", "pyarrow", "PIL.Image", "cv2", "torch", "torchvision", "plotly.graph_objects",
         "plotly.io", "ui.models")

TRIM_EVERY_S = 10.0
IMPORT_TRIES = 3
log = logging.getLogger(__name__)
_lock = threading.Lock()
_done = False


def through_the_app() -> None:
    """Make sure ``app.py`` runs first: every page calls this before its own imports.

    The project has a ``pages/`` folder, so a fresh Streamlit server runs a page URL's script *directly*
    (its old multipage mode) until some session has run ``app.py``, whose ``st.navigation`` switches that
    off. When a room opens a page's link at once on a server just started, those first visits skipped
    the import lock below, the sidebar and the language and projection settings: the crowd test saw
    pages importing torch in several threads at once and failing ("partially initialized module").
    Such a visit now switches the old mode off, as ``st.navigation`` would, and starts again through
    ``app.py``, which shows the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        import streamlit as st

        st.rerun()


def import_heavy_libraries() -> None:
    """Import :data:`HEAVY` once per process; other sessions wait for the first one to finish."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            for name in HEAVY:
                _import(name)
            # The libraries' objects live as long as the process: move them out of the collector's
            # sight, so the automatic full collections only walk what the visitors' runs create.
            gc.freeze()
            threading.Thread(target=_give_memory_back, daemon=True, name="malloc-trim").start()
            _done = True


def _import(name: str) -> None:
    """Import ``name``; after a concurrent importer's half-done module, wait a moment and try again.

    The crowd test saw it (2 runs in 4, ~5 first visitors each): torchvision, imported here, met a
    ``torchvision.transforms`` another thread was importing outside this lock ("cannot import name
    'InterpolationMode' from partially initialized module"). Python lets one of two threads caught in such
    a circle go on with a half-initialised module; the other thread finishes in milliseconds, after which
    the same import succeeds, so a visitor must not see that error.
    """
    for attempt in range(1, IMPORT_TRIES + 1):
        try:
            importlib.import_module(name)
            return
        except ImportError as error:
            if "partially initialized" not in str(error) or attempt == IMPORT_TRIES:
                raise
            log.warning("importing %s met another thread's import (%s); trying again. Other importers:\n%s",
                        name, error, _other_importers())
            time.sleep(0.2 * attempt)


def _other_importers() -> str:
    """The stacks of the other threads that are importing something now (to find who raced us)."""
    import sys
    import traceback

    names = {t.ident: t.name for t in threading.enumerate()}
    stacks = []
    for ident, frame in sys._current_frames().items():
        stack = traceback.format_stack(frame)
        if ident != threading.get_ident() and any("importlib._bootstrap" in line for line in stack):
            stacks.append(f"--- {names.get(ident, ident)}\n" + "".join(line for line in stack
                                                                      if "importlib._bootstrap" not in line))
    return "\n".join(stacks) or "(none now)"


def _give_memory_back() -> None:
    """Every few seconds, hand the heap's free pages back to the system (glibc's ``malloc_trim``).

    Each photo a visitor uploads is decoded, resized and encoded through tens of megabytes
    of short-lived buffers; glibc keeps the freed pages, so with a crowd the server's
    resident memory crept up by hundreds of megabytes it no longer used.
    """
    import ctypes
    import time

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):   # not glibc (macOS, musl): nothing to do
        return
    while True:
        time.sleep(TRIM_EVERY_S)
        trim(0)
