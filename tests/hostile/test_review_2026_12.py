"""What the reviews of the merged issues 18-20 found (each failed before its fix): counterfactuals on nullable columns,
the nearest real row past missing numbers, duplicate counterfactuals, a recourse gate decided by one row, the store's
sweep of folders it did not make, and compare on an undefined change."""

from __future__ import annotations

import json
import os
import time
import warnings

import numpy as np
import pandas as pd
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
