"""Two audits compared: the numbers are the audits' own, "beyond chance" is the monitor's change test (checked against
the monitor on the same rows and against the formula from the rows), the ratios' intervals against a simulation,
and the command line's JSON and gate."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, studentized_range

from fairdash.engine.compare import Untested, compare_audits
from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.monitor.engines import MonitorSpec, count_log
from fairdash.monitor.windows import monitor
from fairdash.present.comparison import comparison_json, comparison_table
from fairdash.present.report import audit_json
from fairdash.run import run_audit

ROOT = Path(__file__).resolve().parents[1]
SPEC = AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s")


def _rows(seed: int, *, shift_b: float = 0.0, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < 0.4).astype(int)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.15) - np.where(group == "b", shift_b, 0.0), 0, 1).round(4)
    return pd.DataFrame({"g": group, "y": y, "s": score})


def _document(rows: pd.DataFrame) -> dict:
    return json.loads(json.dumps(audit_json(run_audit(rows, SPEC, thresholds=0.5, with_rules=False, data_name="d.csv"))))


def test_the_change_test_is_the_monitors_on_the_same_rows():
    before, after = _rows(1), _rows(2, shift_b=0.12)
    comparison = compare_audits(_document(before), _document(after))
    found = comparison.disparities.loc["demographic_parity_difference"]
    # The monitor on one log of the two as consecutive months, the first the baseline: its alert names the same change.
    log = pd.concat([before.assign(t=pd.Timestamp("2026-01-05")), after.assign(t=pd.Timestamp("2026-02-05"))], ignore_index=True)
    counts = count_log(log, MonitorSpec(time="t", target="y", positive_label=1, sensitive=("g",), score="s"), threshold=0.5)
    (alert,) = [
        alert
        for alert in monitor(counts, threshold=0.5, min_group_size=0).alerts
        if alert["kind"] == "change" and alert["disparity"] == "demographic_parity_difference"
    ]
    assert found["tested_change"] == pytest.approx(alert["reason"].change, abs=5e-4)
    assert found["p_value"] == pytest.approx(alert["reason"].p_value, rel=0.06)
    # And from the rows by the formula: every pair's change in gap over the four binomial variances; the largest |z|
    # against the range of three standard normals, integrated here (an oracle apart from scipy's studentized_range).
    rates = {
        name: (frame["s"] >= 0.5).groupby(frame["g"]).agg(["mean", "count"])
        for name, frame in (("before", before), ("after", after))
    }
    tests = {}
    for high, low in [("a", "b"), ("a", "c"), ("b", "c")]:
        if rates["after"].loc[high, "mean"] < rates["after"].loc[low, "mean"]:
            high, low = low, high
        gap = {name: table.loc[high, "mean"] - table.loc[low, "mean"] for name, table in rates.items()}
        variance = sum(p * (1 - p) / n for table in rates.values() for p, n in table.loc[[high, low]].itertuples(index=False))
        tests[(high, low)] = (gap["after"] - gap["before"], math.sqrt(variance))
    (high, low), (delta, error) = max(tests.items(), key=lambda item: abs(item[1][0]) / item[1][1])
    assert found["tested_change"] == pytest.approx(delta, abs=1e-12)
    assert found["p_value"] == pytest.approx(_range_sf(math.sqrt(2) * abs(delta) / error, 3), rel=1e-6)
    assert (found["lower"] + found["upper"]) / 2 == pytest.approx(found["tested_change"], abs=1e-12)
    assert found["beyond_chance"] and found["lower"] > 0
    assert comparison_json(comparison)["disparities"]["demographic_parity_difference"]["beyond_chance"] is True
    assert (found["high"], found["low"], found["rate"]) == (high, low, "selection_rate")


def _range_sf(w: float, k: int) -> float:
    """P(range of k standard normals > w) = k * integral of phi(x) ((1 - Phi(x))^(k-1) - (Phi(x + w) - Phi(x))^(k-1)),
    written for k = 3 as a product so its small values keep their digits."""
    from scipy.integrate import quad

    assert k == 3
    value, _ = quad(
        lambda x: norm.pdf(x) * norm.sf(x + w) * (2 * norm.sf(x) - norm.sf(x + w)), -np.inf, np.inf, epsabs=0, epsrel=1e-10
    )
    return 3 * value


def test_two_samples_of_the_same_model_are_rarely_beyond_chance():
    """Twenty pairs of samples from one population: at a Bonferroni-divided 5%, false alarms stay rare."""
    alarms = 0
    for seed in range(20):
        comparison = compare_audits(_document(_rows(100 + seed, n=1500)), _document(_rows(200 + seed, n=1500)))
        alarms += bool(comparison.disparities["beyond_chance"].fillna(False).any())
    assert alarms <= 2


def test_the_ratios_interval_matches_a_simulation_of_the_four_proportions():
    before, after = _document(_rows(3)), _document(_rows(4, shift_b=0.05))
    row = compare_audits(before, after).disparities.loc["demographic_parity_ratio"]
    rng = np.random.default_rng(0)

    def simulated(document: dict) -> np.ndarray:
        groups = document["groups"]
        p = {group: groups[group]["selection_rate"] for group in (row["high"], row["low"])}
        n = {group: groups[group]["count"] for group in p}
        draws = {group: rng.binomial(n[group], p[group], 200_000) / n[group] for group in p}
        return draws[row["low"]] / draws[row["high"]]

    spread = np.std(simulated(after) - simulated(before))
    # The interval is simultaneous: its half-width is the standard error times the studentized range's critical value
    # at the verdict's level (5% over the disparities tested), over sqrt(2).
    tested = int(compare_audits(before, after).disparities["p_value"].notna().sum())
    critical = studentized_range.isf(0.05 / tested, int(row["groups_tested"]), np.inf) / math.sqrt(2)
    assert (row["upper"] - row["lower"]) / (2 * critical) == pytest.approx(spread, rel=0.05)


def test_group_rates_are_the_audits_own_numbers():
    before, after = _document(_rows(5)), _document(_rows(6, shift_b=0.1))
    document = comparison_json(compare_audits(before, after, before_label={"file": "b.json"}, after_label={"id": "x"}))
    assert set(document) >= {"disparities", "groups", "before", "after"}
    for group in ("a", "b", "c"):
        for rate in ("selection_rate", "tpr", "fpr", "precision"):
            shown = document["groups"][group][rate]
            assert (shown["before"], shown["after"]) == (before["groups"][group][rate], after["groups"][group][rate])
            assert shown["change"] == pytest.approx(after["groups"][group][rate] - before["groups"][group][rate], abs=1e-15)
            assert shown["after_interval"] == after["intervals"][group][rate]
    for name, found in document["disparities"].items():
        assert set(found) >= {"before", "after", "change", "interval", "p_value"}
        assert (found["before"], found["after"]) == (before["disparities"][name], after["disparities"][name])


def test_audits_of_another_target_or_groups_are_refused():
    document = _document(_rows(7))
    other = json.loads(json.dumps(document))
    other["settings"]["sensitive"] = ["h"]
    with pytest.raises(ValueError, match="differ in sensitive"):
        compare_audits(document, other)


def test_the_command_line_gates_on_a_change_and_fails_closed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    paths = {}
    for name, rows in (("before", _rows(8)), ("worse", _rows(9, shift_b=0.15))):
        rows.to_csv(tmp_path / f"{name}.csv", index=False)
        paths[name] = tmp_path / f"{name}.json"
        assert (
            main(
                [
                    "audit",
                    "--data",
                    str(tmp_path / f"{name}.csv"),
                    "--target",
                    "y",
                    "--sensitive",
                    "g",
                    "--score",
                    "s",
                    "--threshold",
                    "0.5",
                    "--json",
                    str(paths[name]),
                    *(["--save"] if name == "worse" else []),
                ]
            )
            == 0
        )
    saved_id = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    out = tmp_path / "comparison.json"
    code = main(
        ["compare", str(paths["before"]), saved_id, "--json", str(out), "--fail-on", "demographic_parity_difference_change>0.05"]
    )
    captured = capsys.readouterr()
    document = json.loads(out.read_text())
    change = document["disparities"]["demographic_parity_difference"]["change"]
    assert change > 0.05 and code == 1 and "FAILED: demographic_parity_difference_change" in captured.err
    assert document["after"]["id"] == saved_id
    assert main(["compare", str(paths["before"]), saved_id, "--fail-on", "demographic_parity_difference_change>0.5"]) == 0
    # An undefined change holds: where two of three groups select nobody, predictive parity is undefined.
    nobody = _rows(10).assign(s=lambda frame: np.where(frame["g"] != "a", 0.0, frame["s"]))
    nobody.to_csv(tmp_path / "nobody.csv", index=False)
    main(
        [
            "audit",
            "--data",
            str(tmp_path / "nobody.csv"),
            "--target",
            "y",
            "--sensitive",
            "g",
            "--score",
            "s",
            "--threshold",
            "0.5",
            "--json",
            str(tmp_path / "nobody.json"),
        ]
    )
    capsys.readouterr()
    assert (
        main(
            [
                "compare",
                str(paths["before"]),
                str(tmp_path / "nobody.json"),
                "--fail-on",
                "predictive_parity_difference_change>0.5",
            ]
        )
        == 1
    )
    assert "is undefined" in capsys.readouterr().err
    for bad in (
        ["compare", "../", str(paths["before"])],
        ["compare", "a" * 10_000, str(paths["before"])],
        ["compare", str(paths["before"]), str(paths["worse"]), "--fail-on", "demographic_parity_difference>0.1"],
        ["compare", str(paths["before"]), str(paths["worse"]), "--json", str(paths["worse"])],
    ):
        assert main(bad) == 2
        error = capsys.readouterr().err
        assert error.startswith("fairdash: error:") and len(error) < 700


def test_compare_runs_as_a_module(tmp_path):
    _rows(11).to_csv(tmp_path / "d.csv", index=False)
    base = [
        sys.executable,
        "-m",
        "fairdash",
        "audit",
        "--data",
        str(tmp_path / "d.csv"),
        "--target",
        "y",
        "--sensitive",
        "g",
        "--score",
        "s",
        "--threshold",
        "0.5",
        "--no-explain",
        "--json",
    ]
    subprocess.run(base + [str(tmp_path / "a.json")], check=True, capture_output=True, cwd=ROOT)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairdash",
            "compare",
            str(tmp_path / "a.json"),
            str(tmp_path / "a.json"),
            "--fail-on",
            "demographic_parity_difference_change>0",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr  # the same audit twice: every change is 0
    assert re.search(
        r"demographic parity difference\s+[\d.]+\s+[\d.]+\s+\+0\.000", done.stdout
    )  # as the Saved audits page shows it


def _exact(selected: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Rows whose selection rates are exact: per group ``(n, k)``, k of n rows scored above the threshold."""
    return pd.concat(
        [
            pd.DataFrame({"g": group, "y": np.arange(n) % 2, "s": np.r_[np.full(k, 0.9), np.full(n - k, 0.1)]})
            for group, (n, k) in selected.items()
        ],
        ignore_index=True,
    )


