"""The settings that decide verdicts as one value end to end (the JSON, the store, ``audits show``, the dashboard
reopening a saved audit), whether a finding's interval supports its verdict (``conclusive``, against Clopper-Pearson
bounds computed here with scipy), ``--fail-on-inconclusive``, and the sentence against the reference group."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta
from streamlit.testing.v1 import AppTest

from fairdash.engine.compare import check_audit_document
from fairdash.engine.findings import disparity_findings
from fairdash.engine.metrics import conclusive, table_from_counts
from fairdash.engine.result import AuditSettings, judge
from fairdash.engine.spec import AuditSpec
from fairdash.engine.warnings import AuditWarning
from fairdash.cli import main
from fairdash.present.report import audit_json
from fairdash.present.sentences import finding_sentence, warning_text
from fairdash.present.text import verdict_text
from fairdash.run import run_audit
from fairdash.store.db import AuditStore
from fairdash.store.saving import audit_record, saved_audit_json

ROOT = Path(__file__).resolve().parents[1]


def _scores_table(sizes: dict[str, int], selected: dict[str, float], seed: int = 0) -> pd.DataFrame:
    """Rows of groups of ``sizes``; a share ``selected`` of each group scores 0.9 (selected at 0.5), the rest 0.1."""
    rng = np.random.default_rng(seed)
    frames = []
    for group, size in sizes.items():
        chosen = np.zeros(size, dtype=bool)
        chosen[: round(selected[group] * size)] = True
        frames.append(pd.DataFrame({"g": group, "s": np.where(chosen, 0.9, 0.1), "y": rng.integers(0, 2, size)}))
    return pd.concat(frames, ignore_index=True)


# 1. Every setting, saved and reopened.


def test_every_setting_comes_back_from_a_saved_audit(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    data = tmp_path / "people.csv"
    _scores_table({"a": 400, "b": 300, "c": 40}, {"a": 0.5, "b": 0.45, "c": 0.3}).to_csv(data, index=False)
    out = tmp_path / "audit.json"
    code = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--sensitive",
            "g",
            "--score",
            "s",
            "--threshold",
            "0.5",
            "--min-group-size",
            "50",
            "--tolerance",
            "0.07",
            "--save",
            "--keep-files",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    audit_id = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    document = json.loads(out.read_text())
    settings = document["settings"]
    assert (settings["min_group_size"], settings["tolerance"]) == (50, 0.07)
    assert settings["groups_left_out_of_disparities"] == ["c"]  # 40 rows: judged at 30, left out at 50
    assert document["findings"]["demographic_parity_difference"]["rule"] == "<= 0.07"
    assert any("fewer than 50 rows" in warning for warning in document["data"]["warnings"])

    assert main(["audits", "show", audit_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["min_group_size"] == 50 and shown["settings"]["tolerance"] == 0.07

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["audit"] = audit_id
    at.run()
    at.switch_page("pages/fairness.py").run()
    assert not at.exception and not at.error, [*at.exception, *at.error]
    assert at.session_state["min_group_size"] == 50 and at.session_state["tolerance"] == 0.07
    assert at.number_input(key="min_group_size").value == 50
    at.switch_page("pages/report.py").run()
    assert not at.exception
    reopened = json.loads(at.get("json")[0].proto.body)
    assert reopened["settings"]["min_group_size"] == 50 and reopened["settings"]["tolerance"] == 0.07
    assert reopened["settings"]["groups_left_out_of_disparities"] == ["c"]
    assert reopened["findings"] == document["findings"]


def test_an_older_saved_audit_gets_its_small_group_minimum_from_the_saved_settings(tmp_path):
    table = _scores_table({"a": 200, "b": 200, "c": 40}, {"a": 0.5, "b": 0.4, "c": 0.3})
    audit = run_audit(
        table,
        AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"),
        thresholds=0.5,
        min_group_size=50,
        with_rules=False,
    )
    record = audit_record(audit, title="old", source={"kind": "file"}, data_sha256=None, model_sha256=None)
    old = json.loads(record.audit_json)
    del old["settings"]["min_group_size"]
    for finding in old["findings"].values():
        del finding["conclusive"]
    check_audit_document(old)  # an older audit's JSON stays readable
    store = AuditStore(tmp_path)
    audit_id = store.save(type(record)(**{**record.__dict__, "audit_json": json.dumps(old)}))
    assert json.loads(saved_audit_json(store, audit_id))["settings"]["min_group_size"] == 50
    with pytest.raises(ValueError, match="small-group minimum"):
        check_audit_document({**old, "settings": {**old["settings"], "min_group_size": -1}})


def test_the_small_group_warning_follows_the_setting():
    table = _scores_table({"a": 200, "b": 200, "c": 40}, {"a": 0.5, "b": 0.4, "c": 0.3})
    spec = AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s")
    for minimum, expected in ((30, None), (50, "fewer than 50 rows"), (0, None)):
        audit = run_audit(table, spec, thresholds=0.5, min_group_size=minimum, with_rules=False)
        small = [warning for warning in map(warning_text, audit.warnings) if "too few to judge" in warning]
        assert (small[0] if small else None) is None if expected is None else expected in small[0]
        # The audit holds facts; the JSON says them in the words the command line prints.
        assert all(isinstance(warning, AuditWarning) for warning in audit.warnings)
        assert audit_json(audit)["data"]["warnings"] == small
        assert audit.summary.groups["too_small"].to_dict() == {"a": False, "b": False, "c": 40 < minimum}


# 2. Whether the interval supports the verdict.


def _exact(successes: np.ndarray, trials: np.ndarray, error: float) -> tuple[np.ndarray, np.ndarray]:
    lower = np.where(successes > 0, beta.ppf(error, successes, trials - successes + 1), 0.0)
    upper = np.where(successes < trials, beta.ppf(1 - error, successes + 1, trials - successes), 1.0)
    return lower, upper


def _selection_bounds(selected: list[int], sizes: list[int]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The 95% interval of the selection-rate difference and ratio, by hand: Clopper-Pearson bounds of each group with
    the error split as fairdash.engine.intervals documents it (one rate: the narrow end 0.025 / 2, the wide end 0.025 / (2 x groups))."""
    successes, trials = np.array(selected), np.array(sizes)
    narrow_low, narrow_high = _exact(successes, trials, 0.025 / 2)
    wide_low, wide_high = _exact(successes, trials, 0.025 / (2 * len(sizes)))
    difference = (max(0.0, wide_low.max() - wide_high.min()), narrow_high.max() - narrow_low.min())
    ratio = (narrow_low.min() / narrow_high.max(), min(1.0, wide_high.min() / wide_low.max()))
    return difference, ratio


