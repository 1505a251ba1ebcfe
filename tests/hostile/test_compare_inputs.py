"""What the reviews of the merged issues 18-20 found (each failed before its fix): counterfactuals on nullable columns,
the nearest real row past missing numbers, duplicate counterfactuals, a recourse gate decided by one row, the store's
sweep of folders it did not make, compare on an undefined change, and compare given a JSON that is not an audit's."""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fairdash.explain.counterfactuals import find_counterfactuals, nearest_real_row, search_space
from fairdash.explain.recourse import recourse_by_group
from fairdash.intake.models import ScoreModel


def _fitted(X: pd.DataFrame, y: pd.Series) -> ScoreModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ScoreModel.wrap(LogisticRegression().fit(X.astype(float), y))


def test_counterfactuals_of_a_nullable_integer_column_keep_its_type():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": pd.array(rng.integers(18, 80, 500), dtype="Int64"), "g": rng.integers(0, 2, 500)})
    model = _fitted(X, (X["age"].astype(int) > 45).astype(int))
    scores = model.scores(X, positive_label=1, features=("age", "g"))
    row = int(np.flatnonzero(scores < 0.5)[0])
    found = find_counterfactuals(model, X, row, threshold=0.5, positive_label=1, space=search_space(X, immutable=["g"]))
    assert found.found and all(set(cf.changes) == {"age"} and cf.score >= 0.5 for cf in found.found)  # raised TypeError
    assert all(float(cf.changes["age"][1]).is_integer() for cf in found.found)


def test_the_nearest_real_row_is_the_nearest_of_those_with_a_defined_distance():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    model = _fitted(X, (X["a"] + X["b"] > 0).astype(int))
    X.loc[:50, "b"] = np.nan  # a missing number: its distance to anything is undefined
    scores = model.scores(X.fillna(0), positive_label=1, features=("a", "b"))
    space = search_space(X)
    position = 100 if scores[100] < 0.5 else int(np.flatnonzero(scores[51:] < 0.5)[0]) + 51
    nearest = nearest_real_row(X, position, selected=scores >= 0.5, scores=scores, space=space)
    others = np.flatnonzero(scores >= 0.5)
    distances = (np.abs(X.iloc[others] - X.iloc[position]) / space_scales(X)).sum(axis=1, skipna=False)
    assert nearest is not None and np.isfinite(nearest.distance)  # was the first NaN row, "distance nan"
    assert nearest.distance == min(distances.dropna())


def space_scales(X: pd.DataFrame) -> pd.Series:
    """DiCE's scale: each numeric column's median absolute deviation (the oracle of the distance)."""
    return (X - X.median()).abs().median()


def test_the_counterfactuals_of_a_row_are_never_the_same_change_twice():
    from fairdash.intake.demo import load_demo

    demo = load_demo("adult")
    X = demo.data[list(demo.spec.features)]
    scores = demo.model.scores(X, positive_label=">50K", features=demo.spec.features)
    space = search_space(X, immutable=list(demo.spec.sensitive))
    for row in np.flatnonzero(scores < 0.5)[:25]:
        found = find_counterfactuals(demo.model, X, int(row), threshold=0.5, positive_label=">50K", space=space)
        changes = [json.dumps(cf.changes, sort_keys=True, default=str) for cf in found.found]
        assert len(changes) == len(set(changes)), (row, changes)


def test_a_group_with_few_counterfactuals_found_is_left_out_of_the_recourse_gap():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.integers(0, 3, 2000).astype(float),
                      "g": rng.choice([0.0, 1.0], 2000, p=[0.97, 0.03])})
    model = _fitted(X, (X["a"] + rng.normal(size=2000) > 0.5).astype(int))
    scores = model.scores(X, positive_label=1, features=tuple(X.columns))
    groups = pd.Series(np.where(X["g"] == 1, "B", "A"), index=X.index)
    result = recourse_by_group(model, X, scores=scores, thresholds=0.5, groups=groups, space=search_space(X, immutable=["g", "a"]),
                               positive_label=1, min_group_size=30)
    found = result.groups["found"]
    assert found["B"] < 30  # B's few rows with a counterfactual cannot make a burden to compare
    assert np.isnan(result.disparities["recourse_burden_ratio"])  # undefined (a gate on it fails closed), not a pass


