"""The one private Streamlit name the dashboard relies on, and what it must still mean.

``fairdash.ui.widgets.inside_frame`` sets ``PagesManager.uses_pages_directory`` so that a deep link
opened first after a server start (``/fairness``) runs inside ``app.py``. Streamlit 1.67 has no
public way to do that: with a ``pages/`` folder beside the entry file, ``PagesManager.__init__``
sets the flag, and the script runner then runs the requested page file alone (``_mpa_v1``) until
some run has called ``st.navigation``. These tests fail when any of that changes, so that the
workaround is checked (or dropped) before ``pyproject.toml``'s upper bound on Streamlit is raised.
"""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = ROOT / "fairdash" / "ui" / "widgets.py"

_FRAME = """
import streamlit as st

st.session_state["frame_runs"] = st.session_state.get("frame_runs", 0) + 1
st.sidebar.markdown("the frame")
st.navigation([st.Page("pages/home.py", url_path="home", default=True),
               st.Page("pages/deep.py", url_path="deep")]).run()
"""
_DEEP = """
import streamlit as st
{guard}
st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1
st.title("deep")
"""
_GUARD = "from fairdash.ui.widgets import inside_frame\ninside_frame()"


@pytest.fixture
def flag_restored():
    """The flag is a class attribute shared by the whole process: put it back afterwards."""
    before = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = before


def _app_with_a_pages_folder(root: Path, *, guarded: bool) -> Path:
    (root / "pages").mkdir()
    (root / "pages" / "home.py").write_text('import streamlit as st\nst.title("home")\n')
    (root / "pages" / "deep.py").write_text(_DEEP.format(guard=_GUARD if guarded else ""))
    (root / "app.py").write_text(_FRAME)
    return root / "app.py"


def _first_visit_to_the_deep_page(app: Path) -> AppTest:
    """A fresh session whose first run asks for /deep, as a bookmark opened after a server start."""
    at = AppTest.from_file(str(app), default_timeout=30).switch_page("pages/deep.py").run()
    assert not at.exception
    assert [title.value for title in at.title] == ["deep"]
    return at


def test_installed_streamlit_is_within_the_bound_the_workaround_was_checked_on():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    streamlit = next(Requirement(line) for line in dependencies if Requirement(line).name == "streamlit")
    assert any(spec.operator == "<" for spec in streamlit.specifier), (
        f"pyproject.toml must bound Streamlit from above while inside_frame uses a private flag; got {streamlit}")
    assert streamlit.specifier.contains(version("streamlit")), (
        f"Streamlit {version('streamlit')} is outside {streamlit}: check inside_frame with this file, then move the bound")


def test_the_flag_is_decided_by_a_pages_folder_beside_the_entry_file(tmp_path, flag_restored):
    assert "uses_pages_directory" in vars(PagesManager), "Streamlit dropped PagesManager.uses_pages_directory"
    with_folder = tmp_path / "with"
    with_folder.mkdir()
    (with_folder / "pages").mkdir()
    without_folder = tmp_path / "without"
    without_folder.mkdir()
    for root, expected in [(with_folder, True), (without_folder, False)]:
        PagesManager.uses_pages_directory = None
        PagesManager(str(root / "app.py"))
        assert PagesManager.uses_pages_directory is expected


def test_a_first_visit_deep_link_still_runs_the_page_alone(tmp_path, flag_restored):
    """Streamlit's behaviour that inside_frame mends. If this fails, Streamlit now runs the entry
    file first: inside_frame and the upper bound may go."""
    at = _first_visit_to_the_deep_page(_app_with_a_pages_folder(tmp_path, guarded=False))
    assert "frame_runs" not in at.session_state
    assert [markdown.value for markdown in at.sidebar.markdown] == []


def test_inside_frame_brings_a_first_visit_deep_link_into_the_frame(tmp_path, flag_restored):
    at = _first_visit_to_the_deep_page(_app_with_a_pages_folder(tmp_path, guarded=True))
    assert at.session_state["frame_runs"] == 1
    assert at.session_state["page_runs"] == 1  # the lone run stopped at the guard, before the page's work
    assert [markdown.value for markdown in at.sidebar.markdown] == ["the frame"]
    assert PagesManager.uses_pages_directory is False


def _streamlit_submodules(path: Path) -> set[str]:
    """Every ``streamlit.x`` module a file imports (``import streamlit as st`` is the public API)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("streamlit.")}


def test_widgets_is_the_only_file_that_reaches_into_streamlit():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "fairdash").rglob("*.py"))]
    reaching = {str(path.relative_to(ROOT)): modules for path in files if (modules := _streamlit_submodules(path))}
    assert reaching == {"fairdash/ui/widgets.py": {"streamlit.runtime.pages_manager"}}


def test_every_page_calls_inside_frame():
    """A page without the call would open outside the frame when it is the first visit's deep link."""
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert len(pages) >= 7
    missing = [path.name for path in pages if "inside_frame()" not in path.read_text()]
    assert missing == []
