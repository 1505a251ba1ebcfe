"""A column in two roles is refused by name, and a positive label matches the target's values however they are
typed (hostile-input review of 2026-12, issue 21)."""

import numpy as np
import pandas as pd
import pytest

from fairdash import cli
from fairdash.engine.spec import AuditSpec, binary_target, check_column_roles, validate_spec
from fairdash.errors import InvalidInputError
from fairdash.intake.values import match_label


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"target": "y", "sensitive": ["race", "race"]}, "sensitive attribute 'race' is chosen twice"),
        ({"target": "y", "sensitive": ["sex", "y"]}, "'y' is the target; it cannot also be a sensitive attribute"),
        ({"target": "y", "sensitive": ["sex"], "score": "y"}, "'y' is the target; it cannot also be the score column"),
        ({"target": "y", "sensitive": ["sex", "s"], "score": "s"}, "'s' is a sensitive attribute; it cannot also be the score"),
    ],
)
def test_a_column_in_two_roles_is_refused_by_name(roles, message):
    with pytest.raises(InvalidInputError, match=message):
        check_column_roles(**roles)


def test_columns_in_one_role_each_pass():
    assert check_column_roles(target="y", sensitive=["race", "sex"], score="s") is None
    assert check_column_roles(target="y", sensitive=("race",)) is None


def _small_table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "race": rng.choice(["a", "b"], 80),
            "sex": rng.choice(["F", "M"], 80),
            "y": rng.integers(0, 2, 80),
            "s": rng.random(80).round(3),
        }
    )


def test_the_audit_checks_refuse_a_sensitive_attribute_named_twice():
    spec = AuditSpec(target="y", positive_label=1, sensitive=("race", "race"), score="s")
    with pytest.raises(InvalidInputError, match="'race' is chosen twice"):
        validate_spec(_small_table(), spec)


def test_the_command_line_refuses_race_race_as_an_argument_error(tmp_path, capsys):
    path = tmp_path / "t.csv"
    _small_table().to_csv(path, index=False)
    code = cli.main(["audit", "--data", str(path), "--target", "y", "--sensitive", "race,race", "--score", "s"])
    assert code == 2
    # As argparse tells an argument error: its usage line, then the reason; no file was read.
    lines = capsys.readouterr().err.strip().splitlines()  # the usage may wrap over several lines; the reason is the last
    assert lines[0].startswith("usage:") and "--sensitive names 'race' twice" in lines[-1] and "error" in lines[-1]


@pytest.mark.parametrize(
    ("candidates", "label", "found"),
    [
        (np.array([0, 1]), "1.0", 1),  # typed 1.0 for a column of ints
        (np.array([0, 1]), " 1e0 ", 1),
        (np.array([0, 1]), "01", 1),  # the column holds numbers: "01" is the number 1
        (np.array([0.0, 1.0]), "1", 1.0),
        (np.array([0.5, 1.5]), "1.50", 1.5),
        (np.array([0, 1]), 1.0, 1),
        (np.array(["0", "1"], dtype=object), 1.0, "1"),
        (np.array([True, False]), "true", True),
    ],
)
def test_equal_numbers_match_however_they_are_typed(candidates, label, found):
    matched = match_label(candidates, label)
    assert matched == found and type(matched) is type(candidates[0])


@pytest.mark.parametrize(
    ("candidates", "label"),
    [
        (np.array(["0", "1"], dtype=object), "01"),  # text is a code: "01" is not "1"
        (np.array(["0", "1.0"], dtype=object), 1),
        (np.array([True, False]), "1.0"),  # a boolean matches "true", not a number typed
        (np.array([0, 1]), "nan"),
        (np.array([0, 1]), "inf"),
        (np.array([0, 1]), "1_0"),
        (np.array([0, 1]), "2.0"),
    ],
)
def test_text_and_non_numbers_do_not_match_by_value(candidates, label):
    assert match_label(candidates, label) is None


def test_a_positive_label_typed_1_0_audits_a_target_of_ints():
    table = pd.DataFrame({"y": [0, 1, 1, 0]})
    assert binary_target(table, "y", "1.0").tolist() == [False, True, True, False]
