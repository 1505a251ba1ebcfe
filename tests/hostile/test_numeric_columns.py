"""Numbers at the extremes (hostile-input review 2026-12b, issue 32, probes 09-11): numeric sensitive attributes whose
quantiles collapse or whose values are tiny or infinite get bands with labels that read as their edges and reopen
with every digit; an infinite or huge number in any column does not stop the rules."""

import numpy as np
import pandas as pd
import pytest

import fairdash
from fairdash.engine.spec import band_labels, default_bins, edge_texts, sensitive_frame
from fairdash.cli import main

# --- numeric sensitive attributes of any shape get bands (probe 09), and +inf its top band (probe 11) ----------------


def _odd_columns() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 600
    table = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.uniform(0, 1, n)})
    table["visits"] = np.where(rng.random(n) < 0.9, 0, rng.integers(1, 200, n))  # a count that is 90% zeros
    table["dose"] = rng.uniform(0, 1, n) * 1e-9  # floats at the 1e-9 scale
    return table


def test_a_zero_inflated_count_is_its_zeros_against_the_others():
    table = _odd_columns()
    assert default_bins(table["visits"]) == (1.0,)
    bands = sensitive_frame(table, ["visits"])["visits"]
    assert bands.value_counts().to_dict() == {
        "under 1": int((table.visits == 0).sum()),
        "1 and over": int((table.visits > 0).sum()),
    }


def test_tiny_floats_get_quintile_bands_with_distinct_labels_that_read_as_their_edges():
    table = _odd_columns()
    edges = default_bins(table["dose"])
    assert len(edges) == 4
    np.testing.assert_allclose(edges, np.quantile(table["dose"], [0.2, 0.4, 0.6, 0.8]), rtol=0.05)  # the oracle: quintiles
    labels = band_labels(edges)
    assert len(set(labels)) == 5 and labels[0] == f"under {edges[0]:g}" and "e-10" in labels[0]
    shares = sensitive_frame(table, ["dose"])["dose"].value_counts(normalize=True)
    assert len(shares) == 5 and shares.between(0.15, 0.25).all()


def test_edges_that_read_alike_at_six_digits_get_the_digits_that_tell_them_apart():
    assert edge_texts([1000000.5, 1000000.7]) == ["1000000.5", "1000000.7"]
    assert band_labels([25.0, 40.0]) == ["under 25", "25 to 40", "40 and over"]  # the usual edges read as before
    assert [float(text) for text in edge_texts([1 / 3, 2 / 3, 2.0123456e-10])] == [1 / 3, 2 / 3, 2.0123456e-10]


@pytest.mark.parametrize(("column", "bands"), [("visits", "under 1, 1 and over"), ("dose", "under 2e-10, 2e-10 to ")])
def test_the_command_line_audits_a_zero_inflated_or_tiny_float_sensitive_attribute(tmp_path, capsys, column, bands):
    data = tmp_path / "t.csv"
    _odd_columns().to_csv(data, index=False)
    code = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--positive-label",
            "1",
            "--sensitive",
            column,
            "--score",
            "s",
            "--no-explain",
        ]
    )
    assert code == 0
    assert f"{column} is grouped into bands: {bands}" in capsys.readouterr().out


