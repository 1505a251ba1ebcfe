"""The dashboard uses Streamlit's public API only, and what its one workaround mends still happens.

``fairdash.ui.widgets.inside_frame`` brings a deep link opened first after a server start (``/fairness``) into
``app.py``: with a ``pages/`` folder beside the entry file, Streamlit 1.67 runs the requested page file alone until some
run has called ``st.navigation``. The mend calls ``st.navigation`` and reruns (public API). Each test runs its app in a
fresh interpreter: the mode is decided once per process, and another test's ``st.navigation`` would have turned it off.
These tests fail when Streamlit's behaviour changes, so that the workaround is checked (or dropped) before
``pyproject.toml``'s upper bound on Streamlit is raised.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

_FRAME = """
import streamlit as st
{mark}
st.session_state["frame_runs"] = st.session_state.get("frame_runs", 0) + 1
st.sidebar.markdown("the frame")
navigation = st.navigation([st.Page("pages/home.py", url_path="home", default=True),
                            st.Page("pages/deep.py", url_path="deep")])
{marker}
navigation.run()
"""
_MARK = "from fairdash.ui.widgets import frame_runs_page"
_DEEP = """
import streamlit as st
{guard}
st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1
st.title("deep")
"""
_GUARD = "from fairdash.ui.widgets import inside_frame\ninside_frame()"
# A first visit to /deep in a fresh process, as a bookmark opened after a server start: what the session shows.
_VISIT = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60).switch_page("pages/deep.py").run()
print(json.dumps({"exception": [str(e.value) for e in at.exception], "titles": [t.value for t in at.title],
                  "sidebar": [m.value for m in at.sidebar.markdown],
                  "frame_runs": at.session_state["frame_runs"] if "frame_runs" in at.session_state else None,
                  "page_runs": at.session_state["page_runs"] if "page_runs" in at.session_state else None}))
"""


def _app_with_a_pages_folder(root: Path, *, guarded: bool) -> Path:
    (root / "pages").mkdir()
    (root / "pages" / "home.py").write_text('import streamlit as st\nst.title("home")\n')
    (root / "pages" / "deep.py").write_text(_DEEP.format(guard=_GUARD if guarded else ""))
    (root / "app.py").write_text(_FRAME.format(mark=_MARK if guarded else "", marker="frame_runs_page()" if guarded else ""))
    return root / "app.py"


def _first_visit_to_the_deep_page(app: Path) -> dict:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", _VISIT, str(app)], capture_output=True, text=True, timeout=120, cwd=app.parent, env=environment
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["exception"] == []
    assert seen["titles"] == ["deep"]
    return seen


def test_installed_streamlit_is_within_the_bound_the_workaround_was_checked_on():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    streamlit = next(Requirement(line) for line in dependencies if Requirement(line).name == "streamlit")
    assert any(spec.operator == "<" for spec in streamlit.specifier), (
        f"pyproject.toml must bound Streamlit from above while inside_frame mends a first visit; got {streamlit}"
    )
    assert streamlit.specifier.contains(version("streamlit")), (
        f"Streamlit {version('streamlit')} is outside {streamlit}: check inside_frame with this file, then move the bound"
    )


def test_a_first_visit_deep_link_still_runs_the_page_alone(tmp_path):
    """Streamlit's behaviour that inside_frame mends. If this fails, Streamlit now runs the entry
    file first: inside_frame and the upper bound may go."""
    seen = _first_visit_to_the_deep_page(_app_with_a_pages_folder(tmp_path, guarded=False))
    assert seen["frame_runs"] is None
    assert seen["sidebar"] == []


def test_inside_frame_brings_a_first_visit_deep_link_into_the_frame(tmp_path):
    seen = _first_visit_to_the_deep_page(_app_with_a_pages_folder(tmp_path, guarded=True))
    assert seen["frame_runs"] == 1
    assert seen["page_runs"] == 1  # the lone run stopped at the guard, before the page's work
    assert seen["sidebar"] == ["the frame"]


def _streamlit_submodules(path: Path) -> set[str]:
    """Every ``streamlit.x`` module a file imports (``import streamlit as st`` is the public API)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "streamlit":  # from streamlit import _x: a private name of the package itself
                names.update(f"streamlit.{alias.name}" for alias in node.names if alias.name.startswith("_"))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("streamlit.")}


def _files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "fairdash").rglob("*.py"))]


def test_no_file_reaches_into_streamlit():
    """Only ``import streamlit`` (as ``st``): no ``streamlit.x`` module (``streamlit.runtime``, ``streamlit.elements``...)
    and no ``from streamlit import _name``, anywhere in the dashboard or the library, imports inside functions included."""
    reaching = {str(path.relative_to(ROOT)): modules for path in _files() if (modules := _streamlit_submodules(path))}
    assert reaching == {}


def test_no_file_uses_a_private_streamlit_name():
    """``st._anything`` or ``streamlit._anything`` (a private attribute reached through the public module) counts too."""
    private = []
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("st", "streamlit")
                and node.attr.startswith("_")
            ):
                private.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert private == []


def test_the_checks_see_a_private_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from streamlit.runtime.pages_manager import PagesManager\n    import streamlit.elements\n")
    assert _streamlit_submodules(sample) == {"streamlit.runtime.pages_manager", "streamlit.elements"}
    sample.write_text("from streamlit import _private\n")
    assert _streamlit_submodules(sample) == {"streamlit._private"}


def test_every_page_calls_inside_frame():
    """A page without the call would open outside the frame when it is the first visit's deep link."""
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert len(pages) >= 7
    missing = [path.name for path in pages if "inside_frame()" not in path.read_text()]
    assert missing == []
