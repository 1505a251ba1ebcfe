"""Recourse by group: is the way to the other decision as short for one group as for another?

Over the rows the model turns down, each row's nearest counterfactual is searched for
(:func:`fairdash.explain.counterfactuals.search_rows`, the sensitive attributes held). A group's *burden* is the
mean distance from its turned-down rows to their nearest counterfactual found (Sharma et al., CERTIFAI, 2020), with a
bootstrap-t interval over those rows (distances are skewed: the studentized bootstrap follows the skew where a t
interval would not); beside it, the share of its rows with none found within the search
budget (a high share makes the burden look lower than it is). Between groups: the difference (largest minus smallest
burden) and the ratio (smallest over largest), as the audit's disparities are taken. The ratio is judged as the
selection-rate ratio is, by the four-fifths rule (a group whose way is more than 1.25 times as long as another's
fails); the difference is in units of distance and has no bar, like the audit's other ratios. Their intervals are
made as the audit's disparities' are (:func:`fairdash.engine.intervals.disparity_intervals`), from one-sided bounds on
every group's mean burden (:func:`burden_gap_intervals`): they hold whatever the number of groups, where a
percentile bootstrap of a largest-minus-smallest value misses (its largest replicate group sits above the largest
true mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from fairdash.engine.metrics import FOUR_FIFTHS, verdict
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.engine.undefined import Undefined
from fairdash.errors import InvalidInputError, ModelError
from fairdash.explain.counterfactuals import DISTANCE, NO_MODEL, SearchSpace, search_rows
from fairdash.intake.models import ScoreModel

__all__ = [
    "RECOURSE_NAMES",
    "RECOURSE_ROWS",
    "Recourse",
    "recourse_rules",
    "recourse_by_group",
    "why_recourse_undefined",
    "studentized_means",
    "mean_bounds",
    "burden_gap_intervals",
]

RECOURSE_NAMES = ("recourse_burden_difference", "recourse_burden_ratio")
"""The recourse disparities, as the JSON and ``--fail-on`` name them."""

RECOURSE_ROWS = 2000
"""Turned-down rows searched by default: a seeded sample when there are more (the interval covers the sampling)."""

_EXAMPLES = 5000  # real rows the search may start from (a seeded sample of the data)
_CHUNK = 250  # rows searched per batch: about 150,000 candidate rows per model call at most
_DRAWS = 2_000_000  # resampled values held at once by the bootstrap


def recourse_rules() -> dict[str, dict[str, Any] | None]:
    """The rule each recourse disparity is judged by (applied by :func:`fairdash.engine.metrics.verdict`): the burden
    ratio at least 0.8 (the four-fifths rule); the difference, in units of distance, without a rule."""
    return {"recourse_burden_difference": None, "recourse_burden_ratio": {"at_least": FOUR_FIFTHS}}


@dataclass(frozen=True)
class Recourse:
    """Recourse by group (see :func:`recourse_by_group`).

    Attributes
    ----------
    groups : DataFrame
        Per group: ``denied`` (rows turned down), ``searched``, ``found`` (rows with a counterfactual found),
        ``none_found`` (share of those searched), ``burden`` (mean distance to the nearest found; NaN with none),
        ``lower`` and ``upper`` (its bootstrap-t interval).
    disparities : dict
        ``recourse_burden_difference`` and ``recourse_burden_ratio`` over the judged groups (NaN where undefined).
    findings : DataFrame
        Per disparity: ``value``, ``lower``, ``upper``, ``rule``, ``passed`` (None without a rule or a value), ``undefined`` (why: an :class:`~fairdash.engine.undefined.Undefined`, or None).
    left_out : tuple of str
        Groups with fewer than ``min_group_size`` rows with a counterfactual found, left out of the disparities.
    """

    groups: pd.DataFrame
    disparities: dict[str, float]
    findings: pd.DataFrame
    left_out: tuple[str, ...]
    sampled: bool
    searched: int
    denied: int
    evaluated: int
    n_resamples: int
    confidence: float
    random_state: int
    min_group_size: int
    distance: str = DISTANCE


def recourse_by_group(
    model: ScoreModel | None,
    X: pd.DataFrame,
    *,
    scores: np.ndarray,
    thresholds: Any,
    groups: pd.Series,
    space: SearchSpace,
    positive_label: Any,
    max_rows: int = RECOURSE_ROWS,
    min_group_size: int = SMALL_GROUP_SIZE,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    random_state: int = 0,
    progress: Callable[[int, int], object] | None = None,
) -> Recourse:
    """Each group's recourse burden over the rows the model turns down (``score < threshold``).

    Parameters
    ----------
    model : ScoreModel
        The model (``None``, a scores-only audit, is refused with the reason).
    X : DataFrame
        The data, the model's input columns.
    scores, thresholds : arrays
        Every row's score and threshold (one number for all, or one per row).
    groups : Series
        Every row's group label (index of ``X``).
    space : SearchSpace
        Features, scales, constraints (hold the sensitive attributes).
    max_rows : int
        Rows searched at most: a seeded sample of the turned-down rows when there are more.
    min_group_size : int
        Groups with fewer rows whose counterfactual was found are left out of the disparities.
    n_resamples, confidence, random_state
        The bootstrap of the intervals, and the seed of the sample.
    progress : callable, optional
        ``progress(done, total)`` after each batch of rows searched (:class:`fairdash.present.recourse.SearchPace` measures
        the pace of the first batches and estimates the rest).

    Raises
    ------
    ModelError
        Without a model, or when the model fails to score the changed rows.
    InvalidInputError
        ``max_rows`` under 1, or inputs whose lengths differ.
    """
    model, scores, thresholds = _checked_inputs(model, X, scores, thresholds, groups, max_rows)
    rng = np.random.default_rng(random_state)
    denied, searched, examples = _rows_to_search(scores, thresholds, len(X), max_rows, rng)
    nearest, evaluated = _nearest_distances(model, X, scores, thresholds, searched, examples, space, positive_label, progress)
    return _recourse(groups, denied, searched, nearest, evaluated, n_resamples, confidence, random_state, min_group_size, rng)


def _checked_inputs(
    model: ScoreModel | None, X: pd.DataFrame, scores: Any, thresholds: Any, groups: pd.Series, max_rows: Any
) -> tuple[ScoreModel, np.ndarray, np.ndarray]:
    """:func:`recourse_by_group`'s model, scores and thresholds (one per row), refused with the reason when they do not do."""
    if model is None:
        raise ModelError(NO_MODEL)
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 1:
        raise InvalidInputError(f"The rows to search for recourse must be a whole number, 1 or more; got {max_rows!r}.")
    scores = np.asarray(scores, dtype=float)
    thresholds = np.broadcast_to(np.asarray(thresholds, dtype=float), scores.shape)
    if not len(scores) == len(X) == len(groups):
        raise InvalidInputError(
            f"X, scores and groups must have one value per row; got {len(X)}, {len(scores)} and {len(groups)}."
        )
    return model, scores, thresholds


