"""Metrics at any threshold without a pass over the rows, and thresholds that meet a constraint.

:class:`ThresholdCurves` sorts the scores within each group once. A threshold ``t`` then becomes, per
group, one binary search (how many scores lie below ``t``) and a lookup in the cumulative count of
positives: the confusion counts follow, and from them the same table as
:func:`fairdash.engine.metrics.group_metrics` gives for ``scores >= t``. A slider move costs
O(groups x log n), whatever the number of rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Collection, Literal, Mapping

import numpy as np
import pandas as pd

from fairdash.engine.metrics import (
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
    DISPARITY_RATES,
    as_bool,
    disparities_from_rates,
    disparities_from_table,
    drop_small_groups,
    overall_metrics,
    rates,
    sensitive_codes,
    table_from_counts,
)
from fairdash.engine.groups import group_codes, group_keys
from fairdash.engine.rates import FLOAT_TOLERANCE, RATES
from fairdash.engine.spec import SMALL_GROUP_SIZE, bins_used, sensitive_frame
from fairdash.errors import InvalidInputError

__all__ = [
    "Constraint",
    "CONSTRAINTS",
    "Threshold",
    "Suggestion",
    "SUGGESTION_REASONS",
    "ThresholdCurves",
    "default_threshold",
    "SliderScale",
    "slider_scale",
    "check_threshold",
    "thresholds_per_row",
    "decisions_at",
    "thresholds_where_moved",
]

Constraint = Literal["demographic_parity", "equal_opportunity", "equalized_odds"]
CONSTRAINTS: tuple[Constraint, ...] = ("demographic_parity", "equal_opportunity", "equalized_odds")
_EQUALIZED_ODDS_WINDOWS = 400  # window positions searched per rate for equalized odds (a 2-D search)

Threshold = float | Mapping[str, float]

SUGGESTION_REASONS = ("too_few_groups", "beyond_tolerance")
"""Why :meth:`ThresholdCurves.suggest` found no thresholds (a :class:`Suggestion`'s ``reason``): fewer than two groups
are large enough to judge; no per-group thresholds bring the constraint's difference within the tolerance."""


@dataclass(frozen=True)
class Suggestion:
    """Per-group thresholds proposed by :meth:`ThresholdCurves.suggest`.

    ``thresholds`` is ``None`` when no setting meets the constraint, and ``reason`` says why, as a code of
    :data:`SUGGESTION_REASONS` (``None`` when met); :func:`fairdash.present.sentences.suggestion_sentence` says it, or
    what the suggestion costs, in plain words. The search is over the judged groups only; each group in
    ``left_out`` (too small to judge, as in the audit) keeps ``baseline_threshold``, and ``thresholds``
    names it with that value. ``before`` holds every disparity of the judged groups at the baseline
    threshold, ``after`` every one at ``thresholds`` (``None`` when not met), as the audit computes them.
    """

    constraint: str
    tolerance: float
    thresholds: dict[str, float] | None
    accuracy: float
    disparity: float
    baseline_threshold: float
    baseline_accuracy: float
    baseline_disparity: float
    reason: str | None = None
    left_out: tuple[str, ...] = ()
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] | None = None

    @property
    def met(self) -> bool:
        return self.thresholds is not None


