"""Why the model decides: SHAP, LIME and permutation importance, as tidy tables.

SHAP values are computed with the fastest exact method the model allows, in the model's own input
space (after a pipeline's preprocessing), and mapped back to the table's columns by summing (a one-hot
encoded column's contributions add up to the original column's). ``base_value + values.sum(axis=1)``
equals the model's output in the stated space:

- tree models, whichever shap's ``TreeExplainer`` reads (scikit-learn's forests and boosting, XGBoost,
  LightGBM, CatBoost; the model is asked, not named): output in log-odds for boosting, probability
  for forests and trees;
- linear models (logistic regression, linear SVMs): ``shap.LinearExplainer`` with the data as
  background; output in log-odds where the model gives probabilities, else its margin;
- anything else: shap's permutation explainer on the probability of the positive class, on a sample
  of rows with a stated background size (model-agnostic, approximate).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.thresholds import thresholds_where_moved
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.models import ScoreModel, match_class, model_input, per_model

__all__ = [
    "Output",
    "DEFAULT_BACKGROUND",
    "ShapResult",
    "explainer_method",
    "transformed_columns",
    "shap_values",
    "model_output",
    "mean_abs_by_group",
    "gap_decomposition",
    "permutation_importance_table",
    "lime_missing_filled",
    "lime_weights",
    "rank_agreement",
    "flip_rates",
]

Output = Literal["probability", "log_odds", "margin", "raw"]

DEFAULT_BACKGROUND = 100
# Keyed by id, not by the model (CatBoost models cannot be hashed); an entry goes when its model does.
_TREE_EXPLAINERS: dict[int, Any] = {}
_NOT_A_TREE = object()


@dataclass(frozen=True)
class ShapResult:
    """SHAP values of some rows, in the table's columns.

    Attributes
    ----------
    values : DataFrame
        Index and columns as the explained ``X``: each feature's contribution to each row's output.
    base_value : float
        The expected output; ``base_value + values.sum(axis=1)`` is each row's output.
    output : {"probability", "log_odds", "margin", "raw"}
        The space of the output: log-odds of the positive class for boosting and logistic models, the
        decision function (a margin) for linear models without probabilities, such as a linear SVM.
    method : str
        The shap explainer used ("tree", "linear" or "permutation").
    background_size : int
        Rows used as background (0 where the method needs none).
    """

    values: pd.DataFrame
    base_value: float
    output: Output
    method: str
    background_size: int


def _estimator(model: Any) -> Any:
    return model.estimator if isinstance(model, ScoreModel) else model


def _split(estimator: Any) -> tuple[Any | None, Any]:
    """(preprocessing, final estimator) of a Pipeline; (None, estimator) otherwise."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1], estimator[-1]
    return None, estimator


def _tree_explainer(final: Any) -> Any | None:
    """shap's TreeExplainer for this model, or None when shap does not read it as trees.

    The model is asked, not named: whatever tree ensemble shap supports (scikit-learn's, XGBoost,
    LightGBM, CatBoost ...) gets the fast exact explainer. The answer is kept per model object.
    """
    known = per_model(_TREE_EXPLAINERS, final, lambda: _build_tree_explainer(final))
    return None if known is _NOT_A_TREE else known


def _build_tree_explainer(final: Any) -> Any:
    import shap

    try:
        return shap.TreeExplainer(final)
    except Exception:  # shap's InvalidModelError and whatever a model's own parser raises: not trees
        return _NOT_A_TREE


def explainer_method(model: Any) -> str:
    """The shap explainer :func:`shap_values` uses for this model: "tree", "linear" (exact and fast) or
    "permutation" (model-agnostic, some hundred model calls per row)."""
    _, final = _split(_estimator(model))
    if _tree_explainer(final) is not None:
        return "tree"
    if hasattr(final, "coef_") and np.ndim(final.coef_) == 2 and final.coef_.shape[0] == 1:
        return "linear"
    return "permutation"


def _positive_index(final: Any, positive_label: Any) -> int:
    classes = list(getattr(final, "classes_", [0, 1]))
    return classes.index(match_class(classes, positive_label, type(final).__name__))


