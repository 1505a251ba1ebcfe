"""Calibration within groups: does a score mean the same for everyone?

Per group, the reliability curve (mean score against the observed positive rate in each score bin, each point
with its count and an exact interval), the expected calibration error (ECE) with an interval, the Brier score and
calibration-in-the-large (mean score minus base rate); and the gap in ECE between the groups.

The ECE of a calibrated group is not 0: noise alone moves each bin's observed rate off the diagonal, the more so the
fewer the rows (about 0.19 at 30 rows, 0.10 at 100, 0.01 at 10,000 with ten bins). So nothing is judged against 0:
each group's ECE, and the gap between the groups, are set against what calibrated groups with the same rows would
show, simulated by drawing every row's outcome from its own score (a Monte Carlo test; the p-values corrected by
Holm over the tests made). A finding fails when the figure exceeds, by more than the tolerance, what calibrated
groups show.

The ECE's interval is for its truth given the rows: over the same bins, ``sum(bin rows / rows * |mean true
probability - mean score|)``. The truth and the ECE differ by at most how far noise moves each bin's observed
rate from its true rate; the interval is the ECE plus and minus a high quantile of that distance, simulated from
each bin's rate pulled toward 1/2 (:func:`ece_noise`). It can miss its truth, and covers it at least at its level
(checked by simulation with known truth).

Bins are each group's own equal-count bins (the edges scikit-learn's ``calibration_curve(strategy="quantile")``
takes: percentiles of the group's scores), or, for a score with at most :data:`VALUE_BINS` distinct values (COMPAS's
deciles), the score's own values. A bin is ``[lower, upper)``: a score equal to ``upper`` falls in the next bin,
except in the last, which holds its upper edge. A score that is not a probability (deciles, a margin) gets the
observed rate per bin only: an ECE, a Brier score or a mean score minus a base rate would compare a rank with a
rate, so they are undefined, with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairdash.engine.intervals import exact_interval
from fairdash.engine.metrics import DEFAULT_TOLERANCE, as_bool, check_tolerance, sensitive_codes
from fairdash.engine.rates import FLOAT_TOLERANCE
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.engine.undefined import Undefined
from fairdash.errors import InvalidInputError

__all__ = [
    "N_BINS",
    "VALUE_BINS",
    "BinKind",
    "GroupCalibration",
    "Calibration",
    "calibration_by_group",
    "reliability",
    "ece_bounds",
    "ece_noise",
    "calibrated_eces",
    "holm",
    "GAP_FINDING",
    "group_finding",
    "CalibrationNote",
    "CALIBRATION_NOTES",
    "CalibrationRule",
]

N_BINS = 10
"""Equal-count bins per group (as scikit-learn's ``calibration_curve`` defaults to 5 uniform ones, but a fairness
audit's groups are usually large enough for deciles)."""

VALUE_BINS = 20
"""A score with at most this many distinct values gets one point per value instead of quantile bins."""

BinKind = Literal["quantile", "score values"]

CalibrationNote = Literal["predictions", "constant"]

CALIBRATION_NOTES: tuple[CalibrationNote, ...] = ("predictions", "constant")
"""What a page says about the score beside the calibration chart: the scores are 0/1 predictions (``predictions``);
every row has the same score (``constant``)."""
_POINT_COLUMNS = ["lower", "upper", "mean_score", "observed", "count", "positives", "interval_lower", "interval_upper"]


GAP_FINDING = "ece_difference"
"""The name of the finding on the gap in ECE between the groups (the per-group ones: :func:`group_finding`)."""

_DRAWS = 2_000_000  # simulated outcomes held at once (16 MB of them) when drawing calibrated groups


def group_finding(label: Any) -> str:
    """The name of the finding on one group's calibration: ``"ece[<group>]"``."""
    return f"ece[{label}]"


@dataclass(frozen=True)
class GroupCalibration:
    """One group's calibration.

    ``points``: one row per non-empty bin, columns ``lower, upper`` (the bin's score edges), ``mean_score``,
    ``observed`` (the share of positives), ``count``, ``positives``, ``interval_lower, interval_upper`` (exact
    Clopper-Pearson). ``ece_interval`` is for the ECE's truth over these bins (:func:`ece_bounds`, from the
    replicates ``noise`` of :func:`ece_noise`);
    ``ece_if_calibrated`` is the mean ECE of calibrated groups with the same rows (each row's outcome drawn from
    its score), what the ECE is to be set against. ``ece``, ``ece_interval``, ``ece_if_calibrated``, ``brier`` and
    ``in_the_large`` are NaN for a score that is not a probability."""

    points: pd.DataFrame
    ece: float
    ece_interval: tuple[float, float]
    brier: float
    in_the_large: float
    count: int
    ece_if_calibrated: float = float("nan")
    noise: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)