def _by_hand(before: pd.DataFrame, after: pd.DataFrame, high: str, low: str) -> dict[str, float]:
    """The change in the selection-rate gap and ratio between ``high`` and ``low`` and their two-sided p-values, from the
    rows: the four proportions' binomial variances (the ratio's by the delta method)."""
    rates = [(frame["s"] >= 0.5).groupby(frame["g"]).agg(["mean", "count"]) for frame in (before, after)]
    gap = [table.loc[high, "mean"] - table.loc[low, "mean"] for table in rates]
    variance = sum(p * (1 - p) / n for table in rates for p, n in table.loc[[high, low]].itertuples(index=False))
    ratio = [table.loc[low, "mean"] / table.loc[high, "mean"] for table in rates]
    ratio_variance = sum(
        r**2 * sum((1 - p) / (n * p) for p, n in table.loc[[high, low]].itertuples(index=False)) for r, table in zip(ratio, rates)
    )
    return {
        "gap": gap[1] - gap[0],
        "gap_p": 2 * norm.sf(abs(gap[1] - gap[0]) / math.sqrt(variance)),
        "ratio": ratio[1] - ratio[0],
        "ratio_p": 2 * norm.sf(abs(ratio[1] - ratio[0]) / math.sqrt(ratio_variance)),
    }


