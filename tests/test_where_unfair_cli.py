"""`audit --calibration --subgroups`: the JSON's schema (exactly the issue's), its numbers against pandas counts of the
rows, the report's sections, and bad input in one line."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.demo import load_demo
from fairdash.cli import main
from fairdash.present.report import audit_html, audit_json
from fairdash.run import run_audit

COMPAS = ["--target", "two_year_recid", "--sensitive", "race", "--score", "decile_score", "--threshold", "5"]
POINT_KEYS = {"lower", "upper", "mean_score", "observed", "count", "interval"}
GROUP_KEYS = {"points", "ece", "ece_interval", "ece_if_calibrated", "brier", "in_the_large"}
FINDING_KEYS = {"value", "if_calibrated", "p_value", "p_adjusted", "rule", "passed", "undefined"}
SUBGROUP_KEYS = {"conditions", "size", "metric", "rate", "rest_rate", "gap", "interval", "p_value", "p_adjusted"}


@pytest.fixture(scope="module")
def compas_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("where") / "compas.csv"
    assert main(["demo", "compas", "--out", str(path)]) == 0
    return path


def _schema(document):
    calibration = document["calibration"]
    assert set(calibration) == {"bins", "groups", "disparities", "disparity_intervals", "findings", "method"}
    assert set(calibration["disparities"]) == set(calibration["disparity_intervals"]) == {"ece_difference"}
    assert set(calibration["findings"]) == {"ece_difference", *(f"ece[{label}]" for label in calibration["groups"])}
    assert all(set(finding) == FINDING_KEYS for finding in calibration["findings"].values())
    for group in calibration["groups"].values():
        assert set(group) == GROUP_KEYS
        assert all(set(point) == POINT_KEYS and len(point["interval"]) == 2 for point in group["points"])
    assert {"subgroups", "subgroups_tested", "correction"} <= set(document)
    for entry in document["subgroups"]:
        assert set(entry) == SUBGROUP_KEYS
        assert all(set(condition) in ({"column", "value"}, {"column", "lower", "upper"}) for condition in entry["conditions"])


def _rows(table, conditions):
    inside = np.ones(len(table), dtype=bool)
    for condition in conditions:
        values = table[condition["column"]]
        if "value" in condition:
            inside &= (values.isna() if condition["value"] is None else values == condition["value"]).to_numpy()
        else:
            inside &= (
                (values >= (condition["lower"] if condition["lower"] is not None else -np.inf))
                & (values < (condition["upper"] if condition["upper"] is not None else np.inf))
            ).to_numpy()
    return inside


def test_compas_json_has_the_issues_schema_and_the_rows_numbers(compas_csv, tmp_path, capsys):
    out = tmp_path / "a.json"
    assert main(["audit", "--data", str(compas_csv), *COMPAS, "--calibration", "--subgroups", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "calibration within groups (score values bins)" in printed and "why the criteria conflict" in printed
    assert "left out of the search: id: it looks like a row ID" in printed
    document = json.loads(out.read_text())
    _schema(document)
    table = pd.read_csv(compas_csv)
    calibration = document["calibration"]
    assert calibration["bins"] == "score values" and calibration["disparities"]["ece_difference"] is None
    observed = table.groupby(["race", "decile_score"])["two_year_recid"].agg(["mean", "size"])  # the oracle: pandas on the rows
    for race, group in calibration["groups"].items():
        assert group["ece"] is None and group["brier"] is None
        for point in group["points"]:
            assert (point["observed"], point["count"]) == (
                pytest.approx(observed.loc[(race, point["lower"]), "mean"]),
                observed.loc[(race, point["lower"]), "size"],
            )
            assert point["interval"][0] <= point["observed"] <= point["interval"][1]
    decisions = table["decile_score"] >= 5
    assert document["subgroups_tested"] > 100 and "Bonferroni" in document["correction"]
    for entry in document["subgroups"][:10]:
        inside = _rows(table, entry["conditions"])
        assert entry["size"] == inside.sum()
        if entry["metric"] == "selection_rate":
            assert entry["rate"] == pytest.approx(decisions[inside].mean()) and entry["rest_rate"] == pytest.approx(
                decisions[~inside].mean()
            )
        assert entry["interval"][0] <= entry["gap"] <= entry["interval"][1]
        tests = int(re.search(r"Bonferroni over ([\d,]+) tests", document["correction"]).group(1).replace(",", ""))
        assert entry["p_adjusted"] == pytest.approx(min(1.0, entry["p_value"] * tests))


def test_a_probability_score_gets_ece_and_its_gap(people, tmp_path, capsys):
    data = tmp_path / "people.csv"
    people.to_csv(data, index=False)
    out = tmp_path / "p.json"
    assert (
        main(
            [
                "audit",
                "--data",
                str(data),
                "--target",
                "hired",
                "--positive-label",
                "yes",
                "--sensitive",
                "sex",
                "--score",
                "score",
                "--calibration",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    assert "Gap in expected calibration error between female, male" in capsys.readouterr().out
    calibration = json.loads(out.read_text())["calibration"]
    assert calibration["bins"] == "quantile" and "subgroups" not in json.loads(out.read_text())
    eces = [group["ece"] for group in calibration["groups"].values()]
    assert calibration["disparities"]["ece_difference"] == pytest.approx(max(eces) - min(eces))
    gap = calibration["findings"]["ece_difference"]
    assert gap["value"] == calibration["disparities"]["ece_difference"] and gap["passed"] is (gap["p_adjusted"] >= 0.05)
    low, high = calibration["disparity_intervals"]["ece_difference"]
    assert 0 <= low <= gap["value"] <= high
    for sex, group in calibration["groups"].items():
        rows = people["sex"] == sex
        assert sum(point["count"] for point in group["points"]) == rows.sum()
        assert group["brier"] == pytest.approx(((people.loc[rows, "score"] - (people.loc[rows, "hired"] == "yes")) ** 2).mean())


def test_the_report_has_a_section_each_with_text_from_the_data_escaped(tmp_path):
    demo = load_demo("compas")
    table = demo.data.assign(c_charge_degree=demo.data["c_charge_degree"].replace("F", "<img src=x onerror=alert(1)>"))
    audit = run_audit(table, demo.spec, thresholds=5, with_rules=False, calibration=True, subgroups=True)
    page = audit_html(audit)
    for title in ("Calibration within groups", "Why the criteria conflict", "Subgroups with the largest gaps"):
        assert f"<h2>{title}</h2>" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "42.3% in African-American against 22.0% in Caucasian" in page
    _schema(json.loads(json.dumps(audit_json(audit), allow_nan=False)))


def test_bad_columns_and_scores_get_a_message_not_a_traceback(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 10_000
    table = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "group": rng.choice(["a", "b"], n),
            "constant": "same",
            "many": [f"city {i % 5000}" for i in range(n)],
            "predicted": rng.integers(0, 2, n),
        }
    )
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    args = ["audit", "--data", str(data), "--target", "y", "--sensitive", "group", "--score", "predicted"]
    assert main([*args, "--calibration", "--subgroups", "--min-size", "2", "--json", str(tmp_path / "t.json")]) == 0
    out = capsys.readouterr().out
    assert "left out of the search: constant: it holds one value only" in out
    assert "left out of the search: many: 5,000 of its values have 2 rows or more: too many to search" in out
    assert "note: The scores are 0/1 predictions" in out and "Gap in expected calibration error: undefined" in out
    assert json.loads((tmp_path / "t.json").read_text())["calibration"]["bins"] == "score values"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min-size", "40"], "--min-size goes with --subgroups"),
        (["--subgroups", "--min-size", "0"], "--min-size must be 1 or more"),
        (["--subgroups", "--engine", "duckdb"], "--subgroups needs the rows in memory"),
        (["--calibration", "--engine", "duckdb"], "--calibration needs the rows in memory"),
    ],
)
def test_bad_options_exit_2_with_one_line(compas_csv, capsys, extra, message):
    assert main(["audit", "--data", str(compas_csv), *COMPAS, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_no_column_to_search_exits_2_with_one_line(tmp_path, capsys):
    table = pd.DataFrame({"y": [0, 1] * 50, "group": ["a"] * 50 + ["b"] * 50, "constant": 1, "score": np.linspace(0, 1, 100)})
    data = tmp_path / "c.csv"
    table.to_csv(data, index=False)
    assert (
        main(
            [
                "audit",
                "--data",
                str(data),
                "--target",
                "y",
                "--sensitive",
                "group",
                "--score",
                "score",
                "--subgroups",
                "--min-size",
                "60",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "No column can define a subgroup of 60 rows or more" in err and len(err.strip().splitlines()) == 1
