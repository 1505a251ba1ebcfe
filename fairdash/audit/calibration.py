"""Calibration within groups: does a score mean the same for everyone?

Per group, the reliability curve (mean score against the observed positive rate in each score bin, each point
with its count and an exact interval), the expected calibration error (ECE) with a bootstrap interval, the Brier
score and calibration-in-the-large (mean score minus base rate); and the gap in ECE between the groups, judged by
the rule every difference is judged by (:func:`fairdash.audit.metrics.verdict_rules`).

Bins are each group's own equal-count bins (the edges scikit-learn's ``calibration_curve(strategy="quantile")``
takes: percentiles of the group's scores), or, for a score with at most :data:`VALUE_BINS` distinct values (COMPAS's
deciles), the score's own values. A bin is ``[lower, upper)``: a score equal to ``upper`` falls in the next bin,
except in the last, which holds its upper edge. A score that is not a probability (deciles, a margin) gets the
observed rate per bin only: an ECE, a Brier score or a mean score minus a base rate would compare a rank with a
rate, so they are undefined, with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairdash.audit.intervals import exact_interval, replicate_quantile, resample_counts
from fairdash.audit.metrics import DEFAULT_TOLERANCE, as_bool, rule_text, sensitive_codes, verdict, verdict_rules
from fairdash.audit.spec import SMALL_GROUP_SIZE
from fairdash.errors import InvalidInputError

__all__ = ["N_BINS", "VALUE_BINS", "BinKind", "GroupCalibration", "Calibration", "calibration_by_group", "reliability"]

N_BINS = 10
"""Equal-count bins per group (as scikit-learn's ``calibration_curve`` defaults to 5 uniform ones, but a fairness
audit's groups are usually large enough for deciles)."""

VALUE_BINS = 20
"""A score with at most this many distinct values gets one point per value instead of quantile bins."""

BinKind = Literal["quantile", "score values"]
_POINT_COLUMNS = ["lower", "upper", "mean_score", "observed", "count", "positives", "interval_lower", "interval_upper"]


@dataclass(frozen=True)
class GroupCalibration:
    """One group's calibration.

    ``points``: one row per non-empty bin, columns ``lower, upper`` (the bin's score edges), ``mean_score``,
    ``observed`` (the share of positives), ``count``, ``positives``, ``interval_lower, interval_upper`` (exact
    Clopper-Pearson). ``ece``, ``ece_interval``, ``brier`` and ``in_the_large`` are NaN for a score that is not
    a probability."""

    points: pd.DataFrame
    ece: float
    ece_interval: tuple[float, float]
    brier: float
    in_the_large: float
    count: int


@dataclass(frozen=True)
class Calibration:
    """Calibration of every group, and the gap in ECE between the groups judged (see :func:`calibration_by_group`).

    ``undefined`` says why the ECE gap is undefined (``None`` when it is defined); ``notes`` are plain words about
    the score (0/1 predictions, a constant score) a page shows beside the chart."""

    bins: BinKind
    groups: dict[str, GroupCalibration]
    probability: bool
    judged: tuple[str, ...]
    ece_difference: float
    ece_difference_interval: tuple[float, float]
    rule: dict[str, Any] | None
    passed: bool | None
    undefined: str | None
    notes: tuple[str, ...]
    confidence: float
    n_resamples: int
    random_state: int

    @property
    def rule_text(self) -> str:
        """The rule the gap is judged by, as ``"<= 0.1"``."""
        return rule_text(self.rule)

    @property
    def method(self) -> str:
        """How the intervals were computed, in words."""
        return (f"points: exact (Clopper-Pearson) {self.confidence:.0%} intervals; each ECE: {self.n_resamples:,} bootstrap resamples "
                f"of the group's counts per (bin, outcome), seed {self.random_state}, percentile interval widened to hold the "
                f"estimate; the gap: every judged group's interval at once (Bonferroni), largest minus smallest")


def reliability(y_true: Any, scores: Any, *, bins: BinKind = "quantile", n_bins: int = N_BINS,
                confidence: float = 0.95, positive_label: Any = 1) -> pd.DataFrame:
    """The reliability points of one set of scores (see :class:`GroupCalibration` for the columns).

    ``bins="quantile"``: edges at the ``n_bins`` equal-count percentiles of ``scores`` (duplicates merged);
    ``"score values"``: one point per distinct score (``lower == upper``).

    Examples
    --------
    >>> reliability([0, 1, 1, 0], [0.2, 0.8, 0.8, 0.2], bins="score values")["observed"].tolist()
    [0.0, 1.0]
    """
    truth = as_bool(y_true, positive_label)
    values = np.asarray(scores, dtype=float).ravel()
    if len(values) == 0:
        return pd.DataFrame(columns=_POINT_COLUMNS)
    if bins == "score values":
        edges = np.unique(values)
        index = np.searchsorted(edges, values)
        lower, upper = edges, edges
    else:
        edges = np.unique(np.percentile(values, np.linspace(0, 100, n_bins + 1)))
        index = np.searchsorted(edges[1:-1], values, side="right")  # [lower, upper); the last bin holds its upper edge
        lower, upper = edges[:-1] if len(edges) > 1 else edges, edges[1:] if len(edges) > 1 else edges
    size = len(lower)
    count = np.bincount(index, minlength=size)
    positives = np.bincount(index, weights=truth, minlength=size)
    score_sum = np.bincount(index, weights=values, minlength=size)
    kept = count > 0
    low, high = exact_interval(positives[kept], count[kept], confidence=confidence)
    return pd.DataFrame({
        "lower": lower[kept], "upper": upper[kept], "mean_score": score_sum[kept] / count[kept],
        "observed": positives[kept] / count[kept], "count": count[kept], "positives": positives[kept].astype(np.int64),
        "interval_lower": low, "interval_upper": high,
    })


def calibration_by_group(
    y_true: Any,
    scores: Any,
    sensitive: Any,
    *,
    probability: bool | None = None,
    n_bins: int = N_BINS,
    min_group_size: int = SMALL_GROUP_SIZE,
    tolerance: float = DEFAULT_TOLERANCE,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    random_state: int = 0,
    positive_label: Any = 1,
) -> Calibration:
    """Calibration within each group, and the gap in expected calibration error between them.

    Parameters
    ----------
    y_true : array-like
        The outcomes: booleans or 0/1, or classes with ``positive_label`` naming the positive one
        (:func:`fairdash.audit.metrics.as_bool`); a missing outcome is refused.
    scores : array of float
    sensitive : Series, array, DataFrame or GroupCodes
        Each row's group (as for :func:`fairdash.audit.metrics.group_metrics`).
    probability : bool, optional
        Whether the scores are probabilities (ECE, Brier score and calibration-in-the-large are defined only
        then); by default, when every score lies in [0, 1] and they are not only 0 and 1.
    n_bins : int
        Equal-count bins per group, unless the score has at most :data:`VALUE_BINS` distinct values.
    min_group_size : int
        Groups with fewer rows are left out of the gap (they keep their points).
    tolerance : float
        The gap passes at this or less, as every difference does.

    Raises
    ------
    InvalidInputError
        When the lengths differ, a score is not finite, an outcome is missing or not matched by ``positive_label``,
        or ``n_bins`` is under 1.
    """
    truth = as_bool(y_true, positive_label)
    values = np.asarray(scores, dtype=float).ravel()
    codes, labels = sensitive_codes(sensitive)
    if not len(truth) == len(values) == len(codes):
        raise InvalidInputError(f"y_true, scores and sensitive must have one value per row; got {len(truth)}, {len(values)} and {len(codes)}.")
    if not np.isfinite(values).all():
        raise InvalidInputError("Calibration needs finite scores; some are missing or infinite.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise InvalidInputError(f"The number of bins must be a whole number, 1 or more; got {n_bins!r}.")
    distinct = np.unique(values)
    predictions = bool(np.isin(distinct, (0.0, 1.0)).all())
    if probability is None:
        probability = bool(distinct[0] >= 0 and distinct[-1] <= 1 and not predictions)
    kind: BinKind = "score values" if len(distinct) <= VALUE_BINS else "quantile"
    rng = np.random.default_rng(random_state)
    groups, replicates = {}, {}
    for code, label in enumerate(labels):
        rows = codes == code
        groups[label], replicates[label] = _group_calibration(
            truth[rows], values[rows], kind, n_bins, probability, confidence, n_resamples, rng)
    return _with_gap(groups, replicates, kind=kind, probability=probability, predictions=predictions, constant=len(distinct) == 1,
                     min_group_size=min_group_size, tolerance=tolerance, confidence=confidence, n_resamples=n_resamples,
                     random_state=random_state)


def _group_calibration(truth: np.ndarray, values: np.ndarray, kind: BinKind, n_bins: int, probability: bool, confidence: float,
                       n_resamples: int, rng: np.random.Generator) -> tuple[GroupCalibration, np.ndarray]:
    """One group's calibration, and its ECE's bootstrap replicates (NaN when the ECE is undefined)."""
    points = reliability(truth, values, bins=kind, n_bins=n_bins, confidence=confidence)
    undefined = np.full(n_resamples, np.nan)
    if not probability or len(values) == 0:
        return GroupCalibration(points, np.nan, (np.nan, np.nan), np.nan, np.nan, len(values)), undefined
    # ECE = sum over bins of |positives - sum of scores| / rows. The bootstrap resamples the counts per (bin,
    # outcome) cell and keeps each cell's mean score: rows within a bin differ little in score, and resampling
    # counts costs nothing in the number of rows (as the rates' intervals do).
    bin_of = np.searchsorted(points["lower"].to_numpy(), values, side="right") - 1 if kind == "quantile" else \
        np.searchsorted(points["lower"].to_numpy(), values)
    cells = np.bincount(bin_of * 2 + truth, minlength=2 * len(points))
    sums = np.bincount(bin_of * 2 + truth, weights=values, minlength=2 * len(points))
    means = np.divide(sums, cells, out=np.zeros_like(sums), where=cells > 0)
    ece = float(np.abs(points["positives"].to_numpy() - points["mean_score"].to_numpy() * points["count"].to_numpy()).sum() / len(values))
    draws = resample_counts(cells[None, :], n_resamples, rng)[:, 0, :].reshape(n_resamples, -1, 2)
    replicate = np.abs(draws[:, :, 1] - (draws * means.reshape(-1, 2)).sum(axis=2)).sum(axis=1) / len(values)
    interval = _held_interval(replicate, ece, (1 - confidence) / 2)
    brier = float(np.mean((values - truth) ** 2))
    return GroupCalibration(points, ece, interval, brier, float(values.mean() - truth.mean()), len(values)), replicate


def _held_interval(replicate: np.ndarray, estimate: float, error: float) -> tuple[float, float]:
    """The ``error`` and ``1 - error`` percentiles of an ECE's bootstrap replicates, widened to hold the estimate: the
    ECE is biased upward (noise only adds to each bin's distance from the diagonal), so for a well calibrated group
    the replicates can all lie above the estimate."""
    low, high = (float(replicate_quantile(replicate[:, None], q)[0]) for q in (error, 1 - error))
    return min(low, estimate), max(high, estimate)


def _with_gap(groups: dict[str, GroupCalibration], replicates: dict[str, np.ndarray], *, kind: BinKind, probability: bool,
              predictions: bool, constant: bool, min_group_size: int, tolerance: float, confidence: float, n_resamples: int,
              random_state: int) -> Calibration:
    """The groups' calibration with the ECE gap over the groups of at least ``min_group_size`` rows, its interval
    (percentiles of the gap over the groups' joint replicates) and its verdict."""
    judged = tuple(label for label, group in groups.items() if group.count >= min_group_size)
    # Every difference is judged by the same rule: take it from where verdicts are decided.
    rule = verdict_rules(tolerance)["equal_opportunity_difference"]
    notes = []
    if predictions:
        notes.append("The scores are 0/1 predictions, not scores: each group's two points are the share of positives among "
                     "the rows predicted 0 and among those predicted 1 (its precision). A calibration curve needs a score.")
    if constant:
        notes.append("Every row has the same score: each group has one point, its base rate, and nothing shows how the "
                     "observed rate follows the score.")
    if not probability:
        undefined = ("the score is not a probability (" + ("0/1 predictions" if predictions else "its values lie outside 0 to 1")
                     + "), so only the observed rate per score value is shown; an ECE would compare a rank with a rate")
    elif len(judged) < 2:
        undefined = f"fewer than two groups have {min_group_size} rows or more"
    else:
        undefined = None
    if undefined is not None:
        gap, interval = np.nan, (np.nan, np.nan)
    else:
        # As the disparities' intervals are made (fairdash.audit.intervals.disparity_intervals): every judged group's
        # interval at once (Bonferroni over the groups), then the largest minus the smallest of them. A percentile
        # bootstrap of the gap itself can leave out its own estimate (the ECE of a well calibrated group is biased up).
        eces = np.array([groups[label].ece for label in judged])
        bounds = np.array([_held_interval(replicates[label], groups[label].ece, (1 - confidence) / (2 * len(judged))) for label in judged])
        gap = float(eces.max() - eces.min())
        interval = (max(0.0, float(bounds[:, 0].max() - bounds[:, 1].min())), float(bounds[:, 1].max() - bounds[:, 0].min()))
    return Calibration(bins=kind, groups=groups, probability=probability, judged=judged, ece_difference=gap,
                       ece_difference_interval=interval, rule=rule, passed=verdict(gap, rule), undefined=undefined,
                       notes=tuple(notes), confidence=confidence, n_resamples=n_resamples, random_state=random_state)
