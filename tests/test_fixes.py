"""The fixes compared on the Fixes page, each checked against an independent computation: the
reweighing weights' defining property, a direct weighted fit, Fairlearn's ExponentiatedGradient called
directly, and Fairlearn's MetricFrame on every fix's predictions."""

import json

import numpy as np
import pandas as pd
import pytest
import skops.io
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fairdash.engine.demo import load_demo
from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.fixes.compare import compare_fixes, fit_reductions, fit_reweighed, reweighing_weights
from fairdash.present.fixes_report import unmet_message
from fairdash.intake.models import ScoreModel, untrusted_types


@pytest.fixture(scope="module")
def loans():
    """A lending table where women are approved less often, with a proxy (part_time) for sex."""
    rng = np.random.default_rng(3)
    n = 4000
    sex = rng.choice(["female", "male"], n, p=[0.4, 0.6])
    part_time = np.where(sex == "female", rng.random(n) < 0.7, rng.random(n) < 0.1)
    income = rng.normal(50, 12, n) + np.where(sex == "male", 3, 0)
    debt = rng.normal(20, 6, n)
    chance = 1 / (1 + np.exp(-(0.08 * (income - 50) - 0.1 * (debt - 20) - 0.6 * part_time)))
    repaid = np.where(rng.random(n) < chance, "repaid", "defaulted")
    table = pd.DataFrame(
        {
            "income": income.round(1),
            "debt": debt.round(1),
            "part_time": np.where(part_time, "yes", "no"),
            "sex": sex,
            "repaid": repaid,
        }
    )
    return table.iloc[:3000].reset_index(drop=True), table.iloc[3000:].reset_index(drop=True)


FEATURES = ["income", "debt", "part_time", "sex"]
SPEC = AuditSpec(target="repaid", positive_label="repaid", sensitive=("sex",), features=tuple(FEATURES))


def _pipeline():
    encode = ColumnTransformer(
        [
            ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["part_time", "sex"]),
            ("numbers", StandardScaler(), ["income", "debt"]),
        ]
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=1000))])


@pytest.fixture(scope="module")
def fitted(loans):
    train, _ = loans
    return ScoreModel.wrap(_pipeline().fit(train[FEATURES], train["repaid"]), name="loans pipeline")


@pytest.fixture(scope="module")
def fixes(loans, fitted):
    train, test = loans
    return {
        fix.title: fix for fix in compare_fixes(test, SPEC, fitted, train=train, bounds=(0.02, 0.05), reductions_iterations=8)
    }


def _by_name(fixes, name):
    return [fix for fix in fixes.values() if fix.name == name]


def test_reweighing_makes_the_outcome_independent_of_the_group(loans):
    train, _ = loans
    y = (train["repaid"] == "repaid").to_numpy()
    weights = reweighing_weights(y, train["sex"])
    # Independently: weighted positive rate per group, with pandas.
    frame = pd.DataFrame({"y": y, "w": weights, "sex": train["sex"]})
    weighted = frame.assign(wy=frame["w"] * frame["y"]).groupby("sex")[["wy", "w"]].sum()
    for rate in weighted["wy"] / weighted["w"]:
        assert rate == pytest.approx(y.mean(), abs=1e-12)
    assert frame.groupby("sex")["y"].mean().diff().abs().iloc[-1] > 0.05  # unweighted, the groups differ
    assert weights.sum() == pytest.approx(len(y), rel=1e-12)  # the weights keep the table's size