class ThresholdCurves:
    """Per-group score curves: the metric table at any threshold, fast.

    Parameters
    ----------
    y_true : array-like
        True labels (``positive_label`` marks the positive class), or booleans.
    scores : array-like of float
        Higher means more likely positive; a row is predicted positive when ``score >= threshold``.
    sensitive : Series, array or DataFrame
        Each row's group, as for :func:`fairdash.engine.metrics.group_metrics`.
    positive_label : default 1

    Attributes
    ----------
    labels : list of str
        The groups, in the order of every per-group result (a fresh list on each read).
    sizes, positives : ndarray of int
        Each group's rows and positive rows (read-only).
    score_range : (float, float)
        The lowest and the highest score.

    Everything is computed when the curves are built, and they never change afterwards: one object is
    shared by every session that audits the same data (``st.cache_resource``), so setting or deleting
    an attribute raises ``AttributeError`` and the arrays are read-only.

    Examples
    --------
    >>> curves = ThresholdCurves([1, 0, 1, 0], [0.9, 0.4, 0.6, 0.2], ["a", "a", "b", "b"])
    >>> curves.metrics_at(0.5).loc["b", "selection_rate"]
    np.float64(0.5)
    """

    # Declared for the type checker; set once in __init__ (past __setattr__, which refuses every later assignment).
    _labels: tuple[str, ...]
    _scores: np.ndarray
    _offsets: np.ndarray
    _cumulative_positives: np.ndarray
    _distinct: np.ndarray
    sizes: np.ndarray
    positives: np.ndarray
    score_range: tuple[float, float]

    def __init__(self, y_true: Any, scores: Any, sensitive: Any, *, positive_label: Any = 1) -> None:
        truth = as_bool(y_true, positive_label)
        values = np.asarray(scores, dtype=float).ravel()
        codes, labels = sensitive_codes(sensitive)
        if not (len(truth) == len(values) == len(codes)):
            raise InvalidInputError(
                f"y_true, scores and sensitive must have one value per row; got {len(truth)}, {len(values)} and {len(codes)}."
            )
        if not np.isfinite(values).all():
            raise InvalidInputError("The scores contain missing or infinite values; scores must be finite numbers.")
        order = np.lexsort((values, codes))  # by group, then by score
        sizes = np.bincount(codes, minlength=len(labels))
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        # cumulative_positives[i]: positives among the first i sorted rows (all groups, in order).
        cumulative_positives = np.concatenate([[0], np.cumsum(truth[order], dtype=np.int64)])
        # Set once, here, past __setattr__ (which refuses every later assignment).
        vars(self).update(
            _labels=tuple(labels),
            _scores=_read_only(values[order]),
            _offsets=_read_only(offsets),
            _cumulative_positives=_read_only(cumulative_positives),
            sizes=_read_only(sizes),
            positives=_read_only(cumulative_positives[offsets[1:]] - cumulative_positives[offsets[:-1]]),
            score_range=(float(values.min()), float(values.max())),
            _distinct=_read_only(np.unique(values)),
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(_IMMUTABLE.format(name=name))

    def __delattr__(self, name: str) -> None:
        raise AttributeError(_IMMUTABLE.format(name=name))

    @property
    def labels(self) -> list[str]:
        """The groups' labels, in the order of every per-group result (a new list: changing it changes nothing here)."""
        return list(self._labels)

    # -- metrics at a threshold ---------------------------------------------------------------------

    def _group_scores(self, group: int) -> np.ndarray:
        return self._scores[self._offsets[group] : self._offsets[group + 1]]

    def _per_group(self, threshold: Threshold) -> np.ndarray:
        if isinstance(threshold, Mapping):
            unknown = set(threshold) - set(self.labels)
            missing = [label for label in self.labels if label not in threshold]
            if unknown or missing:
                problems = [
                    f"no threshold for {', '.join(missing)}" if missing else "",
                    f"no group called {', '.join(sorted(unknown))}" if unknown else "",
                ]
                raise InvalidInputError(f"Per-group thresholds must name each group once: {'; '.join(p for p in problems if p)}.")
            return np.array([check_threshold(threshold[label]) for label in self.labels])
        return np.full(len(self.labels), check_threshold(threshold))

    def _counts_from_below(self, below: np.ndarray) -> np.ndarray:
        """Counts ``tp, fp, tn, fn`` (on the last axis) given how many rows of each group score below."""
        start = self._offsets[:-1]
        false_negatives = self._cumulative_positives[start + below] - self._cumulative_positives[start]
        true_negatives = below - false_negatives
        true_positives = self.positives - false_negatives
        false_positives = self.sizes - below - true_positives
        return np.stack([true_positives, false_positives, true_negatives, false_negatives], axis=-1)

    def counts_at(self, threshold: Threshold) -> np.ndarray:
        """The ``(groups, 4)`` counts ``tp, fp, tn, fn`` for ``scores >= threshold``."""
        thresholds = self._per_group(threshold)
        below = np.array(
            [np.searchsorted(self._group_scores(group), thresholds[group], side="left") for group in range(len(self.labels))],
            dtype=np.int64,
        )
        return self._counts_from_below(below)

    def metrics_at(self, threshold: Threshold) -> pd.DataFrame:
        """The table :func:`~fairdash.engine.metrics.group_metrics` gives for ``scores >= threshold``.

        ``threshold`` is one float for every group, or a ``{group: float}`` mapping naming each group.
        """
        return table_from_counts(self.counts_at(threshold), self.labels)

    def disparities_at(self, threshold: Threshold) -> dict[str, Any]:
        """The disparity summary at ``threshold`` (see :func:`fairdash.engine.metrics.disparities`)."""
        return disparities_from_table(self.metrics_at(threshold))

    # -- curves over every threshold ----------------------------------------------------------------

    def distinct_scores(self, *, max_points: int | None = None) -> np.ndarray:
        """The distinct scores (every threshold that changes a decision), thinned evenly to ``max_points``."""
        values = self._distinct
        if max_points is not None and len(values) > max_points:
            values = values[np.unique(np.linspace(0, len(values) - 1, max_points).round().astype(int))]
        return values

    def counts_over(self, thresholds: np.ndarray) -> np.ndarray:
        """Counts at many global thresholds at once: shape ``(len(thresholds), groups, 4)``."""
        thresholds = np.asarray(thresholds, dtype=float)
        below = np.stack(
            [np.searchsorted(self._group_scores(group), thresholds, side="left") for group in range(len(self.labels))],
            axis=-1,
        )
        return self._counts_from_below(below)

    def tradeoff(self, *, max_points: int = 400) -> pd.DataFrame:
        """Accuracy and every disparity at each global threshold (distinct scores, thinned to ``max_points``)."""
        thresholds = self.distinct_scores(max_points=max_points)
        counts = self.counts_over(thresholds)
        group_rates = rates(counts)
        overall = rates(counts.sum(axis=1))
        curve = pd.DataFrame(
            {"threshold": thresholds, "accuracy": overall["accuracy"], "selection_rate": overall["selection_rate"]}
        )
        for name, values in disparities_from_rates(group_rates).items():
            curve[name] = values
        return curve

    def roc(self, *, max_points: int = 400) -> pd.DataFrame:
        """Each group's ROC curve: rows ``group, threshold, fpr, tpr`` at the distinct scores."""
        thresholds = np.concatenate([self.distinct_scores(max_points=max_points), [np.inf]])
        group_rates = rates(self.counts_over(thresholds))
        frames = [
            pd.DataFrame(
                {"group": label, "threshold": thresholds, "fpr": group_rates["fpr"][:, g], "tpr": group_rates["tpr"][:, g]}
            )
            for g, label in enumerate(self.labels)
        ]
        return pd.concat(frames, ignore_index=True)

    # -- suggestions --------------------------------------------------------------------------------

    def _candidates(self, group: int) -> tuple[np.ndarray, np.ndarray]:
        """A group's candidate thresholds (each distinct score, and one above the maximum: select none)
        with their counts, ordered from the lowest threshold (select all) to the highest."""
        scores = self._group_scores(group)
        distinct, first = np.unique(scores, return_index=True)
        above_all = np.nextafter(distinct[-1], np.inf) if len(distinct) else np.inf
        thresholds = np.append(distinct, above_all)
        below = np.append(first, len(scores))
        # Counts for this group alone, at each candidate.
        start = self._offsets[group]
        false_negatives = self._cumulative_positives[start + below] - self._cumulative_positives[start]
        true_positives = self.positives[group] - false_negatives
        counts = np.stack(
            [true_positives, self.sizes[group] - below - true_positives, below - false_negatives, false_negatives], axis=-1
        )
        return thresholds, counts

    def suggest(
        self,
        constraint: Constraint,
        tolerance: float = DEFAULT_TOLERANCE,
        *,
        objective: Literal["accuracy"] = "accuracy",
        baseline: float | None = None,
        min_group_size: int = SMALL_GROUP_SIZE,
        judged: Collection[str] | None = None,
    ) -> Suggestion:
        """Per-group thresholds that meet ``constraint`` within ``tolerance`` at the highest accuracy, over the judged groups.

        Parameters
        ----------
        constraint : {"demographic_parity", "equal_opportunity", "equalized_odds"}
            Which rates must be equal across groups: selection rate; true positive rate; both the true
            and the false positive rate.
        tolerance : float
            The largest allowed between-group difference of each constrained rate.
        objective : {"accuracy"}
            What to maximise among the settings that meet the constraint.
        baseline : float, optional
            The global threshold the suggestion is compared with (its cost is stated against it);
            by default :func:`default_threshold`. Groups left out of the search keep it.
        min_group_size : int
            Groups with fewer rows are left out of the search, as the audit leaves them out of its
            disparities (:func:`~fairdash.engine.metrics.drop_small_groups`): a small group cannot make the
            constraint infeasible, nor the suggestion disagree with the audit's headline.
        judged : collection of str, optional
            The groups to search over, by name, in place of ``min_group_size`` (the fixes tune on training
            rows for the groups the audit judges on other rows).

        Every distinct score of every judged group is a candidate threshold, so the search is exact for
        demographic parity and equal opportunity: it tries every window ``[low, low + tolerance]`` of
        the constrained rate whose ``low`` is a rate some group can reach, and in each group takes the
        most accurate threshold inside the window. For equalized odds the two windows' positions are
        searched over up to 400 values of each rate. The result is deterministic (no randomization,
        unlike Fairlearn's ThresholdOptimizer).
        """
        _check_suggest_options(constraint, tolerance, objective)
        if baseline is None:
            baseline = default_threshold(self.distinct_scores())
        base_table = self.metrics_at(baseline)
        searched = self._searched(base_table, min_group_size, judged)
        candidates = [self._candidates(group) for group in searched]
        chosen = _best_windows(candidates, DISPARITY_RATES[constraint], tolerance) if len(searched) >= 2 else None
        judged_labels = [self.labels[g] for g in searched]
        if chosen is None:
            return _suggestion(constraint, tolerance, None, None, baseline, base_table, judged_labels)
        thresholds = dict.fromkeys(self.labels, float(baseline))  # the groups left out keep the baseline
        thresholds.update({self.labels[g]: float(candidates[i][0][index]) for i, (g, index) in enumerate(zip(searched, chosen))})
        return _suggestion(constraint, tolerance, thresholds, self.metrics_at(thresholds), baseline, base_table, judged_labels)

    def _searched(self, base_table: pd.DataFrame, min_group_size: int, judged: Collection[str] | None) -> list[int]:
        """The positions of the groups :meth:`suggest` searches over: those named, or those the audit judges."""
        if judged is None:
            kept = set(drop_small_groups(base_table, min_count=min_group_size)[0].index)
        else:
            kept = {str(label) for label in judged}
            unknown = sorted(kept - set(self.labels))
            if unknown:
                raise InvalidInputError(
                    f"No group called {', '.join(unknown[:8])} in these rows; the groups are {', '.join(self.labels[:8])}."
                )
        return [g for g, label in enumerate(self.labels) if label in kept]


_IMMUTABLE = (
    "ThresholdCurves cannot change once built (one object is shared by every session that audits the same data); "
    "cannot set or delete {name!r}: build new curves instead."
)


def _read_only(values: np.ndarray) -> np.ndarray:
    """``values``, marked read-only (the curves own them and never change them)."""
    values.setflags(write=False)
    return values


def _check_suggest_options(constraint: str, tolerance: float, objective: str) -> None:
    """Raise :class:`InvalidInputError` unless the options of :meth:`ThresholdCurves.suggest` are valid."""
    if constraint not in CONSTRAINTS:
        raise InvalidInputError(f"Unknown constraint {constraint!r}; choose one of {', '.join(CONSTRAINTS)}.")
    if objective != "accuracy":
        raise InvalidInputError(f"Unknown objective {objective!r}; the objective is 'accuracy'.")
    if not 0 <= tolerance <= 1:
        raise InvalidInputError(f"The tolerance must lie between 0 and 1; got {tolerance}.")


def _suggestion(
    constraint: str,
    tolerance: float,
    thresholds: dict[str, float] | None,
    table: pd.DataFrame | None,
    baseline: float,
    base_table: pd.DataFrame,
    judged: list[str],
) -> Suggestion:
    """The :class:`Suggestion` of ``thresholds`` (whose metric table is ``table``) against one ``baseline``
    threshold (whose table is ``base_table``); ``thresholds=None`` when no setting meets the constraint.
    Disparities are over the ``judged`` groups, as the audit's; accuracy over every row."""
    disparity_name = f"{constraint}_difference"
    before = _disparity_values(base_table.loc[judged])
    base_accuracy = float(overall_metrics(base_table)["accuracy"])
    left_out = tuple(label for label in base_table.index if label not in set(judged))
    if thresholds is None or table is None:
        reason = "too_few_groups" if len(judged) < 2 else "beyond_tolerance"
        return Suggestion(
            constraint=constraint,
            tolerance=tolerance,
            thresholds=None,
            accuracy=float("nan"),
            disparity=float("nan"),
            baseline_threshold=baseline,
            baseline_accuracy=base_accuracy,
            baseline_disparity=before[disparity_name],
            reason=reason,
            left_out=left_out,
            before=before,
        )
    after = _disparity_values(table.loc[judged])
    return Suggestion(
        constraint=constraint,
        tolerance=tolerance,
        thresholds=thresholds,
        accuracy=float(overall_metrics(table)["accuracy"]),
        disparity=after[disparity_name],
        baseline_threshold=baseline,
        baseline_accuracy=base_accuracy,
        baseline_disparity=before[disparity_name],
        left_out=left_out,
        before=before,
        after=after,
    )


def _disparity_values(table: pd.DataFrame) -> dict[str, float]:
    """Every disparity of a metric table (the judged groups'), as the audit computes them."""
    values = disparities_from_table(table)
    return {name: float(values[name]) for name in DISPARITY_NAMES}


class _RangeArgmax:
    """Sparse table: the index of the largest value in any index range, in O(1) per query (vectorized)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        levels = [np.arange(len(values))]
        width = 1
        while 2 * width <= len(values):
            previous = levels[-1]
            left, right = previous[:-width], previous[width:]
            # Ties go to the lower index (the lower threshold) so the result is deterministic.
            levels.append(np.where(values[right] > values[left], right, left))
            width *= 2
        self.levels = levels

    def query(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Argmax over ``[low, high]`` (inclusive); callers pass only non-empty ranges."""
        level = np.floor(np.log2(np.maximum(high - low + 1, 1))).astype(int)
        width = 1 << level
        result = np.empty(len(low), dtype=np.int64)
        for value in np.unique(level):
            mask = level == value
            table = self.levels[value]
            left, right = table[low[mask]], table[high[mask] - width[mask] + 1]
            result[mask] = np.where(self.values[right] > self.values[left], right, left)
        return result


def _best_windows(
    candidates: list[tuple[np.ndarray, np.ndarray]], rate_names: tuple[str, ...], tolerance: float
) -> list[int] | None:
    """For each group, the index of the chosen candidate threshold; ``None`` when nothing is feasible.

    Candidates run from the lowest threshold to the highest, so every rate used here (selection
    rate, TPR, FPR) falls along them and a window of a rate is a contiguous range of candidates.
    """
    slack = FLOAT_TOLERANCE
    group_rates = [rates(counts) for _, counts in candidates]
    correct = [RATES["accuracy"].fraction([counts[:, cell].astype(float) for cell in range(4)])[0] for _, counts in candidates]
    argmax = [_RangeArgmax(values) for values in correct]

    # Window positions: every reachable value of each constrained rate (thinned for the 2-D search).
    lows_per_rate = []
    for rate in rate_names:
        reachable = np.unique(np.concatenate([r[rate][~np.isnan(r[rate])] for r in group_rates]))
        if len(reachable) == 0:
            reachable = np.array([0.0])
        if len(rate_names) > 1 and len(reachable) > _EQUALIZED_ODDS_WINDOWS:
            reachable = reachable[np.linspace(0, len(reachable) - 1, _EQUALIZED_ODDS_WINDOWS).round().astype(int)]
        lows_per_rate.append(reachable)
    grids = np.meshgrid(*lows_per_rate, indexing="ij")
    lows = [grid.ravel() for grid in grids]  # one entry per window position (combination)

    total = np.zeros(len(lows[0]))
    feasible = np.ones(len(lows[0]), dtype=bool)
    picks = []
    for g in range(len(candidates)):
        first = np.zeros(len(lows[0]), dtype=np.int64)
        last = np.full(len(lows[0]), len(correct[g]) - 1, dtype=np.int64)
        for rate, low in zip(rate_names, lows):
            values = group_rates[g][rate]
            if np.isnan(values).all():
                continue  # the rate is undefined for this group (e.g. no positives): no constraint
            descending = values[::-1]  # rates fall along candidates; reversed, they rise
            # Candidates whose rate lies in [low, low + tolerance], as an index range.
            count_above = len(values) - np.searchsorted(descending, low + tolerance + slack, side="right")
            count_at_least = len(values) - np.searchsorted(descending, low - slack, side="left")
            first = np.maximum(first, count_above)
            last = np.minimum(last, count_at_least - 1)
        ok = first <= last
        pick = np.zeros(len(first), dtype=np.int64)
        pick[ok] = argmax[g].query(first[ok], last[ok])
        feasible &= ok
        total += np.where(ok, correct[g][pick], 0.0)
        picks.append(pick)
    if not feasible.any():
        return None
    best = int(np.argmax(np.where(feasible, total, -np.inf)))
    return [int(pick[best]) for pick in picks]


def default_threshold(distinct_scores: np.ndarray) -> float:
    """0.5 for probabilities and 0/1 predictions; else the lower middle of the distinct scores
    (5 for COMPAS's deciles 1-10, the "medium or high risk" cut ProPublica analysed), and never the lowest
    of two or more (scores of 0 and 2 take 2, not 0, which would select everyone)."""
    if 0.0 <= distinct_scores[0] and distinct_scores[-1] <= 1.0:
        return 0.5
    return float(distinct_scores[max((len(distinct_scores) - 1) // 2, min(1, len(distinct_scores) - 1))])


@dataclass(frozen=True)
class SliderScale:
    """The values a threshold slider offers for a score.

    Scores with few distinct values (COMPAS's deciles 1-10) get exactly those values, plus one above
    the highest (nobody selected); other scores get their own range in about 200 steps (0.01 for
    probabilities). Decision functions and other unbounded scores work the same way.
    """

    minimum: float
    maximum: float
    step: float
    options: tuple[float, ...] | None
    on_steps: bool = False
    """Only the steps are exact thresholds (a grid an engine counted on): :meth:`snap` moves a value onto one."""

    def snap(self, value: float) -> float:
        """The offered value that makes the same decisions as ``value`` (the smallest option at or above it)."""
        if self.options is None and self.on_steps:  # the first step at or above it
            steps = math.ceil((value - self.minimum) / self.step - 1e-9)
            return float(min(max(self.minimum + steps * self.step, self.minimum), self.maximum))
        if self.options is None:
            return float(min(max(value, self.minimum), self.maximum))
        options = np.asarray(self.options)
        position = int(np.searchsorted(options, value, side="left"))
        return float(options[min(position, len(options) - 1)])


def slider_scale(distinct_scores: np.ndarray, *, max_options: int = 50) -> SliderScale:
    """Choose the slider for these distinct scores (see :class:`SliderScale`)."""
    values = np.unique(np.asarray(distinct_scores, dtype=float))
    low, high = float(values[0]), float(values[-1])
    if len(values) <= max_options:
        gaps = np.diff(values)
        above = high + (float(gaps.min()) if len(gaps) else 1.0)
        return SliderScale(minimum=low, maximum=above, step=0.0, options=tuple(float(v) for v in values) + (above,))
    if 0.0 <= low and high <= 1.0:
        return SliderScale(minimum=0.0, maximum=1.0, step=0.01, options=None)
    raw_step = (high - low) / 200
    magnitude = 10 ** np.floor(np.log10(raw_step))
    step = float(min((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step), default=raw_step))
    return SliderScale(
        minimum=float(np.floor(low / step) * step), maximum=float(np.ceil(high / step) * step), step=step, options=None
    )


def check_threshold(value: Any) -> float:
    """``value`` as a float; raises unless it is a finite number (NaN and infinity decide nothing sensible)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"A threshold must be a number; got {str(value)[:40]!r}.") from None
    if not np.isfinite(number):
        raise InvalidInputError(f"A threshold must be a finite number; got {number}.")
    return number


def thresholds_per_row(groups: Any, threshold: Threshold) -> np.ndarray:
    """Each row's threshold: the one threshold, or its group's."""
    labels = np.asarray(groups, dtype=object)
    if not isinstance(threshold, Mapping):
        return np.full(len(labels), check_threshold(threshold))
    per_row = pd.Series(labels).map(threshold)
    if per_row.isna().any():
        raise InvalidInputError(f"No threshold given for group(s) {sorted(set(labels[per_row.isna().to_numpy()]))}.")
    return per_row.to_numpy(dtype=float)


def decisions_at(scores: Any, groups: Any, threshold: Threshold) -> np.ndarray:
    """Each row's decision, ``score >= threshold`` (one threshold, or each row's group's)."""
    return np.asarray(scores, dtype=float) >= thresholds_per_row(groups, threshold)


def thresholds_where_moved(
    table: pd.DataFrame, moved: pd.DataFrame, threshold: Threshold, *, sensitive: Any, bins: Any = ()
) -> np.ndarray:
    """Each row of ``moved`` judged where its own sensitive values put it: the threshold of its group.

    ``moved`` holds rows whose sensitive values may have been changed (a person with another sex): each is judged at the
    threshold of the group it is in now, not the one it came from. Groups are the audit's groups of ``table``
    (:func:`fairdash.engine.spec.sensitive_frame`, then :func:`fairdash.engine.groups.group_codes`, the bands of ``table``
    kept); a combination of values no row of ``table`` has is no group and gets NaN (no threshold judges it).

    Parameters
    ----------
    table : DataFrame
        The audit's rows (with the sensitive columns), whose groups the thresholds are for.
    moved : DataFrame
        The rows to judge, with the sensitive columns.
    threshold : float or {group label: float}
        One threshold (every row's), or one per group.
    sensitive, bins
        As the audit's spec has them (:attr:`fairdash.engine.spec.AuditSpec.sensitive`, ``.bins``).
    """
    if not isinstance(threshold, Mapping):
        return np.full(len(moved), check_threshold(threshold))
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    edges = bins_used(table, columns, bins)
    frame = sensitive_frame(table, columns, edges)
    labelled, (key_codes, keys) = group_codes(frame, columns), group_keys(frame, columns)
    first = np.unique(key_codes, return_index=True)[1]
    label_of = {keys[code]: labelled.labels[labelled.codes[row]] for code, row in enumerate(first)}
    codes, moved_keys = group_keys(sensitive_frame(moved, columns, edges), columns)
    per_key = np.array([float(threshold[label_of[key]]) if label_of.get(key) in threshold else np.nan for key in moved_keys])
    return per_key[codes] if len(moved) else np.empty(0)
