"""Fixes given hostile inputs (hostile-input review of 2026-12, issue 21): refits from a training table that lacks a
group are not made and say why (M5), and every fix in the fixes JSON has one shape (M6)."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.fixes.compare import compare_fixes
from fairdash.intake.models import ScoreModel, untrusted_types
from fairdash.present.document import json_text
from fairdash.present.fixes_report import fixes_json

# ---- M5: refits from training rows that lack a group ----------------------------------------------


@pytest.fixture(scope="module")
def lending():
    """Audited and training rows of a small lending table; the model is a small logistic regression."""
    rng = np.random.default_rng(5)
    n = 1200
    sex = rng.choice(["female", "male", "other"], n, p=[0.45, 0.5, 0.05])
    income = rng.normal(50, 12, n) + np.where(sex == "male", 4, 0)
    repaid = np.where(rng.random(n) < 1 / (1 + np.exp(-0.1 * (income - 52))), "repaid", "defaulted")
    table = pd.DataFrame({"income": income.round(1), "sex": sex, "repaid": repaid})
    train, audited = table.iloc[:800].reset_index(drop=True), table.iloc[800:].reset_index(drop=True)
    encode = ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), ["sex"])], remainder="passthrough")
    pipeline = Pipeline([("prepare", encode), ("model", LogisticRegression(max_iter=1000))])
    return train, audited, ScoreModel.wrap(pipeline.fit(train[["income", "sex"]], train["repaid"]), name="lending")


LENDING = AuditSpec(target="repaid", positive_label="repaid", sensitive=("sex",), features=("income", "sex"))
REFITS = ("reweighing", "reductions", "unawareness")


def test_refits_from_training_rows_without_a_judged_group_are_not_made_and_say_why(lending):
    train, audited, model = lending
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] == "male"], methods=REFITS)
    errors = {fix.name: fix.error for fix in fixes}
    assert list(errors) == ["original", *REFITS] and errors["original"] is None
    lack = r"^The training rows lack group\(s\) 'female' \(they hold 'male'\), so "
    assert re.match(
        lack + r"reweighing cannot weight them: add training rows of every group the audit judges\.$", errors["reweighing"]
    )
    assert re.match(lack + r"the reductions cannot hold the model to the constraint for them", errors["reductions"])
    assert re.match(lack + r"the columns that stand for membership of them \(proxies\) cannot be found", errors["unawareness"])


def test_a_group_too_small_to_judge_need_not_be_in_the_training_rows(lending):
    train, audited, model = lending
    assert (audited["sex"] == "other").sum() < 30  # below the 30 rows a group needs to be judged
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] != "other"], methods=("reweighing",))
    reweighed = fixes[1]
    assert reweighed.name == "reweighing" and reweighed.error is None
    truth = audited["repaid"] == "repaid"
    decided = reweighed.model.predict(audited[["income", "sex"]]) == "repaid"
    assert reweighed.accuracy == pytest.approx((decided == truth).mean(), abs=1e-12)


def test_the_cli_prints_why_the_refits_were_not_made(tmp_path, lending, capsys):
    train, audited, model = lending
    audited.to_csv(tmp_path / "audited.csv", index=False)
    train[train["sex"] == "male"].to_csv(tmp_path / "train.csv", index=False)
    skops.io.dump(model.estimator, tmp_path / "model.skops")
    trusted = [f"--trust-type={name}" for name in untrusted_types(tmp_path / "model.skops")]
    code = main(
        [
            "fixes",
            "--data",
            str(tmp_path / "audited.csv"),
            "--train",
            str(tmp_path / "train.csv"),
            "--target",
            "repaid",
            "--positive-label",
            "repaid",
            "--sensitive",
            "sex",
            "--model",
            str(tmp_path / "model.skops"),
            *trusted,
        ]
    )
    assert code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "The training rows lack group(s) 'female' (they hold 'male'), so reweighing cannot weight them" in printed


# ---- M6: one shape for every fix in the fixes JSON ------------------------------------------------


def test_a_fix_not_made_has_every_key_of_a_made_one_each_figure_null(lending):
    train, audited, model = lending
    fixes = compare_fixes(audited, LENDING, model, train=train[train["sex"] == "male"], methods=("thresholds", "reweighing"))
    document = json.loads(json_text(fixes_json(fixes, constraint="demographic_parity")))
    original, _, reweighing = document["fixes"]
    documented = {
        "name",
        "title",
        "bound",
        "in_sample",
        "accuracy",
        "balanced_accuracy",
        "auc",
        "disparities",
        "disparity_intervals",
        "groups",
        "thresholds",
        "training_seconds",
        "error",
    }
    assert all(set(entry) == documented for entry in document["fixes"])
    assert reweighing["error"].startswith("The training rows lack group(s) 'female'")
    assert [reweighing[key] for key in ("bound", "accuracy", "balanced_accuracy", "auc", "thresholds", "training_seconds")] == [
        None
    ] * 6
    # The containers keep a made fix's names, each figure null: a reader looks a figure up without checking "error".
    assert reweighing["disparities"] == dict.fromkeys(original["disparities"])
    assert reweighing["disparity_intervals"] == {name: [None, None] for name in original["disparity_intervals"]}
    assert reweighing["groups"] == {label: dict.fromkeys(row) for label, row in original["groups"].items()}
    assert set(original["groups"]) == {"female", "male", "other"} and original["accuracy"] == pytest.approx(
        ((model.estimator.predict(audited[["income", "sex"]]) == "repaid") == (audited["repaid"] == "repaid")).mean(), abs=1e-12
    )