def transformed_columns(preprocessing: Any, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """The preprocessing's output column names, and for each the table column it comes from.

    An output column belongs to the longest input column name it starts with (``sex_Female`` to
    ``sex``); a ColumnTransformer's ``name__`` prefix is ignored. A step that cannot name its
    outputs (a custom transformer without ``get_feature_names_out``) gives ``([], [])``.
    """
    from sklearn.exceptions import NotFittedError

    try:
        # A step fitted on an array names its inputs x0, x1 ...: give it the table's names instead.
        given = None if hasattr(preprocessing, "feature_names_in_") else list(columns)
        names = [str(name) for name in preprocessing.get_feature_names_out(given)]
    except (AttributeError, NotFittedError, ValueError, TypeError):  # a step without names: the caller numbers them
        return [], []
    by_length = sorted(columns, key=len, reverse=True)
    origins = []
    for name in names:
        bare = name.split("__", 1)[1] if "__" in name else name
        origin = next((column for column in by_length if bare == column or bare.startswith(f"{column}_")), bare)
        origins.append(origin)
    return names, origins


def shap_values(
    model: Any,
    X: pd.DataFrame,
    *,
    positive_label: Any = None,
    background: pd.DataFrame | None = None,
    max_rows: int | None = None,
    random_state: int = 0,
    progress: Callable[[float], object] | None = None,
) -> ShapResult:
    """SHAP values of ``model`` on the rows of ``X`` (see the module's description for the methods).

    Parameters
    ----------
    model : fitted scikit-learn estimator or pipeline, or a ScoreModel
    X : DataFrame
        The rows to explain, in the columns the model takes.
    positive_label : optional
        The class whose output is explained (default: the model's second class).
    background : DataFrame, optional
        Rows that stand for "typical" input, for the linear and model-agnostic methods; by default
        a sample of ``X``.
    max_rows : int, optional
        Explain at most this many rows (a random sample, seeded by ``random_state``).
    progress : callable, optional
        Called with the fraction done (0 to 1) during the model-agnostic method.
    """
    estimator = _estimator(model)
    preprocessing, final = _split(estimator)
    if max_rows is not None and len(X) > max_rows:
        X = X.sample(max_rows, random_state=random_state)
    if positive_label is None:
        classes = getattr(final, "classes_", None)  # None for a model that does not record them (some ONNX files)
        positive_label = list(classes)[-1] if classes is not None else 1
    method = explainer_method(estimator)
    if method == "permutation":
        values, base, background_size = _permutation(estimator, X, background, positive_label, random_state, progress)
        return ShapResult(
            values=values, base_value=base, output="probability", method="permutation", background_size=background_size
        )

    positive = _positive_index(final, positive_label)
    transformed, names, origins = _explained_input(preprocessing, final, X, method)
    if method == "tree":
        values, base, output = _tree_shap(final, transformed, positive)
        background_size = 0
    else:  # linear
        background_rows = _background(X if background is None else background, random_state)
        values, base, output = _linear_shap(final, preprocessing, transformed, background_rows, positive)
        background_size = len(background_rows)
    frame = _per_table_column(values, X, names, origins, summed=preprocessing is not None)
    return ShapResult(values=frame, base_value=float(base), output=output, method=method, background_size=background_size)


def _explained_input(preprocessing: Any, final: Any, X: pd.DataFrame, method: str) -> tuple[Any, list[str], list[str]]:
    """The rows as the final estimator takes them, its column names, and the table column each comes from."""
    columns = list(X.columns)
    if preprocessing is not None:
        transformed = _dense(preprocessing.transform(X))
        names, origins = transformed_columns(preprocessing, columns)
        return transformed, names, origins
    if method == "tree":  # shap hands the frame to the model's own library, which wants its training types
        return model_input(final, X), columns, columns
    return X.to_numpy(), columns, columns


def _tree_shap(final: Any, transformed: Any, positive: int) -> tuple[np.ndarray, float, Output]:
    """Exact SHAP values of a tree model for the positive class, their base value, and their space."""
    explainer = _tree_explainer(final)
    if explainer is None:  # the caller chose "tree" because shap reads this model as trees
        raise RuntimeError("shap's TreeExplainer does not read this model as trees.")
    with warnings.catch_warnings():
        # shap tells on every call that a LightGBM binary model's values now come as a list of arrays: a notice of its
        # format, which _positive_class reads in either form, so nothing a user could act on (it cluttered audit's stderr).
        warnings.filterwarnings(
            "ignore", message="LightGBM binary classifier with TreeExplainer shap values output", category=UserWarning
        )
        raw = explainer.shap_values(transformed, check_additivity=False)
    values, base = _positive_class(raw, explainer.expected_value, positive)
    # The space shap explains is the trees' own output: averaged probabilities (forests) or
    # summed log-odds (boosting).
    outputs: dict[str, Output] = {"probability": "probability", "log_odds": "log_odds"}
    output: Output = outputs.get(explainer.model.tree_output, "raw")
    if output != "probability" and positive == 0:  # binary margins score class 1
        values, base = -values, -base
    return values, base, output


def _linear_shap(
    final: Any, preprocessing: Any, transformed: Any, background_rows: pd.DataFrame, positive: int
) -> tuple[np.ndarray, float, Output]:
    """Exact SHAP values of a linear model for the positive class against ``background_rows``, their
    base value, and their space."""
    import shap

    masker = _dense(preprocessing.transform(background_rows)) if preprocessing is not None else background_rows.to_numpy()
    explainer = shap.LinearExplainer(final, masker)
    values = np.asarray(explainer.shap_values(transformed), dtype=float)
    base = float(np.ravel(explainer.expected_value)[0])
    if positive == 0:
        values, base = -values, -base
    # A linear model with probabilities (logistic regression) is linear in the log-odds; one without
    # (a linear SVM) in its decision function, a margin.
    output: Output = "log_odds" if callable(getattr(final, "predict_proba", None)) else "margin"
    return values, base, output


def _per_table_column(values: np.ndarray, X: pd.DataFrame, names: list[str], origins: list[str], *, summed: bool) -> pd.DataFrame:
    """The values as a frame indexed as ``X``; when ``summed``, each preprocessed column's values are
    added to the table column it comes from, in the table's order."""
    columns = list(X.columns)
    if len(names) != values.shape[1]:  # the preprocessing does not name its outputs: say what they are
        names = origins = [f"preprocessed column {position}" for position in range(values.shape[1])]
    frame = pd.DataFrame(values, index=X.index, columns=names)
    if summed:
        frame = frame.T.groupby(np.asarray(origins), sort=False).sum().T  # one-hot columns back to their column
        frame = frame.reindex(columns=[c for c in columns if c in frame.columns] + [c for c in frame.columns if c not in columns])
    return frame


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix, dtype=float)


