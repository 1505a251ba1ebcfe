"""The in-browser threshold preview's data (positions and counts) and how a settled move is kept.

The numbers the browser draws from these counts are checked against Python in tests/test_browser.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix
from streamlit.testing.v1 import AppTest

from fairdash.engine.preview import PREVIEW_POSITIONS, preview_counts
from fairdash.engine.result import AuditSettings
from fairdash.engine.thresholds import ThresholdCurves
from fairdash.present.preview import preview_payload


def _rows(n: int, distinct: int | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    scores = rng.random(n) if distinct is None else rng.integers(1, distinct + 1, n).astype(float)
    groups = rng.choice(["a", "b", "<i>c</i>"], n)
    y_true = (rng.random(n) < 0.3 + 0.4 * (scores / scores.max())).astype(int)
    return y_true, scores, groups


@pytest.mark.parametrize(("n", "distinct"), [(3_000, None), (500, None), (2_000, 10)])
def test_each_position_holds_each_groups_confusion_matrix(n, distinct):
    y_true, scores, groups = _rows(n, distinct)
    curves = ThresholdCurves(y_true, scores, groups)
    preview = preview_counts(curves, include=[0.5])
    grid = preview.thresholds
    assert np.all(np.diff(grid) > 0) and 0.5 in grid and grid[-1] > scores.max()  # the last position selects nobody
    assert len(grid) <= PREVIEW_POSITIONS + 2 and preview.exact == (len(np.unique(scores)) <= PREVIEW_POSITIONS)
    if preview.exact:
        assert set(np.unique(scores)) <= set(grid)
    for position in np.linspace(0, len(grid) - 1, 25).round().astype(int):
        for g, label in enumerate(curves.labels):
            rows = groups == label
            (tn, fp), (fn, tp) = confusion_matrix(y_true[rows], scores[rows] >= grid[position], labels=[0, 1])
            assert preview.counts[position, g].tolist() == [tp, fp, tn, fn], (position, label)


def test_the_preview_opens_on_the_audited_thresholds_and_positions_find_them():
    y_true, scores, groups = _rows(20_000)
    curves = ThresholdCurves(y_true, scores, groups)
    audited = {"a": 0.31234, "b": 0.5, "<i>c</i>": 0.77777}
    preview = preview_counts(curves, include=audited)
    for value in audited.values():
        assert preview.thresholds[preview.position_of(value)] == value
    payload = preview_payload(preview, curves.labels, audited, rules=AuditSettings().rules, left_out=[], revision=3)
    assert payload["start"]["mode"] == "per_group" and payload["revision"] == 3
    assert payload["start"]["groups"] == [audited[label] for label in curves.labels]
    assert payload["labels"] == curves.labels  # the labels as text: the script escapes them where they go
    assert payload["rules"]["demographic_parity_ratio"] == {"at_least": 0.8}


def test_one_for_everyone_opens_on_a_position_when_the_groups_have_their_own():
    y_true, scores, groups = _rows(20_000)
    two = np.where(groups == "a", "a", "b")
    curves = ThresholdCurves(y_true, scores, two)
    audited = {"a": 0.31234, "b": 0.77777}  # their median, 0.545055, is no score and no threshold of the audit
    preview = preview_counts(curves, include=audited)
    start = preview_payload(preview, curves.labels, audited, rules=AuditSettings().rules, left_out=[])["start"]
    assert start["global"] in preview.thresholds.tolist() and start["global"] == pytest.approx(0.545055, abs=0.01)


def _keep(settled, labels):
    """The app: a preview's settled value kept as its callback keeps it, then every threshold key shown."""
    import streamlit as st

    from fairdash.ui import thresholds_state

    thresholds_state.store_settled_thresholds(settled, labels)
    st.json({key: st.session_state[key] for key in sorted(st.session_state) if str(key).startswith("threshold")})


def test_a_settled_move_is_kept_where_every_page_reads_it_and_nonsense_is_ignored():
    import json

    settled = {
        "mode": "per_group",
        "global": 0.4,
        "groups": {"a": 0.3, "b": "0.2", "c": float("nan"), "not a group": 0.9},
        "revision": 0,
    }
    at = AppTest.from_function(_keep, args=(settled, ["a", "b", "c"])).run()
    assert not at.exception
    kept = json.loads(at.json[0].proto.body)
    # b (text), c (not a number) and a group not in the audit are left as they were (unset).
    assert kept == {"threshold": 0.4, "threshold_for_a": 0.3, "threshold_mode": "per_group"}
    at = AppTest.from_function(_keep, args=({"mode": "<script>", "global": True, "groups": [], "revision": 0}, ["a"])).run()
    assert not at.exception and json.loads(at.json[0].proto.body) == {}
    # A move the server overtook (Suggest or Reset bumped the revision after it started) is not kept.
    at = AppTest.from_function(_keep, args=({**settled, "revision": -1}, ["a", "b", "c"])).run()
    assert not at.exception and json.loads(at.json[0].proto.body) == {}


