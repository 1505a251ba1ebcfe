"""Session values by concern: the draft id offered once, a comparison of fixes keyed by its content."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fairdash.fixes.compare import Fix
from fairdash.ui.fixes_state import comparison_key

_OFFER = """
import streamlit as st
from fairdash.ui.saving_state import offered_draft_id

def new_id():
    st.session_state["made"] = st.session_state.get("made", 0) + 1
    return f"id-{st.session_state['made']}"

st.session_state["offered"] = [offered_draft_id(new_id), offered_draft_id(new_id)]
"""


def test_the_draft_id_offered_is_made_once_per_session():
    at = AppTest.from_string(_OFFER, default_timeout=30).run()
    at.run()
    assert not at.exception
    assert at.session_state["offered"] == ["id-1", "id-1"]
    assert at.session_state["made"] == 1  # made on the first call only, not on every call and every run


def test_a_comparison_is_keyed_by_its_content_not_by_its_objects():
    def comparison(error: str) -> tuple[str, list[Fix]]:
        return "demographic_parity", [
            Fix(name="original", title="Original", error=error),
            Fix(name="thresholds", title="Thresholds", error=error),
        ]

    first, same, other = comparison("no rows"), comparison("no rows"), comparison("another reason")
    assert first[1][0] is not same[1][0]
    assert comparison_key(first) == comparison_key(same)
    assert comparison_key(first) != comparison_key(other)
    assert comparison_key(first) != comparison_key(("equalized_odds", first[1]))


def test_pages_stop_only_through_stop_page_which_writes_the_draft_first():
    """A page that calls st.stop() itself skips the tab's draft (a reload then lost an upload waiting for its model, on the
    Data balance view): only widgets.stop_page stops, and exposure's and sign-in's refusals, before any draft is bound."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = []
    for path in [*(root / "fairdash" / "ui").glob("*.py"), *(root / "pages").glob("*.py"), root / "app.py"]:
        if path.name in {"widgets.py", "exposure.py", "signin.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "stop":
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
