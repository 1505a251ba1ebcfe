import numpy as np
import pandas as pd
import pytest

from fairdash.engine.demo import load_demo
from fairdash.engine.inputs import prepare_audit
from fairdash.errors import InvalidInputError
from fairdash.explain.rules import SELECTED, fidelity_by_depth, proxy_strength, surrogate_tree


@pytest.fixture(scope="module")
def adult_surrogate():
    demo = load_demo("adult")
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    X = demo.data[list(demo.spec.features)]
    decisions = inputs.scores >= 0.5
    surrogate = surrogate_tree(X, decisions, max_depth=4, sensitive=demo.data[["sex"]], sensitive_columns=["sex"])
    return X, decisions, surrogate


def test_rules_partition_the_rows(adult_surrogate):
    X, _, surrogate = adult_surrogate
    assigned = surrogate.assign(X)
    assert (assigned >= 0).all()  # every row falls in a rule (and assign_rules refuses overlaps)
    assert surrogate.rules["coverage"].sum() == pytest.approx(1.0)
    assert np.bincount(assigned, minlength=len(surrogate.rules)).tolist() == surrogate.rules["rows"].tolist()


def test_rule_text_reproduces_the_tree(adult_surrogate):
    X, _, surrogate = adult_surrogate
    from_tree = surrogate.tree.predict(surrogate.encoder.transform(X)).astype(bool)
    np.testing.assert_array_equal(surrogate.predict(X), from_tree)


def test_fidelity_is_agreement_on_held_out_rows(adult_surrogate):
    X, decisions, surrogate = adult_surrogate
    held = surrogate.held_out_positions
    assert len(held) == surrogate.held_out_rows == round(0.3 * len(X))
    assert surrogate.fidelity == pytest.approx((surrogate.predict(X)[held] == decisions[held]).mean())
    by_group = pd.Series(surrogate.predict(X)[held] == decisions[held]).groupby(X["sex"].to_numpy()[held]).mean()
    pd.testing.assert_series_equal(surrogate.fidelity_by_group, by_group.rename("fidelity"))
    assert 0.8 < surrogate.fidelity < 1.0


def test_precision_and_flags(adult_surrogate):
    X, decisions, surrogate = adult_surrogate
    assigned = surrogate.assign(X)
    for position, rule in surrogate.rules.iterrows():
        in_rule = assigned == position
        assert rule["precision"] == pytest.approx((decisions[in_rule] == (rule["decision"] == SELECTED)).mean())
        mentions_sex = "sex " in rule["rule"]
        assert rule["tests_sensitive"] == mentions_sex
    # relationship (Husband/Wife) is a strong proxy of sex in Adult.
    assert surrogate.proxies["relationship"] >= 0.3
    assert surrogate.proxies["sex"] == pytest.approx(1.0)


def test_categories_read_as_sets():
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "blue", "green", "black"], 2000)
    size = rng.normal(size=2000)
    decisions = np.isin(colour, ["red", "blue"])
    surrogate = surrogate_tree(pd.DataFrame({"colour": colour, "size": size}), decisions, max_depth=1)
    assert surrogate.fidelity == 1.0
    assert set(surrogate.rules["rule"]) == {
        "IF colour in {black, green} THEN not selected",
        "IF colour in {blue, red} THEN selected",
    }


def test_numbers_and_missing_values():
    rng = np.random.default_rng(1)
    age = rng.integers(18, 80, 1000).astype(float)
    age[::50] = np.nan
    decisions = np.nan_to_num(age, nan=40) > 40
    X = pd.DataFrame({"age": age})
    surrogate = surrogate_tree(X, decisions, max_depth=2)
    assert (surrogate.assign(X) >= 0).all()
    assert any("age > 40.5" in rule or "40.5 < age" in rule for rule in surrogate.rules["rule"])


def test_proxy_strength_and_depth_curve():
    rng = np.random.default_rng(2)
    sex = pd.Series(rng.choice(["f", "m"], 500))
    X = pd.DataFrame(
        {"copy": sex, "noise": rng.normal(size=500), "height": np.where(sex == "m", 180, 165) + rng.normal(size=500)}
    )
    strength = proxy_strength(X, sex)
    assert strength["copy"] == pytest.approx(1.0)
    assert strength["noise"] < 0.2
    assert strength["height"] > 0.9
    curve = fidelity_by_depth(X, (X["noise"] > 0).to_numpy(), depths=[1, 2, 3])
    assert curve["depth"].tolist() == [1, 2, 3]
    assert curve["rules"].is_monotonic_increasing


def test_bad_input():
    with pytest.raises(InvalidInputError, match="one value per row"):
        surrogate_tree(pd.DataFrame({"a": [1, 2]}), [True])
    with pytest.raises(InvalidInputError, match="max_depth"):
        surrogate_tree(pd.DataFrame({"a": [1, 2]}), [True, False], max_depth=0)


def test_surrogate_columns_are_the_models_features_or_every_column_but_ids():
    from fairdash.explain.rules import surrogate_columns

    compas = load_demo("compas")
    columns = surrogate_columns(compas.data, compas.spec, with_model=False)
    assert "id" not in columns and "decile_score" not in columns and "two_year_recid" not in columns
    assert {"age", "race", "priors_count"} <= set(columns)
    adult = load_demo("adult")
    assert surrogate_columns(adult.data, adult.spec, with_model=True) == list(adult.spec.features)


def test_a_large_table_fits_the_tree_on_a_sample_and_measures_fidelity_on_every_held_out_row(monkeypatch):
    from fairdash.explain import rules

    monkeypatch.setattr(rules, "MAX_FIT_ROWS", 2_000)
    rng = np.random.default_rng(3)
    n = 10_000
    X = pd.DataFrame({"income": rng.normal(50, 15, n), "age": rng.integers(18, 80, n)})
    decisions = (X["income"] > 55).to_numpy()
    surrogate = rules.surrogate_tree(X, decisions, max_depth=2)
    assert surrogate.fit_rows == 2_000 and surrogate.held_out_rows == 3_000
    assert surrogate.fidelity > 0.98  # the rule income > 55 is found from the sample
    assert surrogate.rules["rows"].sum() == n  # coverage counts every row
