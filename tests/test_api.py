"""fairdash.audit on the objects a notebook holds: a raw fitted classifier, a DataFrame, Series of the target and the
sensitive attribute. Fairlearn's MetricFrame is the oracle of its numbers."""

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import fairdash
from fairdash.errors import FairdashError, InvalidInputError, ModelError

HOSTILE = "<img src=x onerror=alert(1)>"


def _people(n=900, seed=0, positive="approved", negative="denied"):
    """Features, a text target whose favourable outcome sorts first (so it is predict_proba's column 0), a group."""
    rng = np.random.default_rng(seed)
    group = pd.Series(rng.choice(["north", "south", HOSTILE], size=n, p=[0.5, 0.3, 0.2]), name="region")
    X = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
    logit = X["income"] - 0.7 * X["debt"] + 0.8 * (group == "north") - 0.4 * (group == HOSTILE) + rng.normal(scale=0.8, size=n)
    y = pd.Series(np.where(logit > 0.2, positive, negative), name="decision")
    return X, y, group


@pytest.fixture(scope="module")
def fitted():
    X, y, group = _people()
    clf = RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["approved", "denied"]  # the favourable class is column 0
    return X, y, group, clf


def test_a_raw_classifier_audited_equals_fairlearns_metric_frame(fitted):
    X, y, group, clf = fitted
    audit = fairdash.audit(X, target=y, sensitive=group, model=clf, positive_label="approved", min_group_size=0)
    truth, predicted = (y == "approved").astype(int), (clf.predict(X) == "approved").astype(int)
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=truth,
        y_pred=predicted,
        sensitive_features=group,
    )
    ours = audit.by_group.loc[frame.by_group.index, ["selection_rate", "tpr", "fpr"]]
    np.testing.assert_allclose(ours.to_numpy(), frame.by_group.to_numpy(), rtol=0, atol=1e-12)
    differences, ratios = frame.difference(), frame.ratio()
    for name, expected in {
        "demographic_parity_difference": differences["selection_rate"],
        "demographic_parity_ratio": ratios["selection_rate"],
        "equal_opportunity_difference": differences["tpr"],
        "equal_opportunity_ratio": ratios["tpr"],
        "equalized_odds_difference": max(differences["tpr"], differences["fpr"]),
        "equalized_odds_ratio": min(ratios["tpr"], ratios["fpr"]),
    }.items():
        assert audit.disparities[name] == pytest.approx(expected, abs=1e-12), name
    assert audit.result is audit.details.result and audit.findings.loc["demographic_parity_ratio", "value"] == pytest.approx(
        ratios["selection_rate"]
    )


def test_the_series_forms_equal_the_column_name_forms(fitted):
    X, y, group, clf = fitted
    table = X.assign(decision=y, region=group)
    by_name = fairdash.audit(table, target="decision", sensitive="region", model=clf, positive_label="approved")
    by_series = fairdash.audit(X, target=y, sensitive=group, model=clf, positive_label="approved")
    by_array = fairdash.audit(X, target=y.to_numpy(), sensitive=group.to_frame(), model=clf, positive_label="approved")
    scores = clf.predict_proba(X)[:, 0]
    by_score = fairdash.audit(
        table.assign(p=scores), target="decision", sensitive=["region"], score="p", positive_label="approved"
    )
    by_score_array = fairdash.audit(X, target=y, sensitive=group, score=scores, positive_label="approved")
    for other in (by_series, by_array, by_score, by_score_array):
        pd.testing.assert_frame_equal(other.by_group, by_name.by_group)
        assert json.dumps(other.disparities, default=str) == json.dumps(by_name.disparities, default=str)