def test_the_store_sweeps_only_folders_it_made(tmp_path):
    from fairdash.store.db import AuditStore

    files = tmp_path / "files"
    (files / "my-notes").mkdir(parents=True)
    (files / "my-notes" / "thesis.txt").write_text("precious")
    (files / "readme.txt").write_text("also precious")
    made = files / ("A" * 24)  # what a save killed before its row would leave
    made.mkdir()
    hour_ago = time.time() - 3600
    for path in (files / "my-notes", files / "readme.txt", made):
        os.utime(path, (hour_ago, hour_ago))
    store = AuditStore(tmp_path)
    store.check()
    assert store.sweep() == [made.name]
    assert (files / "my-notes" / "thesis.txt").read_text() == "precious" and (files / "readme.txt").exists()


def test_compare_writes_its_json_when_a_change_cannot_be_tested(tmp_path):
    from fairdash.cli import main

    rng = np.random.default_rng(2)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 600), "y": rng.integers(0, 2, 600), "s": rng.random(600).round(3)})
    table.to_csv(tmp_path / "t.csv", index=False)
    for name, threshold in (("before", "0.5"), ("after", "0.999")):  # at 0.999 nobody is selected: precision undefined
        assert main(["audit", "--data", str(tmp_path / "t.csv"), "--target", "y", "--sensitive", "g", "--score", "s",
                     "--threshold", threshold, "--json", str(tmp_path / f"{name}.json")]) in (0, 1)
    code = main(["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json"), "--json", str(tmp_path / "c.json")])
    assert code == 0  # exited 3: NaN in the JSON
    document = json.loads((tmp_path / "c.json").read_text())
    assert document["disparities"]["predictive_parity_difference"]["change"] is None


def test_a_title_with_an_escape_sequence_prints_as_text(tmp_path, capsys, monkeypatch):
    from fairdash.cli import main

    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    table = pd.DataFrame({"g": ["a", "b"] * 50, "y": [0, 1] * 50, "s": np.linspace(0, 1, 100)})
    table.to_csv(tmp_path / "t.csv", index=False)
    title = "evil\x1b]0;pwned\x07\x1b[2J"
    assert main(["audit", "--data", str(tmp_path / "t.csv"), "--target", "y", "--sensitive", "g", "--score", "s", "--save",
                 "--title", title]) == 0
    capsys.readouterr()
    assert main(["audits", "list"]) == 0
    listed = capsys.readouterr().out
    assert "evil" in listed and "pwned" in listed and not any(ord(character) < 32 and character not in "\t\n" for character in listed)


def test_band_edges_reopen_with_every_digit():
    from fairdash.audit.spec import parse_bins

    edges = (0.1 + 0.2, 1234561.0, 1234564.0)
    assert parse_bins(", ".join(f"{edge:.17g}" for edge in edges), "income") == edges  # saved.py writes them so


def test_the_command_to_paste_keeps_every_digit_of_the_bands(tmp_path):
    """``:g`` wrote 1234567 as 1.23457e+06: the pasted command audited other bands than the page showed."""
    import subprocess

    from fairdash.audit.spec import AuditSpec
    from fairdash.cli import audit_command
    from fairdash.cli.common import bins_option

    edges = (0.1, 1234567.0, 98765432.123)
    spec = AuditSpec(target="y", positive_label=1, sensitive=("income",), score="s", bins=(("income", edges),))
    command = audit_command(spec, model_file=None, thresholds=0.5)
    printed = subprocess.run(["bash", "-c", command.replace("python -m fairdash", "printf '%s\\n'", 1)],
                             cwd=tmp_path, capture_output=True, text=True, check=True).stdout.splitlines()
    assert bins_option([printed[printed.index("--bins") + 1]]) == (("income", edges),)


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