def _background(X: pd.DataFrame, random_state: int) -> pd.DataFrame:
    return X.sample(min(DEFAULT_BACKGROUND, len(X)), random_state=random_state)


def _positive_class(raw: Any, expected: Any, positive: int) -> tuple[np.ndarray, float]:
    values = np.asarray(raw, dtype=float)
    expected = np.ravel(np.asarray(expected, dtype=float))
    if values.ndim == 3:  # (rows, features, classes)
        return values[:, :, positive], float(expected[positive])
    if isinstance(raw, list):
        return np.asarray(raw[positive], dtype=float), float(expected[positive])
    return values, float(expected[0])


def _permutation(estimator, X, background, positive_label, random_state, progress) -> tuple[pd.DataFrame, float, int]:
    """Model-agnostic: shap's permutation explainer on the positive class's probability (score).

    shap's masker works on a numeric matrix: text and boolean columns go in as codes and are
    decoded before the model sees them. The masker only swaps in values from the background rows,
    so every code decodes to a value the data holds.
    """
    import shap

    wrapped = ScoreModel.wrap(estimator)
    columns = list(X.columns)
    background_rows = _background(X if background is None else background, random_state)
    both = pd.concat([X, background_rows[columns]])
    categories = {
        c: pd.Index(pd.factorize(both[c], use_na_sentinel=False)[1])
        for c in columns
        if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])
    }

    def encode(frame: pd.DataFrame) -> np.ndarray:
        numbers = frame.copy()
        for c, values in categories.items():
            numbers[c] = values.get_indexer(frame[c])
        return numbers.to_numpy(dtype=float)

    lookups = {c: np.asarray(values, dtype=object) for c, values in categories.items()}

    def predict(matrix: np.ndarray) -> np.ndarray:
        # Built column by column, as object arrays where decoded: no type inference per call (shap calls often).
        decoded = {}
        for position, c in enumerate(columns):
            if c in lookups:
                decoded[c] = pd.Series(lookups[c][matrix[:, position].astype(int)], dtype=object, copy=False)
            else:
                decoded[c] = (
                    matrix[:, position].astype(X[c].dtype) if pd.api.types.is_integer_dtype(X[c]) else matrix[:, position]
                )
        return wrapped.scores(pd.DataFrame(decoded, copy=False), positive_label=positive_label, features=columns)

    explainer = shap.PermutationExplainer(predict, shap.maskers.Independent(encode(background_rows[columns])), seed=random_state)
    rows = encode(X)
    chunks = []
    step = max(1, len(X) // 20)
    for start in range(0, len(X), step):
        chunks.append(explainer(rows[start : start + step], silent=True))  # our own progress, not shap's bars on stderr
        if progress is not None:
            progress(min(1.0, (start + step) / len(X)))
    values = np.vstack([chunk.values for chunk in chunks])
    base = float(np.ravel(chunks[0].base_values)[0])
    return pd.DataFrame(values, index=X.index, columns=columns), base, len(background_rows)


def model_output(model: Any, X: pd.DataFrame, output: Output, *, positive_label: Any = None) -> np.ndarray:
    """The model's output on ``X`` in the space SHAP values add up to (for checks and the what-if)."""
    estimator = _estimator(model)
    preprocessing, final = _split(estimator)
    transformed = _dense(preprocessing.transform(X)) if preprocessing is not None else X
    if positive_label is None:
        positive_label = list(getattr(final, "classes_", [0, 1]))[-1]
    positive = _positive_index(final, positive_label)
    if output == "probability":
        return np.asarray(final.predict_proba(transformed))[:, positive]
    margin = np.asarray(final.decision_function(transformed), dtype=float)
    return margin if positive == 1 else -margin


def mean_abs_by_group(values: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Mean |SHAP| per feature (rows) for each group (columns), features by overall importance."""
    table = values.abs().groupby(np.asarray(groups.loc[values.index])).mean().T
    order = values.abs().mean().sort_values(ascending=False).index
    return table.loc[order]


def gap_decomposition(values: pd.DataFrame, groups: pd.Series, group: str, other: str) -> pd.Series:
    """Each feature's share of the gap in mean model output between ``group`` and ``other``.

    The difference of the groups' mean SHAP values per feature; because the base value is the same
    for every row, the shares add up exactly to the difference of the groups' mean outputs.
    """
    labels = np.asarray(groups.loc[values.index])
    for label in (group, other):
        if not (labels == label).any():
            raise InvalidInputError(f"No explained row belongs to the group {brief(label)}.")
    gap = values[labels == group].mean() - values[labels == other].mean()
    return gap.reindex(gap.abs().sort_values(ascending=False).index).rename("share of the gap")


def permutation_importance_table(
    model: ScoreModel,
    X: pd.DataFrame,
    y_true: np.ndarray,
    *,
    positive_label: Any,
    n_repeats: int = 5,
    max_rows: int = 2000,
    random_state: int = 0,
) -> pd.DataFrame:
    """How much the ROC AUC drops when each column is shuffled (scikit-learn's permutation importance)."""
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score

    if len(X) > max_rows:
        sample = X.sample(max_rows, random_state=random_state).index
        X, y_true = X.loc[sample], pd.Series(y_true, index=X.index).loc[sample].to_numpy()
    columns = list(X.columns)

    def auc(estimator, features, truth):
        return roc_auc_score(truth, ScoreModel.wrap(estimator).scores(features, positive_label=positive_label, features=columns))

    result = permutation_importance(model.estimator, X, y_true, scoring=auc, n_repeats=n_repeats, random_state=random_state)
    table = pd.DataFrame({"importance": result.importances_mean, "spread": result.importances_std}, index=columns)
    return table.sort_values("importance", ascending=False)


def lime_missing_filled(X: pd.DataFrame, row: Any) -> pd.Series:
    """The value LIME puts in for each missing numeric input of one row (``row``: an index label of ``X``).

    LIME perturbs a row by moving its values between the quartiles of the data, which a missing value
    has no place in: :func:`lime_weights` explains the row with each missing number replaced by its
    column's median (of the values present). A column with no value at all stays missing (the model
    sees it as the data holds it) and is not listed. Empty when the row misses nothing.
    """
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    values = X.loc[row, numeric] if numeric else pd.Series(dtype=float)
    missing = [c for c in numeric if pd.isna(values[c]) and X[c].notna().any()]
    return pd.Series({c: float(X[c].astype(float).median()) for c in missing}, dtype=float, name="filled with")


def _observed_draws(training: pd.DataFrame, random_state: int) -> pd.DataFrame:
    """``training`` with each missing number replaced by a value drawn (seeded) from its column's values present.

    LIME's quartiles and its sampler's means and spreads are then those of the values present (a median
    fill would pile rows up on the median and shift the quartiles). LIME samples each column on its own,
    so breaking the link between columns for these cells loses nothing it uses. A column with no value
    at all becomes 0: LIME sees a constant, and the model gets it back as missing.
    """
    rng = np.random.default_rng(random_state)
    filled = training.copy()
    for c in training.columns[training.isna().any().to_numpy()]:
        present = training[c].dropna().to_numpy()
        gaps = training[c].isna().to_numpy()
        filled.loc[gaps, c] = rng.choice(present, size=int(gaps.sum())) if len(present) else 0.0
    return filled


def _lime_encoded(X: pd.DataFrame) -> tuple[pd.DataFrame, list[int], dict[int, list[str]]]:
    """``X`` as LIME takes it, all floats: each text or boolean column (its position in ``categorical``) replaced by the
    codes of its values as text, whose names are in ``categories``."""
    columns = list(X.columns)
    categorical = [
        i for i, c in enumerate(columns) if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])
    ]
    codes, categories = {}, {}
    for i in categorical:
        values, uniques = pd.factorize(X[columns[i]].astype(str))
        codes[i], categories[i] = values, list(uniques)
    encoded = X.copy()
    for i in categorical:
        encoded[columns[i]] = codes[i]
    encoded = encoded.astype(float)
    return encoded, categorical, categories


def lime_weights(
    model: ScoreModel,
    X: pd.DataFrame,
    row: Any,
    *,
    positive_label: Any,
    num_samples: int = 2000,
    random_state: int = 0,
    training_rows: int = 2000,
) -> pd.Series:
    """LIME's weight for each column on one row (``row`` is an index label of ``X``).

    Text columns are declared categorical to LIME (it draws their values from the data); LIME's
    sampling is seeded by ``random_state`` with ``num_samples`` perturbed rows. Missing numbers: LIME
    learns the data's spread from the values present, and a missing value of the explained row is
    replaced by its column's median (:func:`lime_missing_filled` says which); a column that is missing
    everywhere reaches the model as missing.
    """
    from lime.lime_tabular import LimeTabularExplainer

    columns = list(X.columns)
    encoded, categorical, categories = _lime_encoded(X)
    training = _observed_draws(encoded.sample(min(training_rows, len(encoded)), random_state=random_state), random_state)
    empty = [c for c in columns if encoded[c].isna().all()]
    instance = encoded.loc[row].fillna(lime_missing_filled(X, row)).fillna(0.0)  # 0: an empty column, as in training

    def predict(matrix: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(matrix, columns=columns)
        for i in categorical:
            lookup = np.asarray(categories[i], dtype=object)
            frame[columns[i]] = lookup[np.clip(frame[columns[i]].round().astype(int), 0, len(lookup) - 1)]
        for c in columns:
            if c in X and pd.api.types.is_integer_dtype(X[c]):
                frame[c] = frame[c].round().astype(X[c].dtype)
        frame[empty] = np.nan
        score = model.scores(frame, positive_label=positive_label, features=columns)
        score = np.clip(score, 0, 1) if model.method == "predict_proba" else 1 / (1 + np.exp(-score))
        return np.column_stack([1 - score, score])

    explainer = LimeTabularExplainer(
        training.to_numpy(),
        feature_names=columns,
        categorical_features=categorical,
        categorical_names=categories,
        class_names=["other", "positive"],
        discretize_continuous=True,
        random_state=random_state,
        mode="classification",
    )
    explanation = explainer.explain_instance(instance.to_numpy(), predict, num_features=len(columns), num_samples=num_samples)
    weights = dict(explanation.as_map()[1])
    return pd.Series([weights.get(i, 0.0) for i in range(len(columns))], index=columns, name="LIME weight")


def rank_agreement(first: pd.Series, second: pd.Series) -> float:
    """Spearman's rank correlation of two attributions over the same features."""
    from scipy.stats import spearmanr

    aligned = pd.concat([first, second], axis=1, join="inner").dropna()
    if len(aligned) < 3:
        return float("nan")
    return float(spearmanr(aligned.iloc[:, 0], aligned.iloc[:, 1]).statistic)


def flip_rates(
    model: ScoreModel,
    X: pd.DataFrame,
    column: str,
    threshold: Any,
    *,
    positive_label: Any,
    reference: Any | None = None,
    table: pd.DataFrame | None = None,
    sensitive: Sequence[str] | None = None,
    bins: Any = (),
) -> pd.DataFrame:
    """How often a decision changes when only the sensitive ``column`` is changed.

    Every row gets the reference value (by default the most common); rows already at the reference
    get the second most common. Returns, per original value: rows, decisions changed, flip rate,
    the mean change of the score, the value swapped to, and ``not_judged`` (rows the swap puts in no group).

    ``threshold`` is one threshold, or one per group (``{group label: threshold}``, the audit's groups of ``table``,
    default ``X``, by ``sensitive``, default ``[column]``, banded by ``bins``): a row is judged at its own group's
    threshold before the swap and at the threshold of the group the swap puts it in after it
    (:func:`fairdash.engine.thresholds.thresholds_where_moved`), as the system would judge that person. A swapped row
    whose combination of sensitive values no row has is in no group: it is counted in ``not_judged``, not as a change.
    """
    if column not in X.columns:
        raise InvalidInputError(f"The model does not take {brief(column)}, so changing it cannot change a decision.")
    counts = X[column].value_counts()
    if len(counts) < 2:
        raise InvalidInputError(f"{brief(column)} has a single value; there is nothing to swap.")
    reference = counts.index[0] if reference is None else reference
    alternative = next(value for value in counts.index if value != reference)
    swapped = X.copy()
    swapped[column] = np.where(X[column] == reference, alternative, reference)
    columns = list(X.columns)
    before = model.scores(X, positive_label=positive_label, features=columns)
    after = model.scores(swapped, positive_label=positive_label, features=columns)
    table = X if table is None else table
    grouping = {"sensitive": [column] if sensitive is None else list(sensitive), "bins": bins}
    own = thresholds_where_moved(table, table, threshold, **grouping)
    moved = thresholds_where_moved(table, table.assign(**{column: swapped[column].to_numpy()}), threshold, **grouping)
    judged = np.isfinite(moved)
    changed = judged & ((before >= own) != (after >= moved))
    frame = pd.DataFrame(
        {"value": X[column].astype(str).to_numpy(), "changed": changed, "delta": after - before, "not_judged": ~judged}
    )
    result = frame.groupby("value").agg(
        rows=("changed", "size"),
        changed=("changed", "sum"),
        mean_score_change=("delta", "mean"),
        not_judged=("not_judged", "sum"),
    )
    result["flip_rate"] = result["changed"] / (result["rows"] - result["not_judged"]).where(lambda rows: rows > 0)
    result["swapped_to"] = [str(alternative) if value == str(reference) else str(reference) for value in result.index]
    return result
