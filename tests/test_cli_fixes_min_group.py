"""Issue 16: ``fixes --min-group-size`` reaches the judgement, and ThresholdCurves (shared between sessions
through ``st.cache_resource``) cannot be changed once built."""

import json

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from fairdash.engine.thresholds import ThresholdCurves
from fairdash.cli import main
from fairdash.intake.models import untrusted_types


def test_threshold_curves_refuse_every_change():
    curves = ThresholdCurves([1, 0, 1, 0, 1], [0.9, 0.4, 0.6, 0.2, 0.7], ["a", "a", "b", "b", "b"])
    before = curves.metrics_at(0.5)
    with pytest.raises(AttributeError, match="cannot set or delete 'sizes'"):
        curves.sizes = np.array([9, 9])
    with pytest.raises(AttributeError, match="cannot set or delete 'labels'"):
        curves.labels = ["x", "y"]
    with pytest.raises(AttributeError, match="cannot set or delete 'cache'"):
        curves.cache = {}  # a new attribute too: nothing is filled in after __init__
    with pytest.raises(AttributeError, match="cannot set or delete 'positives'"):
        del curves.positives
    with pytest.raises(ValueError, match="read-only"):
        curves.sizes[0] = 9
    curves.labels.append("z")  # a copy: the curves' own labels stay as they were
    assert curves.labels == ["a", "b"]
    assert curves.sizes.tolist() == [2, 3] and curves.positives.tolist() == [1, 2]
    assert curves.metrics_at(0.5).equals(before)


@pytest.fixture(scope="module")
def tiny_group_files(tmp_path_factory):
    """A held-out table with two large groups and one of 6 rows (under SMALL_GROUP_SIZE), all of it selected,
    and a skops model that scores it."""
    rng = np.random.default_rng(16)
    group = np.repeat(["A", "B", "C"], [200, 200, 6])
    x = rng.normal(0, 1, len(group)) + np.select([group == "B", group == "C"], [-0.8, 4.0], 0.0)
    outcome = (rng.random(len(group)) < 1 / (1 + np.exp(-2 * x))).astype(int)
    table = pd.DataFrame({"x": x.round(3), "group": group, "outcome": outcome})
    folder = tmp_path_factory.mktemp("tiny_group")
    table.to_csv(folder / "test.csv", index=False)
    model = LogisticRegression().fit(table[["x"]], table["outcome"])
    skops.io.dump(model, folder / "model.skops")
    return folder, table, model, untrusted_types(folder / "model.skops")


def _fixes_json(folder, trusted, *extra):
    out = folder / f"fixes{''.join(extra)}.json"
    code = main(
        [
            "fixes",
            "--data",
            str(folder / "test.csv"),
            "--target",
            "outcome",
            "--positive-label",
            "1",
            "--sensitive",
            "group",
            "--model",
            str(folder / "model.skops"),
            *[f"--trust-type={name}" for name in trusted],
            *extra,
            "--json",
            str(out),
        ]
    )
    assert code == 0
    (original,) = [fix for fix in json.loads(out.read_text())["fixes"] if fix["name"] == "original"]
    return original


def test_fixes_min_group_size_decides_which_groups_the_disparities_cover(tiny_group_files):
    folder, table, model, trusted = tiny_group_files
    decisions = model.predict_proba(table[["x"]])[:, 1] >= 0.5  # the model's own boundary, as the fixes' original
    selected = table.assign(selected=decisions).groupby("group")["selected"].mean()
    assert selected["C"] == 1.0 and selected["A"] < 1.0 and selected["B"] < selected["A"]  # the tiny group is the extreme
    by_default = _fixes_json(folder, trusted)
    keep_all = _fixes_json(folder, trusted, "--min-group-size", "0")

    # Every group is in the table either way, with the rows' own counts and selection rates.
    for original in (by_default, keep_all):
        assert {label: row["count"] for label, row in original["groups"].items()} == {"A": 200, "B": 200, "C": 6}
        for label, rate in selected.items():
            assert original["groups"][label]["selection_rate"] == pytest.approx(rate, abs=1e-12)
    # The disparities cover A and B by default (C has 6 rows, under 30), and every group with 0.
    assert by_default["disparities"]["demographic_parity_difference"] == pytest.approx(selected["A"] - selected["B"], abs=1e-12)
    assert by_default["disparities"]["demographic_parity_ratio"] == pytest.approx(selected["B"] / selected["A"], abs=1e-12)
    assert keep_all["disparities"]["demographic_parity_difference"] == pytest.approx(1.0 - selected["B"], abs=1e-12)
    assert keep_all["disparities"]["demographic_parity_ratio"] == pytest.approx(selected["B"] / 1.0, abs=1e-12)


def test_fixes_refuses_a_negative_min_group_size(tiny_group_files, capsys):
    folder, _, _, trusted = tiny_group_files
    code = main(
        [
            "fixes",
            "--data",
            str(folder / "test.csv"),
            "--target",
            "outcome",
            "--sensitive",
            "group",
            "--model",
            str(folder / "model.skops"),
            *[f"--trust-type={name}" for name in trusted],
            "--min-group-size",
            "-1",
        ]
    )
    assert code == 2
    assert "--min-group-size must be 0 or more; got -1." in capsys.readouterr().err