NOT_AUDITS.update({  # numbers no audit can hold (a review of issue 20): each compared before (exit 0)
    "a ratio below 0": _set(("disparities", "demographic_parity_ratio"), -5),
    "a ratio above 1": _set(("disparities", "equal_opportunity_ratio"), 1.5),
    "a difference below 0": _set(("disparities", "demographic_parity_difference"), -1.7e308),
    "a difference above 1": _set(("disparities", "equalized_odds_difference"), 2.0),
    "a count of a half": _set(("groups", "a", "tp"), 0.5),
    "a tp above the group's count": _set(("groups", "a", "tp"), 1e9),
    "counts of 1e308": _counts(1e308),  # their variances overflowed to 0: every change untested, silently
    "counts that do not add up": _one_more_tp,
    "a rate that is a share of no rows": _counts(0),  # every rate given where an audit writes null
})


@pytest.fixture(scope="module")
def an_audit(tmp_path_factory) -> tuple[Path, dict]:
    from fairdash.cli import main

    folder = tmp_path_factory.mktemp("audit")
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "y": rng.integers(0, 2, 400), "s": rng.random(400).round(3)})
    table.to_csv(folder / "t.csv", index=False)
    assert main(["audit", "--data", str(folder / "t.csv"), "--target", "y", "--sensitive", "g", "--score", "s",
                 "--threshold", "0.5", "--no-explain", "--json", str(folder / "audit.json")]) in (0, 1)
    return folder / "audit.json", json.loads((folder / "audit.json").read_text())


def _one_error_line(text: str) -> bool:
    return text.startswith("fairdash: error: ") and text.count("\n") == 1 and "Traceback" not in text and "internal error" not in text


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
    assert main(["audit", "--data", str(table), "--target", "y", "--sensitive", "g", "--score", "s", "--threshold", "0.5",
                 "--no-explain", "--save"]) in (0, 1)
    saved_id = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    with sqlite3.connect(tmp_path / "home" / "audits.sqlite") as connection:  # an edited store: was exit 3
        connection.execute("UPDATE audits SET audit_json = ? WHERE id = ?", (json.dumps({**document, "intervals": "x"}), saved_id))
    assert main(["compare", str(good), saved_id]) == 2
    error = capsys.readouterr().err
    assert _one_error_line(error) and saved_id in error


def test_compare_of_a_list_as_a_process_exits_2_with_one_line(an_audit, tmp_path):
    good, _ = an_audit
    (tmp_path / "list.json").write_text("[1, 2]")
    done = subprocess.run([sys.executable, "-m", "fairdash", "compare", str(good), str(tmp_path / "list.json")],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 2 and _one_error_line(done.stderr), done.stderr


def test_an_infinite_change_fails_a_gate_closed_as_an_undefined_one(an_audit, tmp_path, capsys, monkeypatch):
    """Audits whose disparities change by an infinite amount are refused now; the gate fails closed on such a change all
    the same (it passed 'change<0.05' with the change written as null in the JSON, exit 0). The documents' check is
    bypassed to reach the gate."""
    from fairdash.cli import main
    from fairdash.store import compare

    _, document = an_audit
    paths = [tmp_path / "before.json", tmp_path / "after.json"]
    for path, value in zip(paths, (-1.7e308, 1.7e308)):
        path.write_text(json.dumps({**document, "disparities": {**document["disparities"], "demographic_parity_difference": value}}))
    with monkeypatch.context() as patched:
        patched.setattr(compare, "check_audit_document", lambda document, *, name="": None)
        assert main(["compare", *map(str, paths), "--fail-on", "demographic_parity_difference_change<0.05"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("FAILED: demographic_parity_difference_change<0.05: "
                                                        "demographic_parity_difference_change is undefined (it is +inf"), error
    assert main(["compare", *map(str, paths)]) == 2
    assert _one_error_line(capsys.readouterr().err)


def test_the_audits_own_gate_fails_closed_on_an_infinite_disparity_by_the_same_rule():
    from fairdash.cli.common import gate

    failed = gate({"demographic_parity_ratio": float("inf")}, [("demographic_parity_ratio", "<", 0.8)], pd.DataFrame())
    assert failed == ["FAILED: demographic_parity_ratio<0.8: demographic_parity_ratio is undefined (it is +inf, not a finite "
                      "number), so the condition cannot be shown not to hold"]