def test_two_sensitive_series_make_the_intersectional_groups_of_two_columns(fitted):
    X, y, group, clf = fitted
    other = pd.Series(np.where(X["debt"] > 0, "in debt", "not"), name="debt band")
    by_frame = fairdash.audit(X, target=y, sensitive=pd.concat([group, other], axis=1), model=clf, positive_label="approved")
    by_names = fairdash.audit(
        X.assign(region=group, band=other), target=y, sensitive=["region", "band"], model=clf, positive_label="approved"
    )
    assert len(by_frame.by_group) == 6
    np.testing.assert_array_equal(by_frame.by_group.to_numpy(), by_names.by_group.to_numpy())


def test_a_zero_one_target_needs_no_positive_label_and_a_boolean_one_neither():
    X, y, group = _people(positive=1, negative=0)
    clf = LogisticRegression().fit(X, y)
    ones = fairdash.audit(X, target=y, sensitive=group, model=clf)
    flags = fairdash.audit(X, target=y == 1, sensitive=group, score=clf.predict_proba(X)[:, 1])
    assert ones.spec.positive_label == 1 and flags.spec.positive_label is True
    pd.testing.assert_frame_equal(ones.by_group, flags.by_group)


def test_nothing_heavy_runs_unless_asked(fitted):
    X, y, group, clf = fitted
    plain = fairdash.audit(X, target=y, sensitive=group, model=clf, positive_label="approved")
    assert plain.details.surrogate is None and plain.details.features is None and plain.details.subgroups is None
    asked = fairdash.audit(X, target=y, sensitive=group, model=clf, positive_label="approved", rules=True, explain=True)
    assert asked.details.surrogate is not None and list(asked.details.features.index) != []


def test_a_pipeline_on_text_columns_and_a_model_file(tmp_path, fitted):
    import skops.io

    X, y, group, _ = fitted
    table = X.assign(region=group)
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["region"]), remainder="passthrough"), LogisticRegression()
    ).fit(table, y)
    in_memory = fairdash.audit(table, target=y, sensitive="region", model=pipe, positive_label="approved")
    skops.io.dump(pipe, tmp_path / "pipe.skops")
    trusted = skops.io.get_untrusted_types(file=tmp_path / "pipe.skops")
    assert trusted == []  # a plain pipeline: the file loads without a trust prompt
    from_file = fairdash.audit(table, target=y, sensitive="region", model=tmp_path / "pipe.skops", positive_label="approved")
    pd.testing.assert_frame_equal(in_memory.by_group, from_file.by_group)
    expected = pipe.predict(table) == "approved"
    assert in_memory.by_group["selection_rate"].mul(in_memory.by_group["count"]).sum() == expected.sum()


def test_html_from_the_data_is_text_in_the_notebook_view(fitted, tmp_path):
    X, y, group, clf = fitted
    audit = fairdash.audit(X, target=y.rename(HOSTILE), sensitive=group, model=clf, positive_label="approved", name=HOSTILE)
    shown = audit._repr_html_()
    assert HOSTILE not in shown and "<img" not in shown
    assert shown.count("&lt;img src=x onerror=alert(1)&gt;") >= 2  # the group's row and the title (data and target)
    assert "demographic_parity_ratio" in shown and "95% interval" in shown
    for name in ("demographic_parity_ratio", "equalized_odds_difference"):
        assert f"{audit.disparities[name]:.3f}" in shown
    report = audit.to_html(tmp_path / "a.html").read_text()
    assert HOSTILE not in report
    plain = audit.result._repr_html_()  # the one AuditResult shows itself too, through the same writer
    assert HOSTILE not in plain and plain.count("&lt;img src=x onerror=alert(1)&gt;") >= 1
    assert f"{audit.disparities['demographic_parity_ratio']:.3f}" in plain