@pytest.mark.parametrize(
    ("selected", "sizes", "expected"),
    [
        ([600, 200], [1000, 1000], {"difference": (False, True), "ratio": (False, True)}),  # far apart: fail, and sure of it
        ([5000, 4950], [10000, 10000], {"difference": (True, True), "ratio": (True, True)}),  # close, many rows: pass, and sure
        ([24, 20], [50, 50], {"difference": (True, False), "ratio": (True, False)}),  # close, few rows: pass, not sure
        ([30, 18], [50, 50], {"difference": (False, False), "ratio": (False, False)}),  # apart, few rows: fail, not sure
    ],
)
def test_conclusive_says_whether_the_interval_lies_on_one_side_of_the_bar(selected, sizes, expected):
    counts = np.array([[s, 0, n - s, 0] for s, n in zip(selected, sizes)])  # every row positive: tpr is the selection rate
    result = judge(counts, ["a", "b"], AuditSettings(tolerance=0.1))
    (d_low, d_high), (r_low, r_high) = _selection_bounds(selected, sizes)
    bounds = result.intervals.disparities
    assert bounds.loc["demographic_parity_difference"].tolist() == pytest.approx([d_low, d_high], abs=1e-12)
    assert bounds.loc["demographic_parity_ratio"].tolist() == pytest.approx([r_low, r_high], abs=1e-12)
    by_hand = {"difference": (d_high <= 0.1 or d_low > 0.1), "ratio": (r_low >= 0.8 or r_high < 0.8)}
    for kind, name in (("difference", "demographic_parity_difference"), ("ratio", "demographic_parity_ratio")):
        finding = result.findings.loc[name]
        assert (finding["passed"], finding["conclusive"]) == expected[kind], name
        assert finding["conclusive"] == by_hand[kind], name
    assert result.findings.loc["equal_opportunity_ratio", "conclusive"] is None  # no rule, no verdict


