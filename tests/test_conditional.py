"""Disparities given a control factor: the rates within strata against Fairlearn's MetricFrame(control_features=...),
the CDD by hand on UC Berkeley's 1973 admissions (explained by the department) and on a planted table (not explained),
strata left out with why, bad controls, and the CDD interval's coverage by simulation (with the naive Wald interval
failing as a negative control)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from fairdash.engine.conditional import (
    MAX_STRATA,
    cdd_values,
    cdd_with_interval,
    check_control,
    conditional_disparity,
    demographic_disparities,
)
from fairdash.errors import InvalidInputError
from fairdash.present.balance import conditional_json, conditional_sentences

# Bickel, Hammel & O'Connell (1975), Science 187: the six largest departments: (men applied, admitted, women applied, admitted).
BERKELEY = {
    "A": (825, 512, 108, 89),
    "B": (560, 353, 25, 17),
    "C": (325, 120, 593, 202),
    "D": (417, 138, 375, 131),
    "E": (191, 53, 393, 94),
    "F": (373, 22, 341, 24),
}


def berkeley() -> pd.DataFrame:
    rows = []
    for department, (men, men_in, women, women_in) in BERKELEY.items():
        rows += [(department, "Male", True)] * men_in + [(department, "Male", False)] * (men - men_in)
        rows += [(department, "Female", True)] * women_in + [(department, "Female", False)] * (women - women_in)
    return pd.DataFrame(rows, columns=["department", "sex", "admitted"])


def test_rates_within_strata_match_fairlearn_metricframe_with_control_features():
    from fairlearn.metrics import MetricFrame, selection_rate

    rng = np.random.default_rng(3)
    n = 2_000
    table = pd.DataFrame({"level": rng.choice(["junior", "mid", "senior"], n), "region": rng.choice(["N", "S"], n)})
    groups = pd.Series(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]))
    decisions = rng.random(n) < 0.3 + 0.2 * (table["level"] == "senior").to_numpy()
    for control in (["level"], ["level", "region"]):
        found = conditional_disparity(table, decisions, groups, control).strata
        frame = MetricFrame(
            metrics=selection_rate,
            y_true=decisions,
            y_pred=decisions,
            sensitive_features=groups.rename("g"),
            control_features=table[control],
        )
        expected = frame.by_group
        assert len(found) == len(expected)
        for key, value in expected.items():
            stratum = " | ".join(key[:-1])
            assert found.loc[(stratum, key[-1]), "selection_rate"] == pytest.approx(value, abs=1e-12)


def _cdd_by_hand(counts: dict[str, tuple[int, int, int, int]]) -> float:
    """Women's CDD: per department, women's share of the rejected minus their share of the admitted, weighted by applicants."""
    total = sum(men + women for men, _, women, _ in counts.values())
    cdd = 0.0
    for men, men_in, women, women_in in counts.values():
        rejected_women, rejected = women - women_in, (men - men_in) + (women - women_in)
        cdd += (men + women) / total * (rejected_women / rejected - women_in / (men_in + women_in))
    return cdd


def test_berkeley_cdd_by_hand_and_the_gap_explained_by_the_department():
    table = berkeley()
    rates = table.groupby("sex")["admitted"].mean()
    assert round(rates["Male"], 2) == 0.45 and round(rates["Female"], 2) == 0.30  # 44.5% and 30.4%, as published
    found = conditional_disparity(table, table["admitted"].to_numpy(), table["sex"], ["department"], rate="base_rate")
    assert found.cdd.loc["Female", "cdd"] == pytest.approx(_cdd_by_hand(BERKELEY), abs=1e-12)
    assert found.cdd.loc["Male", "cdd"] == pytest.approx(-_cdd_by_hand(BERKELEY), abs=1e-12)
    overall = table[~table.admitted].sex.eq("Female").mean() - table[table.admitted].sex.eq("Female").mean()
    assert found.cdd.loc["Female", "dd"] == pytest.approx(overall, abs=1e-12)
    female = found.cdd.loc["Female"]
    assert female["dd_lower"] > 0.1  # over all rows women are clearly more of the rejected
    assert female["lower"] < 0 < female["upper"]  # within departments, no gap the data can tell from none
    assert "department accounts for it" in conditional_sentences(found)["Female"]
    assert found.strata.loc[("A", "Female"), "base_rate"] == pytest.approx(89 / 108)
    document = conditional_json(found)
    assert document["control"] == ["department"] and set(document["strata"]) == set(BERKELEY)
    assert set(document["strata"]["A"]["Female"]) == {"rows", "base_rate", "interval"}
    assert document["cdd"]["Female"] == pytest.approx(_cdd_by_hand(BERKELEY))


def test_a_planted_gap_within_every_stratum_is_not_explained():
    rng = np.random.default_rng(5)
    n = 4_000
    level = rng.choice(["junior", "senior"], n)
    group = np.where(rng.random(n) < np.where(level == "senior", 0.3, 0.6), "women", "men")
    accepted = rng.random(n) < np.where(level == "senior", 0.6, 0.3) - 0.1 * (group == "women")
    table = pd.DataFrame({"level": level})
    found = conditional_disparity(table, accepted, pd.Series(group), ["level"])
    women = found.cdd.loc["women"]
    assert women["lower"] > 0  # women are a larger share of the rejected than of the accepted at the same level
    assert "does not account for all of it" in conditional_sentences(found)["women"]
    values = cdd_values(found)
    assert values["cdd[women]"] == pytest.approx(women["cdd"]) and values["cdd_max"] == pytest.approx(abs(women["cdd"]))


def test_strata_with_one_group_or_one_outcome_are_left_out_and_named_without_dividing_by_zero():
    table = pd.DataFrame({"dept": ["A"] * 6 + ["B"] * 4 + ["C"] * 4})
    groups = pd.Series(["m", "f", "m", "f", "m", "f"] + ["m"] * 4 + ["m", "f", "m", "f"])
    accepted = np.array([1, 0, 1, 1, 0, 0] + [1, 0, 1, 0] + [1, 1, 1, 1], dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = conditional_disparity(table, accepted, groups, ["dept"])
    assert found.left_out == {"B": "one group only (m)", "C": "every row accepted: no comparison"}
    # Only A counts: rejected f 2 of 3, accepted f 1 of 3.
    assert found.cdd.loc["f", "cdd"] == pytest.approx(2 / 3 - 1 / 3)
    assert found.rows_used == 6
    assert np.isfinite(found.cdd[["cdd", "lower", "upper"]].to_numpy()).all()
    nothing = conditional_disparity(table.iloc[6:10], accepted[6:10], groups.iloc[6:10].reset_index(drop=True), ["dept"])
    assert np.isnan(nothing.cdd.loc["m", "cdd"]) and "undefined" in conditional_sentences(nothing)["m"]
    assert np.isnan(cdd_values(nothing)["cdd_max"])


@pytest.mark.parametrize("column, role", [("y", "the target"), ("score", "the score column"), ("sex", "a sensitive attribute")])
def test_a_control_in_another_role_is_refused(column, role):
    with pytest.raises(InvalidInputError, match=f"is {role}"):
        check_control([column], target="y", sensitive=["sex"], score="score", columns=["y", "score", "sex", "dept"])


def test_a_control_of_thousands_of_text_values_is_refused_and_numbers_are_banded():
    rng = np.random.default_rng(1)
    n = 3_000
    groups, accepted = pd.Series(rng.choice(["a", "b"], n)), rng.random(n) < 0.5
    ids = pd.DataFrame({"id": [f"person-{i}" for i in range(n)]})
    with pytest.raises(InvalidInputError, match=f"3,000 strata, more than {MAX_STRATA}"):
        conditional_disparity(ids, accepted, groups, ["id"])
    ages = pd.DataFrame({"age": rng.integers(18, 80, n)})
    found = conditional_disparity(ages, accepted, groups, ["age"])
    assert len(found.bins["age"]) == 4 and found.strata.index.get_level_values(0).nunique() == 5


def _naive_wald(counts: pd.DataFrame) -> tuple[float, float]:
    rejected, accepted = counts[False].to_numpy(float), counts[True].to_numpy(float)
    n_rejected, n_accepted = rejected.sum(1, keepdims=True), accepted.sum(1, keepdims=True)
    weights = (n_rejected + n_accepted)[:, 0] / (n_rejected + n_accepted).sum()
    p0, p1 = rejected / n_rejected, accepted / n_accepted
    value, se = weights @ (p0 - p1), np.sqrt(weights**2 @ (p0 * (1 - p0) / n_rejected + p1 * (1 - p1) / n_accepted))
    return value[0] - norm.ppf(0.975) * se[0], value[0] + norm.ppf(0.975) * se[0]


def test_cdd_interval_covers_the_true_cdd_at_its_level_where_the_naive_wald_interval_does_not():
    # Two strata; group d rare in the first and common in the second; acceptance near 0 and near 1.
    strata_p, d_share = np.array([0.5, 0.5]), np.array([0.1, 0.9])
    accept = np.array([[0.05, 0.10], [0.90, 0.95]])  # (stratum, d or other)
    truth = 0.0
    for i in range(2):
        rejected = np.array([d_share[i] * (1 - accept[i, 0]), (1 - d_share[i]) * (1 - accept[i, 1])])
        accepted = np.array([d_share[i] * accept[i, 0], (1 - d_share[i]) * accept[i, 1]])
        truth += strata_p[i] * (rejected[0] / rejected.sum() - accepted[0] / accepted.sum())
    rng = np.random.default_rng(11)
    ours = naive = runs = 0
    for _ in range(400):
        stratum = rng.choice(2, 100, p=strata_p)
        other = (rng.random(100) >= d_share[stratum]).astype(int)
        accepted = rng.random(100) < accept[stratum, other]
        _, left_out, counts = demographic_disparities(
            accepted, pd.Series(np.where(other == 0, "d", "o")), pd.Series(stratum.astype(str))
        )
        if left_out:
            continue
        runs += 1
        interval = cdd_with_interval(counts).loc["d"]
        ours += interval["lower"] <= truth <= interval["upper"]
        low, high = _naive_wald(counts)
        naive += low <= truth <= high
    assert runs > 350
    assert ours / runs >= 0.93  # measured 0.97 over 1,000 runs (docs/statistics.md)
    assert naive / runs < 0.90  # the textbook Wald interval: 0.82 over 1,000 runs


@pytest.fixture()
def scored_berkeley(tmp_path):
    table = berkeley()
    rng = np.random.default_rng(0)
    table["score"] = (table["admitted"] * 0.6 + rng.random(len(table)) * 0.5).round(4)
    table["admitted"] = np.where(table["admitted"], "yes", "no")
    path = tmp_path / "scored.csv"
    table.to_csv(path, index=False)
    return path, table


AUDIT = ["--target", "admitted", "--positive-label", "yes", "--sensitive", "sex", "--score", "score", "--threshold", "0.5"]


def test_audit_control_json_report_and_gate(scored_berkeley, tmp_path, capsys):
    from fairlearn.metrics import MetricFrame, selection_rate

    from fairdash.cli import main

    path, table = scored_berkeley
    out, page = tmp_path / "a.json", tmp_path / "a.html"
    code = main(
        [
            "audit",
            "--data",
            str(path),
            *AUDIT,
            "--control",
            "department",
            "--json",
            str(out),
            "--report",
            str(page),
            "--fail-on",
            "cdd[Female]>0.5",
        ]
    )
    assert code == 0, capsys.readouterr().err
    conditional = json.loads(out.read_text())["conditional"]
    assert conditional["control"] == ["department"] and conditional["rate"] == "selection_rate"
    decisions = (table["score"] >= 0.5).to_numpy()
    frame = MetricFrame(
        metrics=selection_rate,
        y_true=decisions,
        y_pred=decisions,
        sensitive_features=table["sex"],
        control_features=table["department"],
    )
    for (department, sex), value in frame.by_group.items():
        assert conditional["strata"][department][sex]["selection_rate"] == pytest.approx(value, abs=1e-12)
    found = conditional_disparity(table, decisions, table["sex"], ["department"])
    assert conditional["cdd"]["Female"] == pytest.approx(found.cdd.loc["Female", "cdd"])
    assert "Given department" in page.read_text()
    assert main(["audit", "--data", str(path), *AUDIT, "--control", "department", "--fail-on", "cdd_max>0"]) == 1
    assert "FAILED: cdd_max" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--control", "score"], "is the score column"),
        (["--control", "admitted"], "is the target"),
        (["--fail-on", "cdd[Female]>0.1"], "only with --control"),
        (["--control", "department", "--engine", "duckdb"], "--control needs the rows in memory"),
    ],
)
def test_audit_control_bad_input_exits_2(scored_berkeley, capsys, extra, message):
    from fairdash.cli import main

    path, _ = scored_berkeley
    assert main(["audit", "--data", str(path), *AUDIT, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
