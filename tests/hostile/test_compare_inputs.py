"""Compare and the gate given awkward audits (the reviews of the merged issues 18-20; each failed before its fix):
a change that cannot be tested is written as null, a JSON that is not an audit's (or holds NaN) is bad input,
and an infinite change or disparity fails a gate closed."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def test_compare_writes_its_json_when_a_change_cannot_be_tested(tmp_path):
    from fairdash.cli import main

    rng = np.random.default_rng(2)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 600), "y": rng.integers(0, 2, 600), "s": rng.random(600).round(3)})
    table.to_csv(tmp_path / "t.csv", index=False)
    for name, threshold in (("before", "0.5"), ("after", "0.999")):  # at 0.999 nobody is selected: precision undefined
        assert main(
            [
                "audit",
                "--data",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--sensitive",
                "g",
                "--score",
                "s",
                "--threshold",
                threshold,
                "--json",
                str(tmp_path / f"{name}.json"),
            ]
        ) in (0, 1)
    code = main(["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json"), "--json", str(tmp_path / "c.json")])
    assert code == 0  # exited 3: NaN in the JSON
    document = json.loads((tmp_path / "c.json").read_text())
    assert document["disparities"]["predictive_parity_difference"]["change"] is None


def _set(path: tuple, value) -> callable:
    """A change to an audit's JSON: the value at ``path`` (keys from the top) replaced."""

    def change(document: dict) -> dict:
        place = document
        for key in path[:-1]:
            place = place[key]
        place[path[-1]] = value
        return document

    return change


NOT_AUDITS = {  # the exit code each had before (after, before): 3 an internal error with a traceback; 0 compared as if an audit
    "a top-level list": lambda document: [document],  # 2 (the only two refused)
    "null": lambda document: None,  # 2
    "a rate that is text": _set(("groups", "a", "tpr"), "x"),  # 3
    "a count that is text": _set(("groups", "a", "tp"), "7"),  # 0
    "a negative count": _set(("groups", "a", "count"), -5),  # 0
    "a rate above 1": _set(("groups", "a", "selection_rate"), 7.5),  # 3 as the after audit, 0 as the before
    "a group that is null": _set(("groups", "a"), None),  # 3
    "groups that are a list": _set(("groups",), [1, 2]),  # 2
    "settings that are null": _set(("settings",), None),  # 3
    "settings that are a list": _set(("settings",), []),  # 3
    "groups left out that are a number": _set(("settings", "groups_left_out_of_disparities"), 5),  # 3
    "a tolerance that is an object": _set(("settings", "tolerance"), {"x": 1}),  # 0
    "disparities that are a list": _set(("disparities",), []),  # 3
    "a disparity that is text": _set(("disparities", "demographic_parity_difference"), "big"),  # 0, shown as undefined
    "intervals that are text": _set(("intervals",), "x"),  # 3
    "a group's intervals that are text": _set(("intervals", "a"), "x"),  # 3
    "an interval of one bound": _set(("intervals", "a", "tpr"), [0.1]),  # 3
    "an interval that is a number": _set(("intervals", "a", "tpr"), 0.5),  # 3
    "thresholds of text": _set(("thresholds",), {"a": "x"}),  # 0
    "thresholds that are a list": _set(("thresholds",), [0.5, [0.5]]),  # 0
    "created that is an object": _set(("created",), {"at": 1}),  # 0
}


def _counts(value: float) -> callable:
    def change(document: dict) -> dict:
        for row in document["groups"].values():
            row.update({column: value for column in ("count", "tp", "fp", "tn", "fn")})
        return document

    return change


def _one_more_tp(document: dict) -> dict:
    document["groups"]["a"]["tp"] += 1
    return document


NOT_AUDITS.update(
    {  # numbers no audit can hold (a review of issue 20): each compared before (exit 0)
        "a ratio below 0": _set(("disparities", "demographic_parity_ratio"), -5),
        "a ratio above 1": _set(("disparities", "equal_opportunity_ratio"), 1.5),
        "a difference below 0": _set(("disparities", "demographic_parity_difference"), -1.7e308),
        "a difference above 1": _set(("disparities", "equalized_odds_difference"), 2.0),
        "a count of a half": _set(("groups", "a", "tp"), 0.5),
        "a tp above the group's count": _set(("groups", "a", "tp"), 1e9),
        "counts of 1e308": _counts(1e308),  # their variances overflowed to 0: every change untested, silently
        "counts that do not add up": _one_more_tp,
        "a rate that is a share of no rows": _counts(0),  # every rate given where an audit writes null
    }
)