def test_conclusive_at_the_bar_and_without_a_verdict():
    at_most, at_least = {"at_most": 0.1}, {"at_least": 0.8}
    assert conclusive(0.05, 0.0, 0.1, at_most) is True  # the bar itself passes
    assert conclusive(0.05, 0.0, 0.1 + 1e-6, at_most) is False
    assert conclusive(0.3, 0.1 + 1e-6, 0.5, at_most) is True
    assert conclusive(0.85, 0.8, 0.9, at_least) is True and conclusive(0.85, 0.8 - 1e-9, 0.9, at_least) is False
    assert conclusive(0.5, 0.3, 0.8 - 1e-9, at_least) is True
    assert conclusive(float("nan"), float("nan"), float("nan"), at_most) is None and conclusive(0.5, 0.4, 0.6, None) is None
    assert conclusive(0.05, float("nan"), float("nan"), at_most) is False  # a verdict without an interval is not shown conclusive
    table = table_from_counts(np.array([[24, 0, 26, 0], [20, 0, 30, 0]]), ["a", "b"])
    assert disparity_findings(table)["conclusive"].isna().all()  # without bounds nothing is claimed


def test_inconclusive_is_said_in_the_words_the_json_the_report_and_the_printed_table(tmp_path, capsys):
    data = tmp_path / "few.csv"
    _scores_table({"a": 50, "b": 50}, {"a": 0.6, "b": 0.36}).to_csv(data, index=False)
    arguments = ["audit", "--data", str(data), "--target", "y", "--sensitive", "g", "--score", "s", "--threshold", "0.5"]
    assert main([*arguments, "--json", str(tmp_path / "a.json"), "--report", str(tmp_path / "a.html")]) == 0
    printed = capsys.readouterr().out
    finding = json.loads((tmp_path / "a.json").read_text())["findings"]["demographic_parity_ratio"]
    assert (finding["passed"], finding["conclusive"]) == (False, False)
    assert verdict_text(finding) == "fail (inconclusive: the interval crosses 0.8)"
    line = next(line for line in printed.splitlines() if line.startswith("demographic_parity_ratio"))
    assert "FAIL" in line and "inconclusive: the interval crosses 0.8" in line
    assert "inconclusive: the interval crosses 0.8" in (tmp_path / "a.html").read_text()


def test_fail_on_inconclusive_holds_on_an_inconclusive_headline_finding(tmp_path, capsys):
    few, many = tmp_path / "few.csv", tmp_path / "many.csv"
    _scores_table({"a": 50, "b": 50}, {"a": 0.6, "b": 0.36}).to_csv(few, index=False)
    _scores_table({"a": 20000, "b": 20000}, {"a": 0.5, "b": 0.5}, seed=1).to_csv(many, index=False)

    def run(path: Path, *extra: str) -> int:
        return main(
            ["audit", "--data", str(path), "--target", "y", "--sensitive", "g", "--score", "s", "--threshold", "0.5", *extra]
        )

    assert run(few) == 0  # the gate keeps its meaning: nothing asked, nothing holds
    capsys.readouterr()
    assert run(few, "--fail-on-inconclusive") == 1
    stderr = capsys.readouterr().err
    assert "FAILED: demographic_parity_ratio" in stderr and "inconclusive: the interval crosses 0.8" in stderr
    assert run(many, "--fail-on-inconclusive") == 0, capsys.readouterr().err


# 3. The sentence against the reference group.


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("a", None),  # the highest: the sentence before names it
        (
            "c",
            " Against the reference c, every other group is selected at least as often; the highest is a at 6.00 times its rate.",
        ),
        ("b", " Against the reference b, the lowest is c at 0.33 times its rate."),
    ],
)
def test_the_sentence_against_the_reference_says_what_the_numbers_say(reference, expected):
    counts = np.array([[60, 0, 40, 0], [30, 0, 70, 0], [10, 0, 90, 0]])  # selection rates 0.6, 0.3, 0.1
    findings = disparity_findings(table_from_counts(counts, ["a", "b", "c"]), reference=reference)
    sentence = finding_sentence("demographic_parity_ratio", findings.loc["demographic_parity_ratio"])
    assert sentence.startswith("c is selected at 0.17 times the rate of a (10.0% against 60.0%).")
    assert ("Against the reference" not in sentence) if expected is None else sentence.endswith(expected)
