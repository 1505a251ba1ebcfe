"""The interval methods are named where the audit is shown (the JSON's settings, the HTML report), and an audit saved
before (its settings holding the old "bootstrap" entry) is still read and compared."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fairdash.engine.compare import compare_audits, read_audit_document
from fairdash.engine.intervals import DISPARITY_INTERVAL_METHOD, RATE_INTERVAL_METHOD
from fairdash.engine.spec import AuditSpec
from fairdash.present.report import audit_html, audit_json
from fairdash.run import run_audit

SPEC = AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s")


def _audit():
    rng = np.random.default_rng(3)
    group = rng.choice(["a", "b", "tiny"], 1200, p=[0.6, 0.38, 0.02])
    y = (rng.random(1200) < 0.4).astype(int)
    rows = pd.DataFrame({"g": group, "y": y, "s": np.clip(rng.normal(0.35 + 0.3 * y, 0.15), 0, 1).round(3)})
    return run_audit(rows, SPEC, thresholds=0.5, with_rules=False, data_name="d.csv")


def test_the_json_and_the_report_name_the_interval_methods():
    audit = _audit()
    document = audit_json(audit)
    assert document["settings"]["intervals"] == {
        "rates": RATE_INTERVAL_METHOD,
        "disparities": DISPARITY_INTERVAL_METHOD,
        "confidence": 0.95,
    }
    assert "bootstrap" not in document["settings"]
    assert "Clopper-Pearson" in RATE_INTERVAL_METHOD
    page = audit_html(audit)
    assert "Metrics by group (95% exact Clopper-Pearson intervals)" in page and "bootstrap" not in page
    assert RATE_INTERVAL_METHOD in page  # the settings list says it in full
    # The JSON's intervals are the rates' exact intervals, the same numbers as the result's.
    bounds = document["intervals"]["a"]["selection_rate"]
    assert bounds == [audit.intervals.lower.loc["a", "selection_rate"], audit.intervals.upper.loc["a", "selection_rate"]]


def test_an_audit_saved_with_the_bootstrap_setting_is_still_read_and_compared():
    new = json.loads(json.dumps(audit_json(_audit())))
    old = json.loads(json.dumps(new))
    del old["settings"]["intervals"]
    old["settings"]["bootstrap"] = {"resamples": 1000, "confidence": 0.95, "seed": 0}  # as fairdash wrote it before
    for document in (old, new):
        assert read_audit_document(json.dumps(document)) == document
    comparison = compare_audits(old, new)
    assert comparison.disparities.loc["demographic_parity_difference", "tested_change"] == 0