@dataclass(frozen=True)
class CalibrationRule:
    """The rule a calibration finding is judged by (:func:`fairdash.present.sentences.calibration_rule_text` says it): it
    passes at most ``at_most`` above what calibrated groups with the same rows show, a Monte Carlo p-value of ``alpha`` or
    more after Holm over ``tests`` tests."""

    at_most: float
    alpha: float
    tests: int


@dataclass(frozen=True)
class Calibration:
    """Calibration of every group, and the gap in ECE between the groups judged (see :func:`calibration_by_group`).

    ``findings``: one row per test, the gap's (:data:`GAP_FINDING`) and each group's (:func:`group_finding`), columns
    ``value`` (the ECE or the gap), ``if_calibrated`` (its mean over calibrated groups with the same rows),
    ``p_value`` (Monte Carlo), ``p_adjusted`` (Holm over the defined findings), ``rule`` (a :class:`CalibrationRule`), ``passed``
    (None when undefined) and ``undefined`` (why: an :class:`~fairdash.engine.undefined.Undefined`, or None). ``passed``
    and ``undefined`` of the calibration are the gap's. ``notes``: what a page says about the score beside the chart
    (:data:`CALIBRATION_NOTES`; :func:`fairdash.present.sentences.calibration_notes` writes them)."""

    bins: BinKind
    groups: dict[str, GroupCalibration]
    probability: bool
    judged: tuple[str, ...]
    ece_difference: float
    ece_difference_interval: tuple[float, float]
    ece_difference_if_calibrated: float
    findings: pd.DataFrame
    tolerance: float
    passed: bool | None
    undefined: Undefined | None
    notes: tuple[CalibrationNote, ...]
    confidence: float
    n_resamples: int
    random_state: int

    @property
    def rule(self) -> CalibrationRule:
        """The rule the gap (and every group's ECE) is judged by."""
        return self.findings.loc[GAP_FINDING, "rule"]


def reliability(
    y_true: Any,
    scores: Any,
    *,
    bins: BinKind = "quantile",
    n_bins: int = N_BINS,
    confidence: float = 0.95,
    positive_label: Any = 1,
) -> pd.DataFrame:
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
    return pd.DataFrame(
        {
            "lower": lower[kept],
            "upper": upper[kept],
            "mean_score": score_sum[kept] / count[kept],
            "observed": positives[kept] / count[kept],
            "count": count[kept],
            "positives": positives[kept].astype(np.int64),
            "interval_lower": low,
            "interval_upper": high,
        }
    )


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
        (:func:`fairdash.engine.metrics.as_bool`); a missing outcome is refused.
    scores : array of float
    sensitive : Series, array, DataFrame or GroupCodes
        Each row's group (as for :func:`fairdash.engine.metrics.group_metrics`).
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
    truth, values, codes, labels = _checked(y_true, scores, sensitive, positive_label, n_bins, tolerance)
    distinct, predictions, probability, kind = _score_kind(values, probability)
    groups, nulls = _each_group(truth, values, codes, labels, kind, n_bins, probability, confidence, n_resamples, random_state)
    return _with_gap(
        groups,
        nulls,
        kind=kind,
        probability=probability,
        predictions=predictions,
        constant=len(distinct) == 1,
        min_group_size=min_group_size,
        tolerance=tolerance,
        confidence=confidence,
        n_resamples=n_resamples,
        random_state=random_state,
    )


