"""Subgroup discovery against independent oracles: counts and rates from pandas masks row by row, p-values from
scipy's chi-squared test, Wilson intervals from scipy; a planted two-condition gap ranked first; no false finding
on tables with no gap in at least 95% of seeded repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, chi2_contingency

from fairdash.engine.subgroups import Condition, find_subgroups, newcombe_interval, pooled_z_p_value, subgroup_mask
from fairdash.errors import InvalidInputError
from fairdash.present.sentences import subgroups_correction


def _planted(seed: int = 0, n: int = 6000):
    """Columns a and b (three values each) whose one cell a0 & b0 is selected far more often, while every single
    value of a and of b is selected at the same rate: the cells around it are selected less, to compensate."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 3, n), rng.integers(0, 3, n)
    shift = np.array([[0.3, -0.15, -0.15], [-0.15, 0.075, 0.075], [-0.15, 0.075, 0.075]])  # rows and columns sum to 0
    rate = 0.4 + shift[a, b]
    table = pd.DataFrame(
        {
            "a": np.array(["a0", "a1", "a2"])[a],
            "b": np.array(["b0", "b1", "b2"])[b],
            "noise": rng.choice(["x", "y", "z", "w"], n),
            "amount": rng.normal(50, 10, n).round(2),
        }
    )
    decisions = rng.random(n) < rate
    truth = rng.random(n) < 0.5
    return table, truth, decisions


def test_a_planted_two_condition_gap_is_ranked_first():
    table, truth, decisions = _planted()
    search = find_subgroups(table, truth, decisions)
    best = search.results.iloc[0]
    assert best["subgroup"] == "a = a0 & b = b0" and best["metric"] == "selection_rate"
    assert best["p_adjusted"] < 0.05 and best["lower"] > 0
    # No single column shows it: no one-condition subgroup's selection rate gap passes the corrected threshold.
    single = find_subgroups(table, truth, decisions, max_conditions=1, top=1000).results
    assert (single.loc[single["metric"] == "selection_rate", "p_adjusted"] >= 0.05).all()


def test_no_gap_no_finding_in_at_least_95_percent_of_repeats():
    found = 0
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        n = 2000
        table = pd.DataFrame(
            {
                "a": rng.choice(list("pqr"), n),
                "b": rng.choice(list("stuv"), n),
                "c": rng.choice(list("wx"), n),
                "d": rng.choice(list("yz"), n, p=[0.9, 0.1]),
                "e": rng.normal(size=n),
            }
        )
        search = find_subgroups(table, rng.random(n) < 0.3, rng.random(n) < 0.4)
        found += bool((search.results["p_adjusted"] < 0.05).any())
    assert found <= 5, f"a subgroup passed the corrected threshold in {found} of 100 tables with no gap"


def test_every_result_equals_a_count_of_its_rows():
    table, truth, decisions = _planted(seed=3, n=1500)
    table["sparse"] = np.where(np.arange(1500) % 7 == 0, None, table["noise"])  # a missing value is a value of its own
    search = find_subgroups(table, truth, decisions, top=10_000)
    assert len(search.results) == search.tests
    for row in search.results.sample(200, random_state=0).itertuples():
        inside = np.ones(len(table), dtype=bool)
        for condition in row.conditions:  # the oracle: each condition applied with pandas, written out here
            values = table[condition.column]
            if condition.band:
                low = -np.inf if condition.lower is None else condition.lower
                high = np.inf if condition.upper is None else condition.upper
                inside &= ((values >= low) & (values < high)).to_numpy()
            else:
                inside &= (values.isna() if condition.value is None else values == condition.value).to_numpy()
        assert row.size == inside.sum()
        among = {"selection_rate": np.ones(len(table), bool), "tpr": truth, "fpr": ~truth}[row.metric]
        assert row.rate == pytest.approx(decisions[inside & among].mean(), abs=1e-12)
        assert row.rest_rate == pytest.approx(decisions[~inside & among].mean(), abs=1e-12)
        np.testing.assert_array_equal(subgroup_mask(table, row.conditions), inside)


def test_p_values_equal_scipys_chi_squared_test_and_intervals_newcombes():
    x1, n1, x2, n2 = (
        np.array([12, 40, 0, 5]),
        np.array([50, 90, 30, 5]),
        np.array([300, 500, 200, 400]),
        np.array([1000, 1500, 900, 1000]),
    )
    for case in range(4):
        observed = [[x1[case], n1[case] - x1[case]], [x2[case], n2[case] - x2[case]]]
        expected = chi2_contingency(observed, correction=False).pvalue
        assert pooled_z_p_value(x1[case], n1[case], x2[case], n2[case]) == pytest.approx(expected, rel=1e-9)
        low, high = newcombe_interval(x1[case], n1[case], x2[case], n2[case])
        first = binomtest(int(x1[case]), int(n1[case])).proportion_ci(0.95, method="wilson")
        second = binomtest(int(x2[case]), int(n2[case])).proportion_ci(0.95, method="wilson")
        p1, p2 = x1[case] / n1[case], x2[case] / n2[case]
        assert low == pytest.approx(p1 - p2 - np.hypot(p1 - first.low, second.high - p2), abs=1e-9)
        assert high == pytest.approx(p1 - p2 + np.hypot(first.high - p1, p2 - second.low), abs=1e-9)