@pytest.fixture(scope="module")
def an_audit(tmp_path_factory) -> tuple[Path, dict]:
    from fairdash.cli import main

    folder = tmp_path_factory.mktemp("audit")
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "y": rng.integers(0, 2, 400), "s": rng.random(400).round(3)})
    table.to_csv(folder / "t.csv", index=False)
    assert main(
        [
            "audit",
            "--data",
            str(folder / "t.csv"),
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
            str(folder / "audit.json"),
        ]
    ) in (0, 1)
    return folder / "audit.json", json.loads((folder / "audit.json").read_text())


def _one_error_line(text: str) -> bool:
    return (
        text.startswith("fairdash: error: ")
        and text.count("\n") == 1
        and "Traceback" not in text
        and "internal error" not in text
    )


@pytest.mark.parametrize("what", list(NOT_AUDITS))
def test_compare_refuses_a_json_that_is_not_an_audits_as_bad_input(what, an_audit, tmp_path, capsys):
    from fairdash.cli import main

    good, document = an_audit
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(NOT_AUDITS[what](copy.deepcopy(document))))
    for pair in ((str(good), str(hostile)), (str(hostile), str(good))):
        assert main(["compare", *pair]) == 2
        error = capsys.readouterr().err
        assert _one_error_line(error) and "hostile.json" in error and "not an audit's JSON" in error, error


def test_compare_refuses_nan_which_python_reads_and_json_has_not(an_audit, tmp_path, capsys):
    from fairdash.cli import main

    good, document = an_audit
    hostile = tmp_path / "nan.json"  # was exit 3: the comparison's JSON could not be written, NaN is not JSON
    hostile.write_text(json.dumps({**document, "created": float("nan")}))
    assert main(["compare", str(good), str(hostile), "--json", str(tmp_path / "c.json")]) == 2
    assert _one_error_line(capsys.readouterr().err) and not (tmp_path / "c.json").exists()


def test_a_stored_audit_whose_json_is_not_an_audits_is_bad_input(an_audit, tmp_path, capsys, monkeypatch):
    from fairdash.cli import main

    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    good, document = an_audit
    table = good.parent / "t.csv"
    assert main(
        [
            "audit",
            "--data",
            str(table),
            "--target",
            "y",
            "--sensitive",
            "g",
            "--score",
            "s",
            "--threshold",
            "0.5",
            "--no-explain",
            "--save",
        ]
    ) in (0, 1)
    saved_id = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    with sqlite3.connect(tmp_path / "home" / "audits.sqlite") as connection:  # an edited store: was exit 3
        connection.execute(
            "UPDATE audits SET audit_json = ? WHERE id = ?", (json.dumps({**document, "intervals": "x"}), saved_id)
        )
    assert main(["compare", str(good), saved_id]) == 2
    error = capsys.readouterr().err
    assert _one_error_line(error) and saved_id in error


def test_compare_of_a_list_as_a_process_exits_2_with_one_line(an_audit, tmp_path):
    good, _ = an_audit
    (tmp_path / "list.json").write_text("[1, 2]")
    done = subprocess.run(
        [sys.executable, "-m", "fairdash", "compare", str(good), str(tmp_path / "list.json")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2 and _one_error_line(done.stderr), done.stderr


def test_an_infinite_change_fails_a_gate_closed_as_an_undefined_one(an_audit, tmp_path, capsys, monkeypatch):
    """Audits whose disparities change by an infinite amount are refused now; the gate fails closed on such a change all
    the same (it passed 'change<0.05' with the change written as null in the JSON, exit 0). The documents' check is
    bypassed to reach the gate."""
    from fairdash.engine import compare
    from fairdash.cli import main

    _, document = an_audit
    paths = [tmp_path / "before.json", tmp_path / "after.json"]
    for path, value in zip(paths, (-1.7e308, 1.7e308)):
        path.write_text(
            json.dumps({**document, "disparities": {**document["disparities"], "demographic_parity_difference": value}})
        )
    with monkeypatch.context() as patched:
        patched.setattr(compare, "check_audit_document", lambda document, *, name="": None)
        assert main(["compare", *map(str, paths), "--fail-on", "demographic_parity_difference_change<0.05"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(
        "FAILED: demographic_parity_difference_change<0.05: demographic_parity_difference_change is undefined (it is +inf"
    ), error
    assert main(["compare", *map(str, paths)]) == 2
    assert _one_error_line(capsys.readouterr().err)


def test_the_audits_own_gate_fails_closed_on_an_infinite_disparity_by_the_same_rule():
    from fairdash.cli.common import gate

    failed = gate({"demographic_parity_ratio": float("inf")}, [("demographic_parity_ratio", "<", 0.8)], pd.DataFrame())
    assert failed == [
        "FAILED: demographic_parity_ratio<0.8: demographic_parity_ratio is undefined (it is +inf, not a finite "
        "number), so the condition cannot be shown not to hold"
    ]