def test_the_report_and_the_dashboard_run_the_same_script():
    from fairdash.engine.spec import AuditSpec
    from fairdash.present.preview import preview_script
    from fairdash.present.report import audit_html
    from fairdash.run import run_audit

    y_true, scores, groups = _rows(400)
    table = pd.DataFrame({"y": y_true, "s": scores, "g": groups})
    page = audit_html(run_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"), with_rules=False))
    assert preview_script() in page
    # The rules are handed in, never written into the script.
    assert "0.8" not in preview_script() and "at_least" in preview_script()


def test_the_preview_is_handed_each_rate_and_its_script_writes_none():
    """Each rate's count cells and label, and the rates each disparity compares, come in the payload from
    fairdash.engine.rates; the script holds no list of cell positions and adds no cells up by name."""
    import re

    from fairdash.engine.metrics import DISPARITY_RATES
    from fairdash.engine.rates import RATES
    from fairdash.present.preview import preview_script

    y_true, scores, groups = _rows(300)
    curves = ThresholdCurves(y_true, scores, groups)
    payload = preview_payload(preview_counts(curves), curves.labels, 0.5, rules=AuditSettings().rules, left_out=[])
    assert payload["rates"] == {
        name: {"numerator": list(rate.numerator), "denominator": list(rate.denominator), "label": rate.label}
        for name, rate in RATES.items()
    }
    assert payload["rates"]["tpr"] == {"numerator": [0], "denominator": [0, 3], "label": "True positive rate"}
    assert payload["disparity_rates"] == {name: list(rates) for name, rates in DISPARITY_RATES.items()}
    script = preview_script()
    code = re.sub(r"//.*", "", script)
    assert not re.findall(r"(?<![\w\])])\[\s*\[?\s*\d(?:\s*,\s*\d)*\s*\]", code)  # [0, 1], [[0], [0, 3]]: cell positions
    assert not re.findall(r"\b(?:tp|fp|tn|fn)\s*[+/]\s*(?:tp|fp|tn|fn|n)\b", code)  # tp + fn, tp / n: a rate written out
    assert not re.findall(r"selection_rate\s*:|RATE_CELLS|FAMILIES", code)
    for old in ("[[0, 1], [0, 1, 2, 3]]", "tp + fn", "div(tp, tp + fp)"):  # the definitions the script held before
        assert old not in script


def _count_tables() -> list[list[list[int]]]:
    """Count tables of 2 to 6 groups, 5 to 40,000 rows each, with the edge cases: nobody selected, a group without negatives."""
    rng = np.random.default_rng(0)
    tables = []
    for k in range(30):
        sizes = rng.choice([5, 30, 200, 5000, 40000], rng.integers(2, 7))
        counts = np.array([rng.multinomial(n, rng.dirichlet(np.ones(4))) for n in sizes])
        if k % 7 == 0:
            counts[:, :2] = 0
        if k % 11 == 0:
            counts[0, 1:3] = 0
        tables.append(counts.tolist())
    return tables


@pytest.mark.browser
def test_the_browser_script_bounds_the_disparities_and_says_inconclusive_as_python_does(browser, tmp_path):
    """The script's intervals of every disparity equal fairdash.engine.intervals.disparity_intervals (so the slider calls
    a verdict inconclusive where Python does), and the report's table says so at the audited threshold."""
    import json

    from playwright.sync_api import expect

    from fairdash.engine.intervals import disparity_intervals
    from fairdash.engine.spec import AuditSpec
    from fairdash.present.preview import definitions, preview_script
    from fairdash.present.report import audit_html
    from fairdash.run import run_audit

    tables = _count_tables()
    page = browser.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=preview_script())
    found = json.loads(
        page.evaluate(
            "([tables, definitions]) => JSON.stringify(tables.map(c => fairdashPreview.disparityBounds(c, 0.95, "
            "definitions)), (key, value) => Number.isNaN(value) ? 'NaN' : value)",
            [tables, definitions()],
        )
    )
    for counts, bounds in zip(tables, found):
        expected = disparity_intervals(np.array(counts))
        for name, row in expected.iterrows():
            shown = [np.nan if value == "NaN" else value for value in bounds[name]]
            assert shown == pytest.approx([row["lower"], row["upper"]], abs=1e-9, nan_ok=True), (counts, name)
    # The script takes which rates a disparity compares from what it is handed: told that demographic parity compares
    # true positive rates, it bounds equal opportunity's values.
    swapped = {**definitions(), "disparity_rates": {"demographic_parity": ["tpr"]}}
    told = page.evaluate("([c, d]) => fairdashPreview.disparityBounds(c, 0.95, d)", [tables[1], swapped])
    expected = disparity_intervals(np.array(tables[1]))
    assert told["demographic_parity_difference"] == pytest.approx(expected.loc["equal_opportunity_difference"].tolist(), abs=1e-9)

    y_true, scores, groups = _rows(3000)  # some verdicts conclusive, some not
    table = pd.DataFrame({"y": y_true, "s": scores, "g": np.where(groups == "a", "a", "b")})
    audit = run_audit(
        table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"), thresholds=0.5, with_rules=False
    )
    finding = audit.findings.loc["demographic_parity_ratio"]
    assert any(value is False for value in audit.findings["conclusive"]) and any(
        value is True for value in audit.findings["conclusive"]
    )
    path = tmp_path / "report.html"
    path.write_text(audit_html(audit), encoding="utf-8")
    page.goto(path.as_uri())
    cell = page.locator('#fd-disparities tr[data-name="demographic_parity_ratio"] td').nth(2)
    expect(cell).to_contain_text("pass" if finding["passed"] else "fail")
    assert ("inconclusive: the interval crosses 0.8" in cell.inner_text()) == (finding["conclusive"] is False)
    for name, row in audit.findings.iterrows():  # every verdict of the slider's table, as Python decided it
        text = page.locator(f'#fd-disparities tr[data-name="{name}"] td').nth(2).inner_text()
        assert ("inconclusive" in text) == (row["conclusive"] is False), name
    page.close()