@pytest.mark.parametrize("column", ["visits", "dose"])
def test_the_data_page_offers_bands_of_a_zero_inflated_or_tiny_float_sensitive_attribute(column):
    from streamlit.testing.v1 import AppTest

    table = _odd_columns()
    at = AppTest.from_file("../../app.py", default_timeout=180).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value(("t.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.selectbox(key="target").set_value("y").run()
    at.selectbox(key="score_column").set_value("s").run()
    at.multiselect(key="sensitive").set_value([column]).run()
    assert not at.exception and not at.error
    edges = default_bins(table[column])
    typed = at.text_input(key=f"bins_for_{column}").value
    assert tuple(float(part) for part in typed.split(",")) == edges  # the text reads back as the edges
    assert set(at.dataframe[0].value.index) == set(band_labels(edges))


@pytest.mark.parametrize("bins", [(), (("income", (40.0, 50.0, 60.0)),)], ids=["default bands", "given bands"])
def test_infinite_values_of_a_banded_attribute_are_in_the_top_and_bottom_bands_not_missing(bins):
    rng = np.random.default_rng(4)
    n = 1000
    table = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.uniform(0, 1, n), "income": rng.normal(50, 10, n)})
    table.loc[:49, "income"] = np.inf
    table.loc[50:59, "income"] = -np.inf
    table.loc[60:64, "income"] = np.nan
    audit = fairdash.run_audit(
        table, fairdash.AuditSpec(target="y", positive_label=1, sensitive=("income",), score="s", bins=bins), with_rules=False
    )
    edges = audit.bins["income"]
    labels = band_labels(edges)
    finite = table["income"].where(np.isfinite(table["income"]))
    expected = {labels[0]: int((finite < edges[0]).sum()) + 10, labels[-1]: int((finite >= edges[-1]).sum()) + 50, "(missing)": 5}
    sizes = audit.table["count"].to_dict()
    assert {label: sizes[label] for label in expected} == expected


# --- an infinite number in any column does not stop the rules (probe 10) -----------------------------------------------


def _with_huge_values() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 500
    table = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.uniform(0, 1, n),
            "g": rng.choice(["a", "b"], n),
            "debt_to_income": rng.normal(size=n),
        }
    )
    table.loc[7, "debt_to_income"] = np.inf
    table.loc[8, "debt_to_income"] = -1e39
    table.loc[9, "debt_to_income"] = 1e39
    return table


def test_the_rules_put_infinite_and_huge_values_with_the_largest_and_smallest_and_say_so():
    table = _with_huge_values()
    decisions = table["debt_to_income"].to_numpy() > 0.5
    surrogate = fairdash.surrogate_tree(table[["debt_to_income", "g"]], decisions, max_depth=1, min_samples_leaf=1)
    predicted = surrogate.predict(table[["debt_to_income", "g"]])
    assert predicted[[7, 9]].all() and not predicted[8]  # +inf and 1e39 above the split, -1e39 below
    np.testing.assert_array_equal(predicted, surrogate.tree.predict(surrogate.encoder.transform(table[["debt_to_income", "g"]])))
    assert surrogate.fidelity == 1.0
    assert len(surrogate.notes) == 1 and "'debt_to_income' (3 row(s))" in surrogate.notes[0]


@pytest.mark.parametrize("value", [np.inf, 1e39])
def test_the_command_line_audits_a_table_with_an_infinite_or_huge_value_in_an_unused_column(tmp_path, capsys, value):
    table = _with_huge_values().drop(index=[8, 9])
    table.loc[7, "debt_to_income"] = value
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    code = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--positive-label",
            "1",
            "--sensitive",
            "g",
            "--score",
            "s",
            "--no-explain",
        ]
    )
    assert code == 0
    assert (
        "rules: Infinite values, or values beyond ±3.4e+38 (the largest number the tree takes), are in 'debt_to_income' (1 row(s))"
        in capsys.readouterr().out
    )


def test_band_edges_reopen_with_every_digit():
    from fairdash.engine.spec import parse_bins

    edges = (0.1 + 0.2, 1234561.0, 1234564.0)
    assert parse_bins(", ".join(f"{edge:.17g}" for edge in edges), "income") == edges  # saved.py writes them so


def test_the_command_to_paste_keeps_every_digit_of_the_bands(tmp_path):
    """``:g`` wrote 1234567 as 1.23457e+06: the pasted command audited other bands than the page showed."""
    import subprocess

    from fairdash.engine.spec import AuditSpec
    from fairdash.cli import audit_command
    from fairdash.cli.common import bins_option

    edges = (0.1, 1234567.0, 98765432.123)
    spec = AuditSpec(target="y", positive_label=1, sensitive=("income",), score="s", bins=(("income", edges),))
    command = audit_command(spec, model_file=None, thresholds=0.5)
    printed = subprocess.run(
        ["bash", "-c", command.replace("python -m fairdash", "printf '%s\\n'", 1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert bins_option([printed[printed.index("--bins") + 1]]) == (("income", edges),)
