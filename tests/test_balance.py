"""The data's balance before any model: base rates with exact intervals (scipy), the base-rate disparities,
representation against reference shares (and bad shares refused), the distribution tests quiet on null tables at their
stated level (by simulation, against uncorrected p-values failing) and finding a planted shift; the command's exit codes,
JSON keys, --fail-on over the conditional names, and hostile labels escaped in the report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta, chi2_contingency, ks_2samp

from fairdash.engine.balance import data_balance, feature_shifts
from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.present.balance import balance_html, balance_json
from tests.test_conditional import berkeley


def _table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n, p=[0.4, 0.6])
    return pd.DataFrame(
        {
            "sex": sex,
            "hours": rng.normal(40, 5, n) - 6 * (sex == "F"),
            "city": rng.choice(list("abcdefgh"), n),
            "note": np.where(rng.random(n) < 0.1, None, "x" + pd.Series(rng.integers(0, 3, n)).astype(str)),
            "hired": np.where(rng.random(n) < np.where(sex == "F", 0.3, 0.5), "yes", "no"),
        }
    )


def test_groups_base_rates_with_exact_intervals_and_the_disparities():
    table = _table()
    found = data_balance(table, target="hired", positive_label="yes", sensitive="sex")
    for group, rows in table.groupby("sex"):
        positives, n = int((rows["hired"] == "yes").sum()), len(rows)
        row = found.groups.loc[group]
        assert row["rows"] == n and row["share"] == pytest.approx(n / len(table))
        assert row["base_rate"] == pytest.approx(positives / n)
        assert row["lower"] == pytest.approx(beta.ppf(0.025, positives, n - positives + 1))
        assert row["upper"] == pytest.approx(beta.ppf(0.975, positives + 1, n - positives))
        # "note" misses about one value in ten; three other columns have none
        assert row["missing_share"] == pytest.approx(rows["note"].isna().sum() / (3 * n))
    rates = found.groups["base_rate"]
    assert found.base_rate_disparities["difference"] == pytest.approx(rates.max() - rates.min())
    assert found.base_rate_disparities["ratio"] == pytest.approx(rates.min() / rates.max())
    low, high = found.base_rate_intervals["difference"]
    assert low <= found.base_rate_disparities["difference"] <= high


def test_representation_against_reference_shares_and_bad_shares_refused():
    table = _table()
    found = data_balance(
        table, target="hired", positive_label="yes", sensitive="sex", reference_shares={"sex": {"F": 0.5, "M": 0.5}}
    )
    share = (table["sex"] == "F").mean()
    assert found.representation.loc["F"].tolist() == pytest.approx([share, 0.5, share / 0.5])
    for shares, message in (
        ({"sex": {"F": 0.5, "M": 0.3}}, "sum to 0.800, not 1"),
        ({"sex": {"F": 0.5, "X": 0.5}}, "name 'X'"),
        ({"race": {"F": 1.0}}, "not a sensitive attribute"),
        ({"sex": {"F": "half", "M": 0.5}}, "from 0 to 1"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            data_balance(table, target="hired", positive_label="yes", sensitive="sex", reference_shares=shares)


def _null_table(rng: np.random.Generator, n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    columns = {f"number{i}": rng.normal(size=n) for i in range(5)}
    columns.update({f"category{i}": rng.choice(list("abcd"), n, p=[0.4, 0.3, 0.2, 0.1]) for i in range(5)})
    return pd.DataFrame(columns), pd.Series(rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]))


def test_distribution_tests_hold_their_level_on_null_tables_where_uncorrected_p_values_do_not():
    rng = np.random.default_rng(2024)
    runs, flagged, uncorrected, single = 150, 0, 0, 0
    for _ in range(runs):
        columns, groups = _null_table(rng)
        found, skipped = feature_shifts(columns, groups)
        assert not skipped and set(found["kind"]) == {"numbers", "categories"}
        flagged += (found["p_adjusted"] < 0.05).any()
        uncorrected += (found["p_value"] < 0.05).any()
        single += found.loc["category0", "p_value"] < 0.05
    assert flagged / runs <= 0.07  # Holm over ten columns: any false flag at most 5% of the time (4.6% over 1,000 runs)
    assert uncorrected / runs > 0.15  # ten uncorrected tests flag a null table far more often (35.6% over 1,000 runs)
    assert single / runs <= 0.09  # one chi-square test at its level


def test_distribution_tests_find_a_planted_shift_and_rank_it_first():
    table = _table(n=800)
    found = data_balance(table, target="hired", positive_label="yes", sensitive="sex")
    features = found.features
    assert features.index[0] == "hours" and features.loc["hours", "p_adjusted"] < 1e-6
    women, men = table.loc[table.sex == "F", "hours"], table.loc[table.sex == "M", "hours"]
    assert features.loc["hours", "distance"] == pytest.approx(ks_2samp(women, men).statistic)
    assert features.loc["city", "p_adjusted"] > 0.05
    assert features.loc["city", "p_value"] == pytest.approx(
        chi2_contingency(pd.crosstab(table.sex, table.city), correction=False).pvalue
    )


def test_an_identifier_column_is_not_tested_and_says_why():
    n = 2_000
    columns = pd.DataFrame({"id": [f"p{i}" for i in range(n)]})
    found, skipped = feature_shifts(columns, pd.Series(np.arange(n) % 2))
    assert found.empty and "identifier" in skipped["id"]


@pytest.fixture()
def berkeley_csv(tmp_path):
    path = tmp_path / "berkeley.csv"
    table = berkeley()
    table["admitted"] = np.where(table["admitted"], "yes", "no")
    table.to_csv(path, index=False)
    return path


BERKELEY_ARGS = ["--target", "admitted", "--positive-label", "yes", "--sensitive", "sex"]


def test_balance_command_json_keys_and_exit_codes(berkeley_csv, tmp_path, capsys):
    out, page = tmp_path / "b.json", tmp_path / "b.html"
    shares = tmp_path / "shares.json"
    shares.write_text(json.dumps({"sex": {"Female": 0.5, "Male": 0.5}}))
    code = main(
        [
            "balance",
            "--data",
            str(berkeley_csv),
            *BERKELEY_ARGS,
            "--control",
            "department",
            "--reference-shares",
            str(shares),
            "--json",
            str(out),
            "--report",
            str(page),
            "--fail-on",
            "cdd[Female]>0.05",
            "--fail-on",
            "cdd_max>0.05",
        ]
    )
    assert code == 0, capsys.readouterr().err
    document = json.loads(out.read_text())
    assert {"groups", "base_rate_disparities", "representation", "features", "conditional"} <= set(document)
    assert set(document["base_rate_disparities"]) == {"difference", "ratio"}
    assert set(document["representation"]["Female"]) == {"share", "reference_share", "ratio"}
    assert {"control", "strata", "cdd"} <= set(document["conditional"])
    assert document["conditional"]["strata"]["F"]["Male"]["rows"] == 373
    assert "department accounts for it" in page.read_text()
    assert main(["balance", "--data", str(berkeley_csv), *BERKELEY_ARGS, "--fail-on", "base_rate_ratio<0.8"]) == 1
    assert "FAILED: base_rate_ratio" in capsys.readouterr().err
    assert (
        main(["balance", "--data", str(berkeley_csv), *BERKELEY_ARGS, "--control", "department", "--fail-on", "cdd[Female]<0"])
        == 1
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--control", "admitted"], "is the target"),
        (["--control", "sex"], "is a sensitive attribute"),
        (["--control", "nowhere"], "no control column"),
        (["--fail-on", "cdd[Female]>0.05"], "only with --control"),
        (["--control", "department", "--fail-on", "cdd[Nobody]>0.05"], "no such group"),
        (["--fail-on", "base_rate_gap>0.1"], "unknown name"),
    ],
)
def test_balance_command_bad_input_exits_2_in_one_line(berkeley_csv, capsys, extra, message):
    assert main(["balance", "--data", str(berkeley_csv), *BERKELEY_ARGS, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_reference_shares_files_exit_2(berkeley_csv, tmp_path, capsys):
    for content, message in (
        ('{"sex": {"Female": 0.7, "Male": 0.6}}', "sum to 1.300"),
        ('{"sex": {"Woman": 1}}', "name 'Woman'"),
        ("[1, 2]", "must hold {attribute"),
        ("{", "not valid JSON"),
    ):
        shares = tmp_path / "s.json"
        shares.write_text(content)
        assert main(["balance", "--data", str(berkeley_csv), *BERKELEY_ARGS, "--reference-shares", str(shares)]) == 2
        assert message in capsys.readouterr().err


def test_hostile_labels_are_escaped_in_the_report_and_kept_in_the_json():
    hostile = "<script>alert(1)</script>"
    table = berkeley()
    table["sex"] = table["sex"].replace({"Female": hostile})
    table["department"] = table["department"].replace({"A": "<img src=x onerror=alert(2)>"})
    table["<b>col</b>"] = np.arange(len(table)) % 7
    found = data_balance(table, target="admitted", positive_label=True, sensitive="sex", control=["department"])
    page = balance_html(found, data_name="<i>data</i>")
    assert hostile not in page and "<img src=x" not in page and "<b>col</b>" not in page and "<i>data</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    document = balance_json(found)
    assert hostile in document["groups"] and hostile in document["conditional"]["cdd"]
