"""What a public server must never do with a visitor's input, checked in the code itself.

- no visitor text rendered as HTML: no ``unsafe_allow_html``, and ``st.html`` only with a fixed stylesheet;
- every file, photo, drawing or web address becomes an image through :mod:`demos.images` only
  (its size, pixel and format limits, its SSRF checks);
- Streamlit's upload limit is the loader's.
"""
from __future__ import annotations

import ast
import re
import tomllib

from demos import images
from tests.conftest import REPO

UI_CODE = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "ui").glob("*.py"))]
ALL_CODE = UI_CODE + sorted((REPO / "demos").rglob("*.py"))


def calls(path, name: str):
    """Every call of ``<something>.name(...)`` or ``name(...)`` in the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                yield node


def test_no_visitor_text_is_rendered_as_html():
    for path in UI_CODE:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path
        for call in calls(path, "html"):
            body = call.args[0] if call.args else None
            fixed = (isinstance(body, ast.Constant) and isinstance(body.value, str)) or \
                    (isinstance(body, ast.Name) and body.id.isupper())
            assert fixed, f"{path.name}:{call.lineno}: st.html with a computed argument"


def test_images_are_decoded_by_the_safe_loader_only():
    """Pillow, OpenCV or the canvas's own decoder on a visitor's bytes would skip the loader's limits."""
    for path in ALL_CODE:
        if path == REPO / "demos" / "images.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\bImage\.open\(", r"\bcv2\.imdecode\(", r"\bcv2\.imread\(", r"\.image_data\b",
                        r"\burlopen\(", r"\brequests\."):
            if pattern == r"\burlopen\(" and path == REPO / "demos" / "weights.py":
                continue   # the catalogue's own downloads (fixed URLs), not a visitor's address
            assert not re.search(pattern, text), f"{path.relative_to(REPO)}: {pattern}"


def test_uploads_and_cameras_only_through_ui_inputs():
    for path in UI_CODE:
        if path.name == "inputs.py":
            continue
        for widget in ("file_uploader", "camera_input"):
            assert not list(calls(path, widget)), f"{path.relative_to(REPO)} calls st.{widget} itself"


def test_streamlit_refuses_uploads_larger_than_the_loader_accepts():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == images.MAX_FILE_BYTES
    assert config["client"]["showErrorDetails"] == "none"     # no traceback shown to strangers