def _score_kind(values: np.ndarray, probability: bool | None) -> tuple[np.ndarray, bool, bool, BinKind]:
    """The distinct scores; whether they are only 0 and 1 (predictions); whether they are probabilities (as given, else
    when every score lies in [0, 1] and they are not predictions); how they are binned."""
    distinct = np.unique(values)
    predictions = bool(np.isin(distinct, (0.0, 1.0)).all())
    if probability is None:
        probability = bool(distinct[0] >= 0 and distinct[-1] <= 1 and not predictions)
    kind: BinKind = "score values" if len(distinct) <= VALUE_BINS else "quantile"
    return distinct, predictions, probability, kind


def _each_group(
    truth: np.ndarray,
    values: np.ndarray,
    codes: np.ndarray,
    labels: Any,
    kind: BinKind,
    n_bins: int,
    probability: bool,
    confidence: float,
    n_resamples: int,
    random_state: int,
) -> tuple[dict[Any, GroupCalibration], dict[Any, np.ndarray]]:
    """Each group's calibration and the null draws of its ECE, by label, from one generator seeded with ``random_state``."""
    rng = np.random.default_rng(random_state)
    groups: dict[Any, GroupCalibration] = {}
    nulls: dict[Any, np.ndarray] = {}
    for code, label in enumerate(labels):
        rows = codes == code
        groups[label], nulls[label] = _group_calibration(
            truth[rows], values[rows], kind, n_bins, probability, confidence, n_resamples, rng
        )
    return groups, nulls