def test_the_correction_counts_every_test():
    table, truth, decisions = _planted(n=2000)
    search = find_subgroups(table, truth, decisions, top=10_000)
    results = search.results
    assert search.tests == len(results) and search.tested == results["subgroup"].nunique()
    np.testing.assert_allclose(results["p_adjusted"], np.minimum(1, results["p_value"] * search.tests))
    assert "Bonferroni" in subgroups_correction(search) and f"{search.tests:,}" in subgroups_correction(search)


def test_min_size_and_one_condition():
    table, truth, decisions = _planted(n=2000)
    search = find_subgroups(table, truth, decisions, max_conditions=1, min_size=500, top=10_000)
    assert (search.results["size"] >= 500).all() and (2000 - search.results["size"] >= 500).all()
    assert search.results["conditions"].map(len).eq(1).all()


def test_the_same_rows_under_two_names_are_tested_once():
    table, truth, decisions = _planted(n=2000)
    table["a_again"] = table["a"].map({"a0": "first", "a1": "second", "a2": "third"})
    search = find_subgroups(table, truth, decisions, top=10_000)
    names = set(search.results["subgroup"])
    assert "a = a0" in names and "a_again = first" not in names and "a = a0 & a_again = first" not in names


def test_numeric_columns_are_searched_in_quintile_bands():
    table, truth, decisions = _planted(n=2000)
    bands = [
        row
        for row in find_subgroups(table, truth, decisions, max_conditions=1, top=10_000).results["conditions"]
        if row[0].column == "amount"
    ]
    assert len(bands) == 5 * 3  # five bands, each in three rates
    assert Condition("amount", lower=None, upper=bands[0][0].upper or 1.0, band=True).text().startswith("amount under")


def test_bad_columns_are_left_out_with_the_reason():
    rng = np.random.default_rng(0)
    n = 10_000
    table = pd.DataFrame(
        {
            "constant": ["same"] * n,
            "many": [f"c{i % 5000}" for i in range(n)],
            "id": np.arange(n),
            "ok": rng.choice(["u", "v"], n),
        }
    )
    search = find_subgroups(table, rng.random(n) < 0.5, rng.random(n) < 0.5, min_size=2)
    assert search.columns == ("ok",)
    assert search.skipped["constant"] == "it holds one value only"
    assert "5,000 of its values" in search.skipped["many"] and "too many" in search.skipped["many"]
    assert search.skipped["id"] == "it looks like a row ID"
    with pytest.raises(InvalidInputError, match=r"^No column can define a subgroup .*'constant': it holds one value only"):
        find_subgroups(table[["constant", "many"]], np.ones(n, bool), np.ones(n, bool), min_size=2)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"max_conditions": 3}, "1 or 2 conditions"),
        ({"min_size": 0}, "minimum subgroup size"),
        ({"columns": ["nope"]}, "no column 'nope'"),
    ],
)
def test_bad_options_get_one_line(options, message):
    table, truth, decisions = _planted(n=300)
    with pytest.raises(InvalidInputError, match=message):
        find_subgroups(table, truth, decisions, **options)


def test_top_keeps_the_best_overall_and_of_each_rate():
    table, truth, decisions = _planted(n=3000)
    everything = find_subgroups(table, truth, decisions, top=None).results
    kept = find_subgroups(table, truth, decisions, top=5).results
    assert kept["subgroup"].tolist()[:5] == everything["subgroup"].tolist()[:5]
    for metric in ("selection_rate", "tpr", "fpr"):
        best = everything[everything["metric"] == metric].head(5)
        assert (
            kept[kept["metric"] == metric].head(5)[["subgroup", "gap"]].values.tolist()
            == best[["subgroup", "gap"]].values.tolist()
        )
    assert len(kept) <= 20 and kept["surely"].abs().is_monotonic_decreasing


def test_a_search_too_large_to_count_is_refused_in_one_line():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({f"c{k}": rng.integers(0, 100, 10_000).astype(str) for k in range(35)})
    with pytest.raises(
        InvalidInputError, match=r"^The search would count 5,9\d\d,\d{3} subgroups over 35 columns, more than 5,000,000"
    ):
        find_subgroups(table, rng.random(10_000) < 0.5, rng.random(10_000) < 0.5)


def test_passing_counts_every_test_not_only_those_kept():
    table, truth, decisions = _planted()
    everything = find_subgroups(table, truth, decisions, top=None)
    kept = find_subgroups(table, truth, decisions, top=1)
    assert kept.passing == everything.passing == int((everything.results["p_adjusted"] < 0.05).sum()) > len(kept.results)
