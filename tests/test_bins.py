"""Continuous sensitive attributes: cut into bands (quintiles by default, or the user's edges), with the
numbers checked against Fairlearn on the same bands made by pandas."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate
from streamlit.testing.v1 import AppTest

from fairdash.engine.metrics import group_metrics
from fairdash.engine.spec import AuditSpec, bins_used, default_bins, sensitive_frame
from fairdash.cli import main
from fairdash.errors import InvalidInputError


@pytest.fixture(scope="module")
def ages():
    rng = np.random.default_rng(5)
    n = 3000
    age = rng.integers(18, 90, n).astype(float)
    age[:7] = np.nan  # unknown ages stay a group of their own
    selected = rng.random(n) < np.where(np.nan_to_num(age) < 30, 0.6, 0.3)
    return pd.DataFrame(
        {"age": age, "y": rng.integers(0, 2, n), "score": np.where(selected, 0.9, 0.1), "sex": rng.choice(["f", "m"], n)}
    )


def test_a_numeric_attribute_with_many_values_is_cut_into_quintiles(ages):
    edges = default_bins(ages["age"])
    assert len(edges) == 4
    spec = AuditSpec(target="y", positive_label=1, sensitive=("age",), score="score")
    assert bins_used(ages, spec.sensitive) == {"age": edges}
    frame = sensitive_frame(ages, spec.sensitive)
    shares = frame["age"].value_counts(normalize=True)
    assert len(shares) == 5 and shares.between(0.15, 0.25).all()
    assert frame["age"].isna().sum() == 7 and ages["age"].isna().sum() == 7  # the table is not changed
    assert not needs_no_bins_for(ages["sex"])


def needs_no_bins_for(column):
    from fairdash.engine.spec import needs_bins

    return needs_bins(column)


def test_the_bands_numbers_equal_fairlearns_on_the_same_bands(ages):
    edges = (30.0, 50.0, 70.0)
    ours = group_metrics(ages["y"], ages["score"] >= 0.5, sensitive_frame(ages, ("age",), {"age": edges}))
    cut = pd.cut(ages["age"], [-np.inf, *edges, np.inf], right=False)  # the oracle's own bands
    bands = cut.astype(str).where(cut.notna(), "nan")
    frame = MetricFrame(metrics=selection_rate, y_true=ages["y"], y_pred=ages["score"] >= 0.5, sensitive_features=bands)
    theirs = frame.by_group.rename(
        index={
            "[-inf, 30.0)": "under 30",
            "[30.0, 50.0)": "30 to 50",
            "[50.0, 70.0)": "50 to 70",
            "[70.0, inf)": "70 and over",
            "nan": "(missing)",
        }
    )
    assert sorted(ours.index) == sorted(theirs.index)
    for band in theirs.index:
        assert ours.loc[band, "selection_rate"] == pytest.approx(theirs[band], abs=1e-12), band


@pytest.mark.parametrize("edges", [(), (50.0, 30.0), (30.0, np.inf)])
def test_bad_edges_are_refused(ages, edges):
    with pytest.raises(InvalidInputError, match="band edges"):
        sensitive_frame(ages, ("age",), {"age": edges})


def test_the_command_line_bins_by_default_and_on_request(ages, tmp_path, capsys):
    data, out = tmp_path / "ages.csv", tmp_path / "a.json"
    ages.to_csv(data, index=False)
    base = ["audit", "--data", str(data), "--target", "y", "--sensitive", "age", "--score", "score", "--json", str(out)]
    assert main(base) == 0
    assert "age is grouped into bands" in capsys.readouterr().out
    assert len(json.loads(out.read_text())["groups"]) == 6  # five quintiles and the missing ages
    assert main([*base, "--bins", "age=30,50"]) == 0
    document = json.loads(out.read_text())
    assert set(document["groups"]) == {"under 30", "30 to 50", "50 and over", "(missing)"}
    assert document["settings"]["bins"] == {"age": [30.0, 50.0]}
    assert main([*base, "--bins", "age=fifty"]) == 2


def test_the_data_page_offers_editable_bands(ages):
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value(("ages.csv", ages.to_csv(index=False).encode(), "text/csv")).run()
    at.multiselect(key="sensitive").set_value(["age"]).run()
    bands = at.text_input(key="bins_for_age")
    assert bands.value == ", ".join(f"{edge:g}" for edge in default_bins(ages["age"]))
    assert not at.exception and not at.error
    assert len(at.dataframe[0].value) == 6
    bands.set_value("30, 50").run()
    assert not at.exception and not at.error
    assert set(at.dataframe[0].value.index) == {"under 30", "30 to 50", "50 and over", "(missing)"}
    at.switch_page("pages/fairness.py").run()
    assert not at.exception and not at.error
    at.switch_page("pages/data.py").run()  # back on the page: the upload and the bands are still there
    assert at.text_input(key="bins_for_age").value == "30, 50"
    at.text_input(key="bins_for_age").set_value("50, 30").run()
    assert not at.exception
    assert any("increasing order" in error.value for error in at.error)
