"""Every session-state key is declared once, in fairdash/ui/keys.py, and every page and ui module names keys only
through it; every widget that holds a choice is kept across pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fairdash.ui import keys

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "fairdash" / "ui").glob("*.py"))]
# Streamlit calls whose ``key`` keeps a value in the session (or names an element); positional keys for forms.
_KEYED = {"form": 0}


def _string_keys(path: Path) -> list[str]:
    """Where a file writes a session key as a string of its own: ``key="..."`` or ``key=f"..."``, ``st.form("...")``,
    and ``session_state["..."]`` / ``session_state.get("...")`` / ``.pop("...")`` / ``.setdefault("...")``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            literals = [keyword.value for keyword in node.keywords if keyword.arg == "key"]
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in _KEYED and len(node.args) > _KEYED[name]:
                literals.append(node.args[_KEYED[name]])
            if (
                name in ("get", "pop", "setdefault")
                and isinstance(node.func, ast.Attribute)
                and ast.unparse(node.func.value).endswith("session_state")
                and node.args
            ):
                literals.append(node.args[0])
            found += [
                f"{path.name}:{node.lineno}: {ast.unparse(value)}"
                for value in literals
                if isinstance(value, (ast.Constant, ast.JoinedStr))
            ]
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value).endswith("session_state")
            and isinstance(node.slice, (ast.Constant, ast.JoinedStr))
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node.slice)}")
    return found


def test_no_page_or_ui_module_writes_a_key_string_of_its_own():
    assert len(FILES) > 20
    inline = [hit for path in FILES if path.name != "keys.py" for hit in _string_keys(path)]
    assert inline == []


def test_the_scan_sees_each_way_of_writing_a_key(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text(
        'st.toggle("x", key="a")\nst.plotly_chart(f, key=f"m_{i}")\nst.form("w")\n'
        'st.session_state["b"] = 1\nst.session_state.get("c")\nst.session_state.pop("d", None)\n'
        'st.toggle("y", key=keys.CHART)\n'
    )
    assert sorted(hit.split(": ")[1] for hit in _string_keys(sample)) == sorted(["'a'", "f'm_{i}'", "'w'", "'b'", "'c'", "'d'"])


def _declared_in_keys_module() -> list[str]:
    """Every key string keys.py declares, read from its source: one per ``kept``/``widget``/``stored``/``family`` call."""
    source = ast.parse((ROOT / "fairdash" / "ui" / "keys.py").read_text())
    return [
        node.args[0].value
        for node in ast.walk(source)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in ("kept", "widget", "stored", "family")
        and isinstance(node.args[0], ast.Constant)
    ]


def test_every_key_is_declared_exactly_once():
    strings = _declared_in_keys_module()
    assert len(strings) == len(set(strings)) == len(keys.declared()) + len(keys.families())
    assert set(strings) == set(keys.declared()) | set(keys.families())
    for key in keys.declared():  # no single key falls inside a family (it would have two declarations)
        assert keys.kind_of(key) == keys.declared()[key]
        assert not any(key.startswith(prefix) for prefix in keys.families())


def test_a_second_declaration_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        keys.kept(keys.TARGET)
    with pytest.raises(ValueError, match="declared twice"):
        keys.stored(keys.bins_key("age"))  # inside the family of band edges
    assert keys.kind_of(keys.TARGET) == keys.KEPT


def _widget_keys_used(path: Path) -> set[str]:
    """The key expressions given to widgets that hold a choice the user makes (``keys.NAME`` or ``keys.f(...)``)."""
    holding = {
        "selectbox",
        "multiselect",
        "radio",
        "segmented_control",
        "select_slider",
        "slider",
        "number_input",
        "text_input",
        "checkbox",
        "toggle",
    }
    used = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in holding:
            used |= {ast.unparse(keyword.value) for keyword in node.keywords if keyword.arg == "key"}
    return used


def test_every_choice_outside_a_form_is_kept_across_pages():
    """A select, toggle, slider or box the user sets is kept when another page runs, unless it is one of the few that
    must not be: the what-if form's inputs (filled from the row shown) and the delete confirmation (one audit's)."""
    not_kept = {"keys.what_if_key(column)", "keys.confirm_delete_key(audit.id)"}
    used = set().union(*(_widget_keys_used(path) for path in FILES)) - not_kept
    assert len(used) > 50
    names = {name: value for name, value in vars(keys).items() if isinstance(value, str)}
    unknown = [expression for expression in used if not expression.startswith("keys.")]
    # A key passed through a parameter (trust boxes, the threshold slider): the callers pass declared kept keys.
    assert sorted(unknown) == ["key", "trust_skops_key"]
    shown = {expression: names.get(expression.removeprefix("keys.")) for expression in used if expression.startswith("keys.")}
    fixed = {expression: key for expression, key in shown.items() if key is not None}
    assert [expression for expression, key in fixed.items() if not keys.is_kept(key)] == []
    assert keys.is_kept(keys.bins_key("age")) and keys.is_kept(keys.group_threshold_key("women"))
    assert not keys.is_kept(keys.confirm_delete_key("x")) and not keys.is_kept(keys.what_if_key("age"))
    for trust in (keys.TRUST_PICKLE, keys.TRUST_SKOPS, keys.TRUST_OTHER_PICKLE, keys.TRUST_OTHER_SKOPS, keys.LOG_THRESHOLD):
        assert keys.is_kept(trust)


def test_keys_kept_are_the_ones_kept_before_the_registry():
    """The key strings did not change: the kept ones are those app.py kept before (tests and saved sessions rely on them)."""
    before = {
        "source",
        "demo",
        "score_mode",
        "mlflow_model",
        "trust_pickle",
        "trust_skops",
        "target",
        "positive_label",
        "sensitive",
        "reference",
        "score_column",
        "features",
        "threshold_mode",
        "threshold",
        "suggest_constraint",
        "suggest_tolerance",
        "min_group_size",
        "tolerance",
        "chart",
        "normalize_matrices",
        "tradeoff_disparity",
        "explain_on",
        "explain_rows",
        "explain_view",
        "gap_groups",
        "row_source",
        "row_group",
        "row",
        "permutation_on",
        "flip_sensitive",
        "rules_target",
        "rules_depth",
        "rules_min_leaf",
        "report_rules",
        "report_calibration",
        "report_subgroups",
        "trust_other_pickle",
        "trust_other_skops",
        "fixes_constraint",
        "fixes_score",
        "fixes_chosen",
        "log_source",
        "log_time",
        "log_target",
        "log_positive",
        "log_sensitive",
        "log_decisions",
        "log_score",
        "log_window",
        "log_engine",
        "log_baseline",
        "log_threshold",
        "log_disparity",
        "log_shown_window",
        "subgroup_conditions",
        "subgroup_min_size",
        "subgroup_chosen",
        "subgroup_metric",
        "show_calibration",
        "cf_count",
        "cf_held",
        "cf_increase",
        "cf_decrease",
        "recourse_on",
        "recourse_rows",
        "save_title",
        "save_files",
        "compare_before",
        "compare_after",
        "rename_title",
        "saved_audit",
    }
    added = {
        "balance_control",
        "balance_reference_shares",
        "balance_target",
        "balance_positive",
        "balance_sensitive",
        "fairness_control",
    }  # the Data balance view and the Fairness page's control, declared with the registry
    added |= {"share_with", "open_by_id"}  # the Saved audits page's share box and open-by-id box (issue 30)
    before |= added
    assert {key for key, kind in keys.declared().items() if kind == keys.KEPT} == before