def test_where_the_after_audits_groups_all_tie_the_before_audits_extremes_are_tested():
    """All three groups select half their rows after: the change is never tested between a group and itself (it was:
    0, p = 1, beside a change of -0.3); the before audit's extremes (a and c) define both disparities' change."""
    before, after = (
        _exact({"a": (400, 240), "b": (300, 120), "c": (200, 60)}),
        _exact({"a": (400, 200), "b": (300, 150), "c": (200, 100)}),
    )
    comparison = compare_audits(_document(before), _document(after))
    expected = _by_hand(before, after, "a", "c")
    for name, kind in (("demographic_parity_difference", "gap"), ("demographic_parity_ratio", "ratio")):
        row = comparison.disparities.loc[name]
        assert (row["high"], row["low"], row["rate"]) == ("a", "c", "selection_rate")  # was ("a", "a"): a group against itself
        assert row["change"] == pytest.approx(expected[kind], abs=1e-12) and row["tested_change"] == pytest.approx(
            expected[kind], abs=1e-12
        )
        z = norm.isf(expected[f"{kind}_p"] / 2)  # the pair's own z; its p-value over the three pairs:
        assert row["p_value"] == pytest.approx(_range_sf(math.sqrt(2) * z, 3), rel=1e-6) and row["tested_is_change"] is True
    assert comparison.disparities.loc["demographic_parity_difference", "change"] == pytest.approx(-0.3, abs=1e-12)


