import gzip
import io

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.groups import MISSING_GROUP, group_labels
from fairdash.engine.guess import guess_spec, summarize
from fairdash.engine.spec import AuditSpec, binary_target, id_like_columns, numeric_scores, validate_spec
from fairdash.errors import FairdashError, InvalidInputError
from fairdash.intake.tables import read_table
from fairdash.present.sentences import warning_text


def test_reads_csv_bytes_path_and_file(tmp_path, people):
    content = people.to_csv(index=False).encode()
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    for source in (content, path, str(path), io.BytesIO(content)):
        table = read_table(source, name="people.csv")
        pd.testing.assert_frame_equal(table, people, check_dtype=False)
    assert path.read_bytes() == content  # the file is never modified


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_detects_the_separator(separator, people):
    content = people.to_csv(index=False, sep=separator).encode()
    assert read_table(content, name="t.csv").columns.tolist() == people.columns.tolist()


def test_reads_parquet_by_name_and_by_content(people):
    buffer = io.BytesIO()
    people.to_parquet(buffer)
    for name in ("people.parquet", ""):
        pd.testing.assert_frame_equal(read_table(buffer.getvalue(), name=name), people)


def test_reads_gzipped_csv_and_utf8_bom(people):
    content = people.to_csv(index=False).encode("utf-8-sig")
    table = read_table(gzip.compress(content), name="people.csv.gz")
    assert table.columns[0] == "age"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "is empty"),
        (b"   \n\n", "blank.csv", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "image.csv", "binary data, not text"),
        ("name,city\nJosé,Zürich\n".encode("latin-1"), "latin.csv", "not UTF-8"),
        (b"just one column\nof words\n", "words.csv", "at least two"),
        (b"a,b,c\n", "header.csv", "no rows"),
        (b"a,b\n1,2\n", "table.xlsx", "extension '.xlsx'"),
        (b"PAR1 not really parquet", "broken.parquet", "cannot be read as Parquet"),
        (b'a,b\n"1,2\n3,4\n', "quote.csv", "does not look like a table"),
    ],
)
def test_bad_files_raise_a_message_a_user_can_act_on(content, name, message):
    with pytest.raises(InvalidInputError, match=message) as raised:
        read_table(content, name=name)
    assert isinstance(raised.value, FairdashError) and isinstance(raised.value, ValueError)


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(InvalidInputError, match="No file at"):
        read_table(tmp_path / "nope.csv")


def test_group_labels_join_columns_and_keep_missing_as_a_group():
    table = pd.DataFrame({"sex": ["F", "M", None, "F"], "race": ["A", "B", "A", np.nan], "n": [1.0, 2.0, np.nan, 4.0]})
    labels = group_labels(table, ["sex", "race"])
    assert labels.tolist() == ["F | A", "M | B", f"{MISSING_GROUP} | A", f"F | {MISSING_GROUP}"]
    assert labels.name == "sex | race"
    # A float column with gaps keeps the integers as the user wrote them.
    assert group_labels(table, "n").tolist() == ["1", "2", MISSING_GROUP, "4"]
    with pytest.raises(InvalidInputError, match="no column 'nope'"):
        group_labels(table, ["nope"])


def test_binary_target_matches_the_label_or_its_text():
    table = pd.DataFrame({"y": [0, 1, 1, 0]})
    assert binary_target(table, "y", 1).tolist() == [False, True, True, False]
    assert binary_target(table, "y", "1").tolist() == [False, True, True, False]
    with pytest.raises(InvalidInputError, match="not a value of 'y'"):
        binary_target(table, "y", "yes")


@pytest.mark.parametrize(
    ("values", "message"),
    [([1, 1, 1], "from 2 to 20.*holds 1 value"), (list(range(25)), "holds 25 value"), ([1, None, 0], "missing in 1 row")],
)
def test_binary_target_rejects_other_than_two_classes(values, message):
    with pytest.raises(InvalidInputError, match=message):
        binary_target(pd.DataFrame({"y": values}), "y", 1)


def test_numeric_scores_rejects_text_and_gaps():
    table = pd.DataFrame({"s": ["0.1", "high"], "t": [0.2, None], "b": [True, False]})
    with pytest.raises(InvalidInputError, match="not numeric.*'high'"):
        numeric_scores(table, "s")
    with pytest.raises(InvalidInputError, match="missing in 1 row"):
        numeric_scores(table, "t")
    assert numeric_scores(table, "b").tolist() == [1.0, 0.0]


def test_validate_spec_errors(people):
    base = dict(target="hired", positive_label="yes", sensitive=("sex",), score="score")
    assert validate_spec(people, AuditSpec(**base)) == []
    one_group = people.assign(country="NL")
    with pytest.raises(InvalidInputError, match="single group"):
        validate_spec(one_group, AuditSpec(**{**base, "sensitive": ("country",)}))
    with pytest.raises(InvalidInputError, match="reference group 'other'"):
        validate_spec(people, AuditSpec(**{**base, "reference": "other"}))
    with pytest.raises(InvalidInputError, match="not numeric"):
        validate_spec(people, AuditSpec(**{**base, "score": "sex"}))
    with pytest.raises(InvalidInputError, match="cannot also be a sensitive"):
        validate_spec(people, AuditSpec(**{**base, "sensitive": ("hired",)}))


def test_summary_counts_groups_and_warns_about_small_ones(people):
    spec = AuditSpec(target="hired", positive_label="yes", sensitive=("sex", "race"), score="score")
    small = people.iloc[:80]
    summary = summarize(small, spec)
    expected = small.groupby(["sex", "race"]).size()
    assert summary.groups["count"].sum() == len(small)
    for (sex, race), count in expected.items():
        assert summary.groups.loc[f"{sex} | {race}", "count"] == count
        rows = small[(small.sex == sex) & (small.race == race)]
        assert summary.groups.loc[f"{sex} | {race}", "base_rate"] == pytest.approx((rows.hired == "yes").mean())
    assert summary.groups["too_small"].any()
    assert any("fewer than 30 rows" in warning for warning in map(warning_text, summary.warnings))


def test_id_like_columns():
    n = 100
    table = pd.DataFrame(
        {
            "row": np.arange(1000, 1000 + n),
            "customer_id": np.random.default_rng(0).permutation(10 * n)[:n],
            "amount": np.random.default_rng(1).integers(100, 100_000, n),
            "code": [f"X{i}" for i in range(n)],
            "group": ["a", "b"] * (n // 2),
        }
    )
    assert id_like_columns(table) == ["row", "customer_id", "code"]


def test_guess_spec_finds_usual_names(people):
    spec = guess_spec(people, with_model=False)
    assert spec.target == "hired"
    assert spec.positive_label == "yes"
    coded = people.assign(hired=people.hired.map({"yes": "B", "no": "A"}))
    assert guess_spec(coded).positive_label == coded.hired.value_counts().idxmin()  # no usual name: the rarer value
    assert spec.sensitive == ("sex", "race")
    assert spec.score == "score"


def test_labels_match_by_value_or_text():
    from fairdash.engine.spec import default_positive_label
    from fairdash.intake.values import match_label

    assert match_label([0, 1], "1") == 1
    assert match_label(["1", "0"], 1.0) == "1"
    assert match_label(["a", "b"], "c") is None
    assert default_positive_label(pd.Series(["no", "yes", "no"])) == "yes"
    assert default_positive_label(pd.Series(np.array([0, 1, 0]))) == 1 and isinstance(
        default_positive_label(pd.Series(np.array([0, 1]))), int
    )
    assert default_positive_label(pd.Series(["A", "A", "B"])) == "B"
