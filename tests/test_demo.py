import numpy as np
import pytest

from fairdash.audit.inputs import prepare_audit
from fairdash.errors import InvalidInputError
from fairdash.intake.demo import DEMO_TITLES, _adult, load_demo


def test_adult_is_the_uci_split_with_a_model_that_predicts():
    demo = load_demo("adult")
    # The documented sizes of UCI Adult once rows with unknowns are dropped: 30,162 train, 15,060 test.
    assert len(demo.data) == 15_060
    assert demo.data["income"].unique().tolist() in ([">50K", "<=50K"], ["<=50K", ">50K"])
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    accuracy = ((inputs.scores >= 0.5) == inputs.y_true).mean()
    assert accuracy > 0.85  # gradient boosting on Adult reaches about 0.87
    assert inputs.reference == "Male"


def test_adult_model_is_deterministic():
    first = load_demo("adult")
    again = _adult.__wrapped__()  # a second load (of the shipped file), bypassing the cache; tests/test_demo_models.py checks training
    np.testing.assert_array_equal(
        first.model.scores(first.data, positive_label=">50K"),
        again.model.scores(again.data, positive_label=">50K"),
    )


def test_compas_follows_propublicas_filter_and_audits_the_deployed_score():
    demo = load_demo("compas")
    assert len(demo.data) == 6_172  # the row count in ProPublica's analysis
    assert demo.model is None and demo.spec.score == "decile_score"
    inputs = prepare_audit(demo.data, demo.spec)
    assert inputs.scores.min() == 1 and inputs.scores.max() == 10
    assert not inputs.binary_scores
    assert {"African-American", "Caucasian"} <= set(inputs.groups)


def test_german_decodes_sex_and_age_band():
    demo = load_demo("german")
    assert len(demo.data) == 300
    assert set(demo.data["sex"]) == {"male", "female"}
    assert set(demo.data["age_band"]) == {"under 25", "25 and over"}
    assert (demo.data["age_band"] == "under 25").tolist() == (demo.data["age"] < 25).tolist()
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    assert 0.7 < ((inputs.scores >= 0.5) == inputs.y_true).mean() < 0.9


def test_unknown_demo():
    with pytest.raises(InvalidInputError, match="no demo 'mnist'"):
        load_demo("mnist")
    for key in DEMO_TITLES:  # every demo the page offers loads, under its own key
        assert load_demo(key).key == key


def test_compas_defaults_to_propublicas_medium_or_high_cut():
    demo = load_demo("compas")
    assert prepare_audit(demo.data, demo.spec).default_threshold == 5.0