def test_the_reweighed_model_equals_a_direct_weighted_fit(loans):
    train, test = loans
    y = (train["repaid"] == "repaid").to_numpy()
    # The oracle's weights from the formula, counted by pandas: P(a) P(y) / P(a, y).
    joint = train.groupby(["sex", "repaid"]).size() / len(train)
    p_group, p_outcome = train["sex"].value_counts(normalize=True), train["repaid"].value_counts(normalize=True)
    weights = np.array([p_group[a] * p_outcome[o] / joint[(a, o)] for a, o in zip(train["sex"], train["repaid"])])
    direct = clone(_pipeline()).fit(train[FEATURES], train["repaid"], model__sample_weight=weights)
    ours = fit_reweighed(_pipeline(), train[FEATURES], train["repaid"], y, train["sex"])
    np.testing.assert_allclose(ours.predict_proba(test[FEATURES]), direct.predict_proba(test[FEATURES]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("constraint, moment", [("demographic_parity", DemographicParity), ("equalized_odds", EqualizedOdds)])
def test_reductions_equal_fairlearns_exponentiated_gradient(loans, constraint, moment):
    train, test = loans
    y = (train["repaid"] == "repaid").to_numpy()
    ours = fit_reductions(_pipeline(), train[FEATURES], y, train["sex"], constraint=constraint, bound=0.02, iterations=8)
    theirs = ExponentiatedGradient(
        _pipeline(), moment(difference_bound=0.02), max_iter=8, sample_weight_name="model__sample_weight"
    )
    theirs.fit(train[FEATURES], y.astype(int), sensitive_features=train["sex"])
    np.testing.assert_array_equal(ours.predict(test[FEATURES], random_state=4), theirs.predict(test[FEATURES], random_state=4))


def _assert_equals_metric_frame(fix, y_true, y_pred, groups):
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    for group, row in frame.by_group.iterrows():
        for rate, value in row.items():
            assert fix.table.loc[group, rate] == pytest.approx(value, abs=1e-12), (fix.title, group, rate)
    assert fix.accuracy == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert fix.balanced_accuracy == pytest.approx(balanced_accuracy_score(y_true, y_pred), abs=1e-12)
    assert fix.disparities["demographic_parity_difference"] == pytest.approx(frame.difference()["selection_rate"], abs=1e-12)


def test_every_fix_equals_metric_frame_on_its_own_predictions(loans, fitted, fixes):
    train, test = loans
    y_true = (test["repaid"] == "repaid").to_numpy()
    X, groups = test[FEATURES], test["sex"]
    y = (train["repaid"] == "repaid").to_numpy()
    assert {fix.name for fix in fixes.values()} == {"original", "thresholds", "reweighing", "reductions", "unawareness"}
    assert all(fix.error is None for fix in fixes.values()), {fix.title: fix.error for fix in fixes.values()}

    original = fitted.estimator.predict_proba(X)[:, 1] >= 0.5
    _assert_equals_metric_frame(fixes["Original"], y_true, original, groups)
    assert np.array_equal(original, fitted.estimator.predict(X) == "repaid")  # the default is the model's own predict()

    thresholds = fixes["Thresholds per group"].thresholds
    per_row = groups.map(thresholds).to_numpy()
    _assert_equals_metric_frame(fixes["Thresholds per group"], y_true, fitted.estimator.predict_proba(X)[:, 1] >= per_row, groups)
    assert fixes["Thresholds per group"].disparities["demographic_parity_difference"] <= 0.1 + 1e-12

    reweighed = fit_reweighed(_pipeline(), train[FEATURES], train["repaid"], y, train["sex"])
    _assert_equals_metric_frame(fixes["Reweighing"], y_true, reweighed.predict_proba(X)[:, 1] >= 0.5, groups)

    for fix in _by_name(fixes, "reductions"):
        direct = ExponentiatedGradient(
            _pipeline(), DemographicParity(difference_bound=fix.bound), max_iter=8, sample_weight_name="model__sample_weight"
        )
        direct.fit(train[FEATURES], y.astype(int), sensitive_features=train["sex"])
        _assert_equals_metric_frame(fix, y_true, direct.predict(X, random_state=0).astype(bool), groups)
    assert [fix.bound for fix in _by_name(fixes, "reductions")] == [0.02, 0.05]

    # Unawareness: sex and its proxy part_time are held at their most common value, in training and here.
    (unaware,) = _by_name(fixes, "unawareness")
    assert unaware.title == "Unawareness (without sex, part_time)"
    constant = {"sex": train["sex"].mode()[0], "part_time": train["part_time"].mode()[0]}
    direct = clone(_pipeline()).fit(train[FEATURES].assign(**constant), train["repaid"])
    _assert_equals_metric_frame(unaware, y_true, direct.predict_proba(X.assign(**constant))[:, 1] >= 0.5, groups)


def test_a_refitted_model_downloads_as_skops_needing_no_more_trust_than_the_original(fixes, fitted):
    reweighed = fixes["Reweighing"].model
    content = skops.io.dumps(reweighed)
    assert set(untrusted_types(content, name="m.skops")) <= set(untrusted_types(skops.io.dumps(fitted.estimator), name="m.skops"))
    loaded = skops.io.loads(content, trusted=untrusted_types(content, name="m.skops"))
    assert type(loaded) is type(reweighed)


def test_without_training_rows_the_refits_say_so_and_the_rest_stand(loans, fitted):
    _, test = loans
    fixes = compare_fixes(test, SPEC, fitted, train=None)
    by_name = {fix.name: fix for fix in fixes}
    assert by_name["original"].error is None and by_name["thresholds"].error is None
    for name in ("reweighing", "reductions", "unawareness"):
        assert "add the table it was trained on" in by_name[name].error


def test_a_training_table_missing_a_column_is_named(loans, fitted):
    train, test = loans
    fixes = compare_fixes(test, SPEC, fitted, train=train.drop(columns=["debt"]))
    errors = {fix.name: fix.error for fix in fixes}
    assert errors["reweighing"] == errors["unawareness"] and "debt" in errors["reweighing"]
    assert errors["original"] is None


def test_a_model_that_cannot_be_refitted_or_reweighed_is_said_in_plain_words(loans):
    train, test = loans

    class Rule:
        """Scores by a rule: has predict_proba and classes_, but no get_params (cannot be cloned)."""

        classes_ = np.array(["defaulted", "repaid"])

        def predict_proba(self, X):
            share = (X["income"].to_numpy() > 50).astype(float)
            return np.column_stack([1 - share, share])

    rule = ScoreModel.wrap(Rule(), name="rule")
    errors = {fix.name: fix.error for fix in compare_fixes(test, SPEC, rule, train=train)}
    assert errors["original"] is None and errors["thresholds"] is None
    assert "cannot be cloned and refitted" in errors["reweighing"]

    # KNN takes no sample weights: reweighing and reductions say so; unawareness (no weights) is made.
    knn = Pipeline([("encode", _pipeline().steps[0][1]), ("model", KNeighborsClassifier(15))]).fit(
        train[FEATURES], train["repaid"]
    )
    errors = {fix.name: fix.error for fix in compare_fixes(test, SPEC, ScoreModel.wrap(knn, name="knn"), train=train)}
    assert "KNeighborsClassifier, takes no sample weights" in errors["reweighing"]
    assert "takes no sample weights" in errors["reductions"]
    assert errors["unawareness"] is None


def test_a_constraint_no_fix_meets_is_a_message(loans, fitted, fixes):
    train, test = loans
    # Per-group thresholds can always meet a tolerance (in the worst case by selecting nobody); the
    # refits cannot be made to. Without the thresholds fix, a tolerance of 0 is met by no fix.
    refits = [fix for fix in fixes.values() if fix.name != "thresholds"]
    message = unmet_message(refits, "demographic_parity", 0.0)
    assert message.startswith("No fix brings the demographic parity difference within 0 (tried: Reweighing, Reductions")
    assert unmet_message(list(fixes.values()), "demographic_parity", 0.1) is None  # the thresholds meet 0.1
    worst = max(fix.disparities["demographic_parity_difference"] for fix in refits)
    assert unmet_message(refits, "demographic_parity", worst) is None


def test_another_model_is_judged_on_the_same_rows(loans, fitted):
    train, test = loans
    other = Pipeline([("encode", _pipeline().steps[0][1]), ("model", KNeighborsClassifier(25))]).fit(
        train[FEATURES], train["repaid"]
    )
    fixes = compare_fixes(test, SPEC, fitted, train=None, other_model=ScoreModel.wrap(other, name="candidate"))
    (candidate,) = [fix for fix in fixes if fix.name == "other_model"]
    assert candidate.title == "Another model: candidate"
    y_true = (test["repaid"] == "repaid").to_numpy()
    _assert_equals_metric_frame(candidate, y_true, other.predict_proba(test[FEATURES])[:, 1] >= 0.5, test["sex"])


def test_the_cli_compares_fixes_into_json_and_html(tmp_path, loans, fitted):
    train, test = loans
    test.to_csv(tmp_path / "test.csv", index=False)
    train.to_csv(tmp_path / "train.csv", index=False)
    skops.io.dump(fitted.estimator, tmp_path / "model.skops")
    trusted = untrusted_types(tmp_path / "model.skops")
    code = main(
        [
            "fixes",
            "--data",
            str(tmp_path / "test.csv"),
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
            *[f"--trust-type={name}" for name in trusted],
            "--json",
            str(tmp_path / "fixes.json"),
            "--report",
            str(tmp_path / "fixes.html"),
        ]
    )
    assert code == 0
    document = json.loads((tmp_path / "fixes.json").read_text())
    names = [entry["name"] for entry in document["fixes"]]
    assert names == ["original", "thresholds", "reweighing", "reductions", "reductions", "reductions", "unawareness"]
    audit = json.loads(json.dumps(document["fixes"][0]))
    assert set(audit["disparities"]) >= {"demographic_parity_difference", "equalized_odds_ratio", "four_fifths_pass"}
    assert set(audit["groups"]) == {"female", "male"} and "selection_rate" in audit["groups"]["female"]
    assert all("bound" in entry for entry in document["fixes"] if entry["name"] == "reductions")
    y_true = (test["repaid"] == "repaid").to_numpy()
    assert audit["accuracy"] == pytest.approx(accuracy_score(y_true, fitted.estimator.predict(test[FEATURES]) == "repaid"))
    page = (tmp_path / "fixes.html").read_text()
    assert "Reweighing" in page and "Unawareness (without sex, part_time)" in page


def test_the_cli_refuses_an_unknown_constraint(tmp_path):
    assert (
        main(["fixes", "--data", "x.csv", "--target", "y", "--sensitive", "s", "--model", "m.skops", "--constraint", "parity"])
        == 2
    )


def test_the_demos_carry_their_training_rows():
    adult, german = load_demo("adult"), load_demo("german")
    assert len(adult.train) == 30_162 and len(german.train) == 700 and load_demo("compas").train is None
    assert not set(map(tuple, german.train.to_numpy())) & set(map(tuple, german.data.to_numpy()))


def test_the_audit_report_and_json_gain_the_comparison(loans, fitted, fixes):
    from fairdash.present.report import audit_html, audit_json
    from fairdash.run import run_audit

    _, test = loans
    audit = run_audit(test, SPEC, fitted, with_rules=False, explain_rows=0)
    compared = list(fixes.values())
    document = json.loads(json.dumps(audit_json(audit, compared=("demographic_parity", compared))))
    assert document["fixes_constraint"] == "demographic_parity"
    assert [fix["name"] for fix in document["fixes"]] == [fix.name for fix in compared]
    # The original in the comparison is the audit itself, at the same threshold.
    assert document["fixes"][0]["disparities"]["demographic_parity_difference"] == pytest.approx(
        document["disparities"]["demographic_parity_difference"]
    )
    assert document["fixes"][0]["groups"] == document["groups"]
    assert "fixes" not in audit_json(audit)
    page = audit_html(audit, compared=("demographic_parity", compared))
    assert "Fixes compared (demographic parity)" in page and "Reductions (bound 0.02)" in page
