"""The Fixes page refits only when asked; its original and the report's use the audited thresholds; Suggest shows every
disparity before and after, against Fairlearn on the rows, and says that per-group thresholds treat groups differently."""

import json

import numpy as np
import pytest
import streamlit as st
from test_pages import _app, _button, _demo_rows, _fairness, _no_problems, _plotted_names, _text
from test_report_cli import fairlearn_disparities

import fairdash.fixes.compare as compare


def test_the_fixes_page_refits_nothing_until_the_button_is_pressed(monkeypatch):
    st.cache_resource.clear()  # refits other tests made are kept for every session: start from none
    fits = []
    for name in ("fit_reweighed", "fit_unaware", "fit_reductions"):
        original = getattr(compare, name)
        monkeypatch.setattr(
            compare,
            name,
            lambda *args, _original=original, _name=name, **kwargs: fits.append(_name) or _original(*args, **kwargs),
        )
    at = _app()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    assert fits == [] and _plotted_names(at) == ["Original", "Thresholds per group"]
    assert at.button(key="fixes_run_refits").label == "Refit the model: reweighing and unawareness (2 fits on 700 training rows)"
    assert not [button for button in at.button if button.key == "fixes_run_reductions"]  # offered once a fit has been timed
    at.selectbox(key="fixes_constraint").set_value("equalized_odds").run()  # another setting still refits nothing
    assert fits == []
    at.selectbox(key="fixes_constraint").set_value("demographic_parity").run()
    at.button(key="fixes_run_refits").click().run()
    _no_problems(at)
    assert sorted(fits) == ["fit_reweighed", "fit_unaware"]
    assert "Reweighing" in _plotted_names(at)
    assert "fixes_run_refits" not in [button.key for button in at.button]  # made: kept, not offered again
    assert at.button(key="fixes_run_reductions").label.startswith(
        "Add reductions (Fairlearn's ExponentiatedGradient at 3 bounds): about "
    )
    at.run()
    assert sorted(fits) == ["fit_reweighed", "fit_unaware"]  # a rerun reads them: no second refit
    assert any("treat the groups differently by design" in _text(caption) for caption in at.caption)


def test_the_reports_original_is_the_audit_at_its_per_group_thresholds():
    at = _fairness()
    _button(at, "Suggest").click().run()
    _no_problems(at)
    assert at.session_state["threshold_mode"] == "per_group"
    at.switch_page("pages/fixes.py").run()
    _no_problems(at)
    at.switch_page("pages/report.py").run()
    _no_problems(at)
    document = json.loads(at.json[0].value)
    original = document["fixes"][0]
    assert original["name"] == "original" and isinstance(document["thresholds"], dict)
    assert original["thresholds"] == document["thresholds"]  # not 0.5: the audited per-group thresholds
    assert original["groups"] == document["groups"]
    assert original["disparities"] == document["disparities"]


def test_suggest_shows_every_disparity_before_and_after_as_fairlearn_computes_them():
    at = _fairness()
    _button(at, "Suggest").click().run()
    _no_problems(at)
    y_true, scores, groups = _demo_rows("adult")
    suggested = {label: at.session_state[f"threshold_for_{label}"] for label in np.unique(groups)}
    table = next(frame.value for frame in at.dataframe if "After (suggested)" in frame.value.columns)
    before = fairlearn_disparities(y_true, scores >= 0.5, groups)
    after = fairlearn_disparities(y_true, scores >= np.array([suggested[g] for g in groups]), groups)
    assert len(table) == len(after) == 8
    for name in after:
        row = name.replace("_", " ").capitalize()
        assert table.loc[row, "Before (one threshold of 0.5)"] == pytest.approx(before[name], abs=1e-12), name
        assert table.loc[row, "After (suggested)"] == pytest.approx(after[name], abs=1e-12), name
    assert any("Some jurisdictions forbid this for protected attributes" in _text(caption) for caption in at.caption)
