"""Opening a page in Streamlit's AppTest, the same way for every page's tests."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

TIMEOUT = 120   # seconds a script run may take (models load on the first run)


def app_page(name: str, lang: str = "en", timeout: float = TIMEOUT) -> AppTest:
    """``pages/<name>.py`` (or ``app.py`` for ``name="app"``) in ``lang``, not yet run."""
    path = REPO / ("app.py" if name == "app" else f"pages/{name}.py")
    at = AppTest.from_file(str(path), default_timeout=timeout)
    at.session_state["lang"] = lang
    return at


def errors(at: AppTest) -> list[str]:
    """The error messages the page shows."""
    return [e.value for e in at.error]


def image_captions(at: AppTest) -> list[str]:
    """The captions of every picture the page shows, in order."""
    return [image.caption for element in at.get("image") for image in element.proto.imgs]
