"""Item 8: an undefined disparity never crashes the gate, never passes it, and a crash is never exit 1."""

import json

import numpy as np
import pandas as pd
import pytest

from fairdash import run as report
from fairdash.engine.demo import load_demo
from fairdash.engine.findings import disparity_findings
from fairdash.engine.metrics import group_metrics
from fairdash.engine.spec import AuditSpec
from fairdash.engine.undefined import RateUndefined, Undefined
from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.present.sentences import undefined_text
from fairdash.run import run_audit


@pytest.fixture(scope="module")
def compas(tmp_path_factory):
    path = tmp_path_factory.mktemp("compas") / "compas.csv"
    load_demo("compas").data.to_csv(path, index=False)
    return path


def _audit(compas, *extra):
    return [
        "audit",
        "--data",
        str(compas),
        "--target",
        "two_year_recid",
        "--sensitive",
        "race",
        "--score",
        "decile_score",
        *extra,
    ]


def test_a_threshold_above_every_score_fails_the_gate_closed_with_the_reason(compas, tmp_path, capsys):
    out = tmp_path / "audit.json"
    code = main(
        _audit(
            compas,
            "--threshold",
            "11",
            "--fail-on",
            "demographic_parity_ratio<0.8",
            "--json",
            str(out),
            "--report",
            str(tmp_path / "r.html"),
        )
    )
    assert code == 1
    error = capsys.readouterr().err
    assert "demographic_parity_ratio is undefined" in error and "selection rate is 0" in error
    document = json.loads(out.read_text())  # plain JSON: no NaN, no Infinity
    assert document["disparities"]["demographic_parity_ratio"] is None
    assert document["disparities"]["four_fifths_pass"] is None
    assert "selection rate is 0" in document["findings"]["demographic_parity_ratio"]["undefined"]


def test_a_condition_on_a_defined_disparity_still_passes_and_fails_as_written(compas, capsys):
    assert main(_audit(compas, "--threshold", "5", "--fail-on", "demographic_parity_ratio<0.1")) == 0
    assert main(_audit(compas, "--threshold", "5", "--fail-on", "demographic_parity_ratio<0.9")) == 1
    assert "FAILED: demographic_parity_ratio = " in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_threshold_that_is_not_a_finite_number_is_bad_input(compas, value, capsys):
    assert main(_audit(compas, f"--threshold={value}", "--fail-on", "demographic_parity_ratio<0.8")) == 2
    assert "finite number" in capsys.readouterr().err


def test_a_thresholds_file_with_an_overflowing_number_is_bad_input(compas, tmp_path, capsys):
    path = tmp_path / "t.json"
    groups = ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"]
    path.write_text("{" + ", ".join(f'"{group}": 1e309' for group in groups) + "}")
    assert main(_audit(compas, "--thresholds", str(path), "--fail-on", "demographic_parity_ratio<0.8")) == 2
    assert "finite number" in capsys.readouterr().err


def test_a_thresholds_file_that_is_not_utf8_is_bad_input(compas, tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_bytes('{"Caucasian": 5}'.encode("utf-16"))
    assert main(_audit(compas, "--thresholds", str(path))) == 2
    assert "not UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("tolerance", ["nan", "-0.1", "2"])
def test_a_tolerance_outside_0_to_1_is_refused(compas, tolerance, capsys):
    assert main(_audit(compas, f"--tolerance={tolerance}")) == 2
    assert "tolerance" in capsys.readouterr().err
    with pytest.raises(InvalidInputError, match="tolerance"):
        disparity_findings(group_metrics([1, 0], [1, 0], ["a", "b"]), tolerance=float(tolerance))


def test_an_internal_error_exits_3_never_1(compas, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(report, "run_audit", broken)
    assert main(_audit(compas, "--fail-on", "demographic_parity_ratio<0.8")) == 3
    assert "internal error" in capsys.readouterr().err


def test_usage_errors_are_bad_input_not_a_failed_condition(capsys):
    assert main(["audit", "--data", "x.csv"]) == 2
    assert main(["audit", "--data", "x.csv", "--target", "y", "--sensitive", "s", "--score", "p", "--fail-on", "nope<1"]) == 2


def test_the_four_fifths_bar_applies_to_the_selection_rate_ratio_only():
    table = group_metrics([1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0], ["a"] * 4 + ["b"] * 4)
    findings = disparity_findings(table)
    assert findings.loc["demographic_parity_ratio", "rule"] == ">= 0.8"
    for name in ("equal_opportunity_ratio", "equalized_odds_ratio", "predictive_parity_ratio"):
        assert findings.loc[name, "rule"] == "" and findings.loc[name, "passed"] is None


def test_a_group_with_nobody_selected_makes_precision_undefined_not_zero():
    table = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40, "y": [1, 0] * 40, "s": [0.9] * 40 + [0.1] * 40})
    audit = run_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"), with_rules=False)
    assert np.isnan(audit.table.loc["b", "precision"])
    finding = audit.findings.to_dict("index")["predictive_parity_difference"]
    assert finding["passed"] is None and finding["undefined"] == Undefined(
        "rates", (RateUndefined("precision", "one_group", ("b",)),)
    )
    assert undefined_text(finding["undefined"]) == "only one group has a defined precision (b: no selected rows)"