def _checked(
    y_true: Any, scores: Any, sensitive: Any, positive_label: Any, n_bins: Any, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """:func:`calibration_by_group`'s inputs checked: the outcomes as booleans, the scores, the group codes and labels."""
    truth = as_bool(y_true, positive_label)
    values = np.asarray(scores, dtype=float).ravel()
    codes, labels = sensitive_codes(sensitive)
    if not len(truth) == len(values) == len(codes):
        raise InvalidInputError(
            f"y_true, scores and sensitive must have one value per row; got {len(truth)}, {len(values)} and {len(codes)}."
        )
    if not np.isfinite(values).all():
        raise InvalidInputError("Calibration needs finite scores; some are missing or infinite.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise InvalidInputError(f"The number of bins must be a whole number, 1 or more; got {n_bins!r}.")
    check_tolerance(tolerance)
    return truth, values, codes, list(labels)


def _group_calibration(
    truth: np.ndarray,
    values: np.ndarray,
    kind: BinKind,
    n_bins: int,
    probability: bool,
    confidence: float,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[GroupCalibration, np.ndarray]:
    """One group's calibration, and the ECEs of ``n_resamples`` calibrated groups with its rows (NaN when undefined)."""
    points = reliability(truth, values, bins=kind, n_bins=n_bins, confidence=confidence)
    undefined = np.full(n_resamples, np.nan)
    if not probability or len(values) == 0:
        return GroupCalibration(points, np.nan, (np.nan, np.nan), np.nan, np.nan, len(values)), undefined
    # ECE = sum over bins of |positives - sum of scores| / rows.
    ece = float(
        np.abs(points["positives"].to_numpy() - points["mean_score"].to_numpy() * points["count"].to_numpy()).sum() / len(values)
    )
    bin_of = (
        np.searchsorted(points["lower"].to_numpy(), values, side="right") - 1
        if kind == "quantile"
        else np.searchsorted(points["lower"].to_numpy(), values)
    )
    null = calibrated_eces(values, bin_of, len(points), n_resamples, rng)
    noise = ece_noise(points, n_resamples, rng)
    brier = float(np.mean((values - truth) ** 2))
    return GroupCalibration(
        points,
        ece,
        ece_bounds(ece, noise, error=1 - confidence),
        brier,
        float(values.mean() - truth.mean()),
        len(values),
        float(null.mean()),
        noise,
    ), null


def calibrated_eces(values: np.ndarray, bin_of: np.ndarray, bins: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The ECEs of ``n_resamples`` calibrated groups with these rows: each row's outcome drawn from its own score
    (``y ~ Bernoulli(score)``), each row kept in its bin ``bin_of`` (``0 .. bins - 1``, every bin holding a row)."""
    order = np.argsort(bin_of, kind="stable")
    ordered = values[order]
    starts = np.searchsorted(bin_of[order], np.arange(bins))
    expected = np.add.reduceat(ordered, starts)
    eces = np.empty(n_resamples)
    step = max(1, _DRAWS // len(values))
    for first in range(0, n_resamples, step):
        draws = rng.random((min(step, n_resamples - first), len(values))) < ordered
        eces[first : first + len(draws)] = np.abs(np.add.reduceat(draws, starts, axis=1, dtype=np.int64) - expected).sum(
            axis=1
        ) / len(values)
    return eces


def ece_noise(points: pd.DataFrame, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Replicates of how far noise can move an ECE over these bins, ``sum(count / rows * |observed - true rate|)``.

    Each bin's positives are drawn from ``Binomial(count, (positives + 2) / (count + 4))``: the observed rate pulled
    toward 1/2, so that a bin with no positives (or only positives) is not taken to be certain. A bin's rows need
    not share one true probability: their positives then vary less than a binomial's, so the draws err wide."""
    count = points["count"].to_numpy(dtype=np.int64)
    if not len(count):
        return np.full(n_resamples, np.nan)
    pulled = (points["positives"].to_numpy() + 2) / (count + 4)
    draws = rng.binomial(count, pulled, size=(n_resamples, len(count)))
    return np.abs(draws - count * pulled).sum(axis=1) / count.sum()


def ece_bounds(ece: float, noise: np.ndarray, *, error: float) -> tuple[float, float]:
    """An interval for an ECE's truth over its bins, ``sum(count / rows * |mean true probability - mean score|)``,
    meant to miss it with probability at most ``error``: the ECE plus and minus the ``1 - error`` quantile of its
    :func:`ece_noise` (the truth and the ECE differ by at most the noise, bin by bin). It holds the estimate, can
    miss the truth, and is kept within [0, 1].

    Examples
    --------
    >>> [round(end, 3) for end in ece_bounds(0.05, np.linspace(0, 0.1, 101), error=0.05)]
    [0.0, 0.145]
    """
    if ece != ece or not np.isfinite(noise).any():
        return np.nan, np.nan
    margin = float(np.quantile(noise, 1 - error, method="higher"))
    return max(0.0, ece - margin), min(1.0, ece + margin)


def _with_gap(
    groups: dict[str, GroupCalibration],
    nulls: dict[str, np.ndarray],
    *,
    kind: BinKind,
    probability: bool,
    predictions: bool,
    constant: bool,
    min_group_size: int,
    tolerance: float,
    confidence: float,
    n_resamples: int,
    random_state: int,
) -> Calibration:
    """The groups' calibration with the ECE gap over the groups of at least ``min_group_size`` rows, its interval,
    what calibrated groups with the same rows show, and the findings."""
    judged = tuple(label for label, group in groups.items() if group.count >= min_group_size)
    notes = tuple(note for note, holds in zip(CALIBRATION_NOTES, (predictions, constant)) if holds)
    not_probability = None if probability else Undefined("scores_are_predictions" if predictions else "scores_outside_0_1")
    undefined = not_probability or (Undefined("calibration_too_few_groups", count=min_group_size) if len(judged) < 2 else None)
    gap, interval, gap_null = np.nan, (np.nan, np.nan), np.full(n_resamples, np.nan)
    if undefined is None:
        eces = np.array([groups[label].ece for label in judged])
        gap = float(eces.max() - eces.min())
        simulated = np.stack([nulls[label] for label in judged])  # the groups' calibrated ECEs, drawn independently
        gap_null = simulated.max(axis=0) - simulated.min(axis=0)
        # Every judged group's interval at once (Bonferroni over the groups), then the largest minus the smallest.
        bounds = np.array(
            [ece_bounds(groups[label].ece, groups[label].noise, error=(1 - confidence) / len(judged)) for label in judged]
        )
        interval = (max(0.0, float(bounds[:, 0].max() - bounds[:, 1].min())), float(bounds[:, 1].max() - bounds[:, 0].min()))
    tests = {GAP_FINDING: (gap, gap_null, undefined)}
    for label, group in groups.items():
        why = not_probability or (None if label in judged else Undefined("calibration_small_group", count=min_group_size))
        tests[group_finding(label)] = (group.ece, nulls[label], why)
    findings = _findings(tests, tolerance=tolerance, alpha=1 - confidence)
    return Calibration(
        bins=kind,
        groups=groups,
        probability=probability,
        judged=judged,
        ece_difference=gap,
        ece_difference_interval=interval,
        ece_difference_if_calibrated=float(gap_null.mean()),
        findings=findings,
        tolerance=tolerance,
        passed=findings.loc[GAP_FINDING, "passed"],
        undefined=undefined,
        notes=notes,
        confidence=confidence,
        n_resamples=n_resamples,
        random_state=random_state,
    )


def _findings(tests: dict[str, tuple[float, np.ndarray, Undefined | None]], *, tolerance: float, alpha: float) -> pd.DataFrame:
    """Each test (name: observed value, its values over calibrated groups, why undefined) as a finding: the Monte
    Carlo p-value of the value less the tolerance among the calibrated values (the observed one counted with
    them, so that it is a valid p-value), Holm over the defined ones; it fails below ``alpha``."""
    defined = [name for name, (_, _, why) in tests.items() if why is None]
    p_values = {
        name: (1 + np.count_nonzero(null >= value - tolerance - FLOAT_TOLERANCE)) / (1 + len(null))
        for name, (value, null, _) in ((name, tests[name]) for name in defined)
    }
    adjusted = dict(zip(defined, holm([p_values[name] for name in defined])))
    rule = CalibrationRule(at_most=tolerance, alpha=alpha, tests=len(defined))
    rows = []
    for name, (value, null, why) in tests.items():
        p_adjusted = adjusted.get(name, np.nan)
        rows.append(
            {
                "finding": name,
                "value": value if why is None else np.nan,
                "if_calibrated": float(null.mean()) if why is None else np.nan,
                "p_value": p_values.get(name, np.nan),
                "p_adjusted": p_adjusted,
                "rule": rule,
                "passed": None if why is not None else bool(p_adjusted >= alpha),
                "undefined": why,
            }
        )
    frame = pd.DataFrame(index=pd.Index([row.pop("finding") for row in rows], name="finding"))
    for column in rows[0]:  # object columns keep None as None (a frame built from records makes it NaN)
        values = [row[column] for row in rows]
        frame[column] = (
            values
            if column in ("value", "if_calibrated", "p_value", "p_adjusted")
            else pd.Series(values, index=frame.index, dtype=object)
        )
    return frame


def holm(p_values: Any) -> np.ndarray:
    """Holm's step-down adjusted p-values (the family-wise error held at any level whatever the tests' dependence).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    steps = np.maximum.accumulate(np.minimum(1.0, (len(p) - np.arange(len(p))) * p[order]))
    adjusted = np.empty_like(p)
    adjusted[order] = steps
    return adjusted