def test_a_change_between_audits_whose_groups_all_tie_is_untested_and_says_why():
    before, after = (
        _exact({"a": (400, 160), "b": (300, 120), "c": (200, 80)}),
        _exact({"a": (400, 200), "b": (300, 150), "c": (200, 100)}),
    )
    comparison = compare_audits(_document(before), _document(after))
    row = comparison.disparities.loc["demographic_parity_difference"]
    assert row["change"] == 0 and math.isnan(row["p_value"]) and row["beyond_chance"] is None  # was p = 1: "not beyond chance"
    assert row["why_untested"] == Untested("no_difference", rates=("selection_rate",))
    assert (
        comparison_table(comparison)
        .loc["demographic parity difference", "pair tested"]
        .startswith("untested: no two groups differ")
    )
    found = comparison_json(comparison)["disparities"]["demographic_parity_difference"]
    assert found["p_value"] is None and found["tested"] is None and "no two groups differ" in found["why_untested"]


def test_a_change_tested_between_groups_other_than_the_disparitys_own_is_labelled_with_them_beside_its_interval(tmp_path, capsys):
    """Before, a and c are the extremes (0.6, 0.3); after, b and c (0.6, 0.3): the disparity did not change, but the gap
    between b and a went from -0.2 to +0.15 (+0.35), the largest |z| of the three pairs. The interval is of that gap's
    change; the table puts the pair and that change beside it (issue 32: a change of -0.236 stood beside an interval of
    another change)."""
    before, after = (
        _exact({"a": (400, 240), "b": (300, 120), "c": (200, 60)}),
        _exact({"a": (400, 180), "b": (300, 180), "c": (200, 60)}),
    )
    documents = (_document(before), _document(after))
    comparison = compare_audits(*documents)
    row = comparison.disparities.loc["demographic_parity_difference"]
    by_pair = {pair: _by_hand(before, after, *pair) for pair in (("b", "a"), ("b", "c"), ("a", "c"))}
    assert max(by_pair, key=lambda pair: -by_pair[pair]["gap_p"]) == ("b", "a")
    expected = by_pair[("b", "a")]
    assert row["change"] == pytest.approx(0, abs=1e-12) and (row["high"], row["low"]) == ("b", "a")
    assert row["tested_change"] == pytest.approx(expected["gap"], abs=1e-12) == pytest.approx(0.35, abs=1e-12)
    z = norm.isf(expected["gap_p"] / 2)
    assert row["p_value"] == pytest.approx(_range_sf(math.sqrt(2) * z, 3), rel=1e-3) and row["tested_is_change"] is False
    assert row["lower"] < row["tested_change"] < row["upper"] and row["lower"] > 0
    table = comparison_table(comparison).loc["demographic parity difference"]
    assert (table["change"], table["pair tested"], table["its change"]) == ("+0.000", "selection rate 'b' - 'a'", "+0.350")
    assert table["its interval (simultaneous 95%)"] == f"{row['lower']:+.3f} to {row['upper']:+.3f}"
    assert comparison_table(comparison).loc["demographic parity ratio", "pair tested"] == "selection rate 'a' / 'b'"
    assert comparison_table(comparison).loc["demographic parity ratio", "its change"] == "-0.750"  # 0.45/0.6 - 0.6/0.4
    tested = comparison_json(comparison)["disparities"]["demographic_parity_difference"]["tested"]
    assert tested == {
        "rate": "selection_rate",
        "high": "b",
        "low": "a",
        "change": pytest.approx(0.35, abs=1e-12),
        "is_change": False,
        "groups": 3,
    }
    for name, document in zip(("before", "after"), documents):
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    assert main(["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json")]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("demographic parity difference")]
    assert re.search(r"\+0\.000\s+selection rate 'b' - 'a'\s+\+0\.350\s+\+0\.\d{3} to \+0\.\d{3}", line), line