def _rows_to_search(
    scores: np.ndarray, thresholds: np.ndarray, rows: int, max_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows turned down, those searched (a seeded sample of ``max_rows`` when there are more) and the positions of
    the real rows offered as examples."""
    denied = np.flatnonzero(scores < thresholds)
    searched = np.sort(rng.choice(denied, max_rows, replace=False)) if len(denied) > max_rows else denied
    examples = np.sort(rng.choice(rows, min(rows, _EXAMPLES), replace=False))
    return denied, searched, examples


def _recourse(
    groups: pd.Series,
    denied: np.ndarray,
    searched: np.ndarray,
    nearest: np.ndarray,
    evaluated: int,
    n_resamples: int,
    confidence: float,
    random_state: int,
    min_group_size: int,
    rng: np.random.Generator,
) -> Recourse:
    """Each group's burden from the nearest counterfactuals' distances, and the disparities between the groups judged."""
    labels = pd.Series(np.asarray(groups, dtype=object))
    table, distances = _group_table(labels, denied, searched, nearest, n_resamples, confidence, rng)
    # A burden rests on the rows whose counterfactual was found: a group is judged on those, not on the rows searched
    # (one found among 32 searched would otherwise decide the gap on one row).
    judged = table[table["found"] >= min_group_size]
    findings = _findings(judged, distances, n_resamples, confidence, rng)
    return Recourse(
        groups=table,
        disparities={name: float(findings.loc[name, "value"]) for name in RECOURSE_NAMES},
        findings=findings,
        left_out=tuple(str(label) for label in table.index.difference(judged.index, sort=False)),
        sampled=len(searched) < len(denied),
        searched=len(searched),
        denied=len(denied),
        evaluated=evaluated,
        n_resamples=n_resamples,
        confidence=confidence,
        random_state=random_state,
        min_group_size=min_group_size,
    )


def _nearest_distances(
    model: ScoreModel,
    X: pd.DataFrame,
    scores: np.ndarray,
    thresholds: np.ndarray,
    searched: np.ndarray,
    examples: np.ndarray,
    space: SearchSpace,
    positive_label: Any,
    progress: Callable[[int, int], object] | None,
) -> tuple[np.ndarray, int]:
    """Each searched row's distance to its nearest counterfactual found (NaN: none), in batches; and the rows scored."""
    nearest = np.full(len(searched), np.nan)
    evaluated = 0
    seeds = (X.iloc[examples], scores[examples])
    for start in range(0, len(searched), _CHUNK):
        part = searched[start : start + _CHUNK]
        found = search_rows(
            model,
            X.iloc[part],
            thresholds[part],
            space,
            positive_label=positive_label,
            keep=1,
            rounds=1,
            pick=10,
            levels=2,
            points=16,
            examples=seeds,
            seeds=3,
            row_scores=scores[part],
        )
        nearest[start : start + len(part)] = found.nearest(len(part))
        evaluated += int(found.evaluated.sum())
        if progress is not None:
            progress(start + len(part), len(searched))
    return nearest, evaluated


def _group_table(
    labels: pd.Series,
    denied: np.ndarray,
    searched: np.ndarray,
    nearest: np.ndarray,
    n_resamples: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[Any, np.ndarray]]:
    """Per group (every group with a row turned down): rows turned down, searched, found, burden and its interval;
    and each group's distances to the nearest counterfactual found."""
    rows, distances = [], {}
    for label in sorted(set(labels.iloc[denied]), key=str):
        mine = nearest[(labels.iloc[searched] == label).to_numpy()]
        found = distances[label] = mine[np.isfinite(mine)]
        low, high = mean_bounds(found, studentized_means(found, n_resamples, rng), error=(1 - confidence) / 2)
        rows.append(
            {
                "group": label,
                "denied": int((labels.iloc[denied] == label).sum()),
                "searched": len(mine),
                "found": len(found),
                "none_found": 1 - len(found) / len(mine) if len(mine) else np.nan,
                "burden": float(found.mean()) if len(found) else np.nan,
                "lower": low,
                "upper": high,
            }
        )
    table = pd.DataFrame(rows, columns=["group", "denied", "searched", "found", "none_found", "burden", "lower", "upper"])
    return table.set_index("group"), distances


def studentized_means(values: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap-t replicates ``(mean* - mean) / se*`` of the mean of ``values`` (empty without values): a resample
    with no spread counts as 0 when its mean is the mean, as infinitely far otherwise."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return np.empty(0)
    mean, replicates = values.mean(), np.empty(n_resamples)
    step = max(1, _DRAWS // len(values))
    for first in range(0, n_resamples, step):
        drawn = values[rng.integers(0, len(values), size=(min(step, n_resamples - first), len(values)))]
        shift, spread = drawn.mean(axis=1) - mean, drawn.std(axis=1, ddof=1) / np.sqrt(len(values))
        with np.errstate(divide="ignore", invalid="ignore"):
            replicates[first : first + len(drawn)] = np.where(spread > 0, shift / spread, np.sign(shift) * np.inf)
    return np.nan_to_num(replicates, nan=0.0, posinf=np.inf, neginf=-np.inf)


def mean_bounds(values: np.ndarray, studentized: np.ndarray, *, error: float) -> tuple[float, float]:
    """One-sided bootstrap-t bounds on the true mean of ``values`` (non-negative), each meant to miss it with
    probability at most ``error``; the lower bound at least 0. NaN without values; the mean itself for one value or
    values all alike (nothing to resample).

    Examples
    --------
    >>> values = np.array([1.0, 2.0, 3.0, 4.0])
    >>> low, high = mean_bounds(values, studentized_means(values, 1000, np.random.default_rng(0)), error=0.025)
    >>> bool(0 <= low < 2.5 < high)
    True
    """
    values = np.asarray(values, dtype=float)
    if not len(values):
        return np.nan, np.nan
    mean, spread = float(values.mean()), float(values.std(ddof=1)) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    if spread == 0 or not len(studentized):
        return mean, mean
    above, below = np.quantile(studentized, 1 - error, method="higher"), np.quantile(studentized, error, method="lower")
    return max(0.0, mean - above * spread), mean - below * spread


def burden_gap_intervals(
    distances: list[np.ndarray], *, confidence: float = 0.95, n_resamples: int = 1000, rng: np.random.Generator | None = None
) -> dict[str, tuple[float, float]]:
    """Intervals for the largest-minus-smallest and smallest-over-largest true mean burden of these groups (each
    group's distances, every group with some) that cover their truth at least at ``confidence`` whatever the number
    of groups, as :func:`fairdash.engine.intervals.disparity_intervals` does for rates: one end needs only the bounds
    of the two groups whose true means are the extremes, and gets half the error; the other end needs every group's
    bounds at once, and gets the other half split over them (Bonferroni). Each bound is a bootstrap-t bound
    (:func:`mean_bounds`), with resamples enough for its error (at least ``10 / error``)."""
    rng = np.random.default_rng(0) if rng is None else rng
    half = (1 - confidence) / 2
    narrow_error, wide_error = half / 2, half / (2 * len(distances))
    resamples = max(n_resamples, int(np.ceil(10 / wide_error)))
    narrow, wide = [], []
    for values in distances:
        studentized = studentized_means(values, resamples, rng)
        narrow.append(mean_bounds(values, studentized, error=narrow_error))
        wide.append(mean_bounds(values, studentized, error=wide_error))
    (narrow_low, narrow_high), (wide_low, wide_high) = np.array(narrow).T, np.array(wide).T
    difference = (max(0.0, float(wide_low.max() - wide_high.min())), float(narrow_high.max() - narrow_low.min()))
    ratio = (
        float(narrow_low.min() / narrow_high.max()) if narrow_high.max() > 0 else np.nan,
        1.0 if wide_low.max() <= 0 else float(min(1.0, wide_high.min() / wide_low.max())),
    )
    return {"recourse_burden_difference": difference, "recourse_burden_ratio": ratio}


def _findings(
    judged: pd.DataFrame, distances: dict[Any, np.ndarray], n_resamples: int, confidence: float, rng: np.random.Generator
) -> pd.DataFrame:
    """The burden difference and ratio over the judged groups, with intervals that hold whatever the number of
    groups (:func:`burden_gap_intervals`) and verdicts."""
    defined = judged[judged["found"] > 0]
    rules = recourse_rules()
    if len(defined) < 2:
        reason = why_recourse_undefined(judged)
        return pd.DataFrame(
            [
                {"value": np.nan, "lower": np.nan, "upper": np.nan, "rule": rules[name], "passed": None, "undefined": reason}
                for name in RECOURSE_NAMES
            ],
            index=pd.Index(RECOURSE_NAMES, name="disparity"),
            dtype=object,
        )
    intervals = burden_gap_intervals(
        [distances[label] for label in defined.index], confidence=confidence, n_resamples=n_resamples, rng=rng
    )
    burden = defined["burden"].to_numpy()
    values = {
        "recourse_burden_difference": burden.max() - burden.min(),
        "recourse_burden_ratio": burden.min() / burden.max() if burden.max() > 0 else np.nan,
    }
    rows = {}
    for name, value in values.items():
        undefined = None if np.isfinite(value) else Undefined("recourse_zero_burden")
        low, high = intervals[name] if undefined is None else (np.nan, np.nan)
        rows[name] = {
            "value": float(value),
            "lower": low,
            "upper": high,
            "rule": rules[name],
            "passed": verdict(float(value), rules[name]),
            "undefined": undefined,
        }
    # Object columns: a missing rule, verdict or reason stays None (NaN would read as a reason, and is not JSON).
    return pd.DataFrame(list(rows.values()), index=pd.Index(list(rows), name="disparity"), dtype=object)


def why_recourse_undefined(judged: pd.DataFrame) -> Undefined:
    """Why the recourse disparities of these judged groups are undefined, as facts (the number of judged groups with a
    counterfactual found, the groups without); :func:`fairdash.present.sentences.undefined_text` says it in words."""
    if len(judged) < 2:
        return Undefined("recourse_too_few_groups")
    without = tuple(judged.index[judged["found"] == 0])
    return Undefined("recourse_few_found", groups=without, count=len(judged) - len(without))