def test_json_and_the_store(fitted, tmp_path, monkeypatch):
    X, y, group, clf = fitted
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    audit = fairdash.audit(X, target=y, sensitive=group, model=clf, positive_label="approved")
    text = audit.to_json(tmp_path / "a.json")
    document = json.loads((tmp_path / "a.json").read_text())
    assert text == (tmp_path / "a.json").read_text()
    assert document["disparities"]["demographic_parity_ratio"] == pytest.approx(audit.disparities["demographic_parity_ratio"])
    from fairdash.store.db import AuditStore

    audit_id = audit.save("my audit")
    saved = AuditStore().get(audit_id)
    assert saved.title == "my audit" and saved.table_file is None
    assert json.loads(AuditStore().audit_json(audit_id))["groups"].keys() == document["groups"].keys()


def test_saved_with_its_data_the_table_and_model_read_back_as_they_were(fitted, tmp_path, monkeypatch):
    from fairdash.intake.models import load_model
    from fairdash.intake.tables import read_table
    from fairdash.store.db import AuditStore

    X, y, group, clf = fitted
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    audit = fairdash.audit(
        X.assign(region=group.astype("category")), target=y, sensitive="region", model=clf, positive_label="approved"
    )
    audit_id = audit.save(keep_data=True)
    table, model = AuditStore().stored_file(audit_id, "table"), AuditStore().stored_file(audit_id, "model")
    pd.testing.assert_frame_equal(read_table(table.content, name=table.name), audit.table.reset_index(drop=True))
    again = load_model(model.content, name=model.name, trust_pickle=True)
    np.testing.assert_array_equal(again.estimator.predict_proba(X), clf.predict_proba(X))


# ---- Bad input: a FairdashError that says what to pass -------------------------------------------------------------


class _NotAModel:
    def fit(self, X, y):
        return self


@pytest.mark.parametrize(
    "change, error, message",
    [
        (dict(model=_NotAModel()), ModelError, r"model= takes a fitted classifier with predict_proba.*got a _NotAModel"),
        (
            dict(target="outcome"),
            InvalidInputError,
            r"target= names 'outcome', which is not a column of data .*Pass a column name",
        ),
        (dict(sensitive=["region", "gender"]), InvalidInputError, r"sensitive= names 'gender', which is not a column of data"),
        (dict(target=np.zeros(10)), InvalidInputError, r"The target has 10 values and data has 900 rows: pass one value per row"),
        (
            dict(sensitive="TARGET_SHIFTED"),
            InvalidInputError,
            r"another index than data \(misaligned rows.*reindex\(data.index\)",
        ),
        (dict(positive_label="yes"), InvalidInputError, r"The positive label 'yes' is not a value of 'decision'; its values are"),
        (
            dict(positive_label=None),
            InvalidInputError,
            r"Say which value of the target 'decision' is the favourable outcome: pass "
            r"positive_label= one of its values \('(approved|denied)', '(approved|denied)'\)",
        ),
        (dict(model=None), InvalidInputError, r"Pass model= \(a fitted classifier, or a model file's path\) or score="),
        (dict(score="p"), InvalidInputError, r"Pass model= .* or score= .*, not both"),
        (
            dict(model="no/such/model.skops"),
            InvalidInputError,
            r"model= names the file 'no/such/model.skops', which does not exist",
        ),
    ],
)
def test_bad_input_says_what_to_pass(fitted, change, error, message):
    X, y, group, clf = fitted
    arguments = dict(target="decision", sensitive="region", model=clf, positive_label="approved")
    if change.get("sensitive") == "TARGET_SHIFTED":
        change = dict(target=y.set_axis(y.index + 1), sensitive="region")
    arguments.update(change)
    with pytest.raises(error, match=message) as raised:
        fairdash.audit(X.assign(decision=y, region=group, p=0.5), **arguments)
    assert isinstance(raised.value, FairdashError)


def test_data_that_is_not_a_frame_is_refused():
    with pytest.raises(InvalidInputError, match=r"data= takes a pandas DataFrame .*got a ndarray"):
        fairdash.audit(np.zeros((3, 2)), target=[0, 1, 0], sensitive=["a", "b", "a"], score=[0.1, 0.2, 0.3])