def test_a_400_digit_integer_in_an_audit_is_bad_input_not_a_crash(tmp_path, capsys):
    """Valid JSON, but no number an audit writes: in the tolerance, the thresholds or a count it raised OverflowError
    (exit 3, a traceback); it is a file that is not an audit's JSON (exit 2, one line)."""
    document = _document(_rows(12))
    (tmp_path / "before.json").write_text(json.dumps(document))
    huge = "1" + "0" * 400
    placeholder = 12345678901234567
    cases = {"tolerance": (("settings", "tolerance"),), "thresholds": (("thresholds",),), "a count": (("groups", "a", "tp"),)}
    for name, (path,) in cases.items():
        changed = json.loads(json.dumps(document))
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = placeholder
        (tmp_path / "after.json").write_text(json.dumps(changed).replace(str(placeholder), huge))
        assert main(["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json")]) == 2, name
        error = capsys.readouterr().err
        assert error.startswith("fairdash: error:") and "not an audit's JSON" in error and error.count("\n") == 1, (name, error)


def test_audits_counted_in_memory_and_by_an_engine_compare_though_one_writes_the_label_as_text(tmp_path, monkeypatch):
    """An engine's audit writes positive_label "1", the in-memory audit 1: the same outcome (they were refused as of
    another question). Two texts must still be equal: "01" is not "1"."""
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    rows = _rows(13)
    rows.to_csv(tmp_path / "d.csv", index=False)
    base = [
        "audit",
        "--data",
        str(tmp_path / "d.csv"),
        "--target",
        "y",
        "--positive-label",
        "1",
        "--sensitive",
        "g",
        "--score",
        "s",
        "--threshold",
        "0.5",
        "--no-explain",
        "--json",
    ]
    assert main(base + [str(tmp_path / "memory.json")]) == 0
    assert main(base + [str(tmp_path / "duckdb.json"), "--engine", "duckdb"]) == 0
    labels = [json.loads((tmp_path / f"{name}.json").read_text())["settings"]["positive_label"] for name in ("memory", "duckdb")]
    assert labels == [1, "1"]
    assert main(["compare", str(tmp_path / "memory.json"), str(tmp_path / "duckdb.json")]) == 0
    document = _document(rows)
    for same in (1, 1.0, "1", "1.0"):
        compare_audits(document, {**document, "settings": {**document["settings"], "positive_label": same}})
    texts = [{**document, "settings": {**document["settings"], "positive_label": label}} for label in ("01", "1")]
    with pytest.raises(ValueError, match="differ in positive label"):
        compare_audits(*texts)
