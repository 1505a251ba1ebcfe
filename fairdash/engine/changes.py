"""The test of change between two tables of group rates (a window against the baseline window, an audit against an
earlier one): whether the gap between any two groups changed beyond chance, at a level that holds whatever the number
of groups, the choice of the pair included.

Every pair of groups is tested: for a difference, the change in the gap ``rate[high] - rate[low]`` over its standard
error from the binomial variances of the four proportions; for a ratio, the change in ``rate[low] / rate[high]`` with
the delta method's standard error. The pair shown is the one with the largest ``|z|``, and its p-value is that of the
largest ``|z|`` over all pairs: with ``D_g`` a group's change in rate and ``v_g`` its variance, a gap's change is
``D_i - D_j`` with variance ``v_i + v_j``, so ``sqrt(2) max |z|`` is the Tukey-Kramer statistic, whose null is the range
of ``k`` standard normals (:func:`scipy.stats.studentized_range` with infinite degrees of freedom): exact when the
groups' variances are equal, conservative otherwise (Hayter, 1984). A ratio's ``z`` is, to first order, the same
statistic on the log scale. Where a disparity takes the worse of several rates (equalized odds), the rates are
Bonferroni-corrected. Simultaneous intervals use the same critical value, so a pair's interval excludes 0 exactly when
the test says beyond chance.

The monitor (:mod:`fairdash.monitor.windows`) and ``compare`` (:mod:`fairdash.engine.compare`) both call
:func:`largest_change`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.rates import RATES

__all__ = ["PairChange", "pair_changes", "range_p_value", "critical_value", "largest_change"]


_SQRT2 = math.sqrt(2.0)
_TAIL = 1e-9  # below this, the studentized range's integration loses digits: the Bonferroni bound is used (nearly equal there)


@dataclass(frozen=True)
class PairChange:
    """The change between two tables of the pair of groups with the largest ``|z|`` (see :func:`largest_change`).

    ``rate``: the rate; ``high``/``low``: the groups (``high`` has the higher rate in the after table; ties: the
    before table's); ``change``: after minus before of ``rate[high] - rate[low]`` (a difference) or ``rate[low] /
    rate[high]`` (a ratio); ``error``: its standard error; ``z``: ``change / error``; ``groups``: the groups compared
    (``k``, whose ``k (k - 1) / 2`` pairs were tested); ``rates``: the rates tested (a Bonferroni factor);
    ``p_value``: the chance of a ``|z|`` this large on some pair when no gap changed."""

    rate: str
    high: Any
    low: Any
    change: float
    error: float
    z: float
    groups: int
    rates: int
    p_value: float

    def interval(self, level: float = 0.05) -> tuple[float, float]:
        """The change's simultaneous interval: it holds, with every other pair's, with probability ``1 - level``."""
        half = critical_value(level / self.rates, self.groups) * self.error
        return self.change - half, self.change + half


def range_p_value(z: float | np.ndarray, groups: int) -> float | np.ndarray:
    """The chance that the largest ``|z|`` over the pairs of ``groups`` independent groups reaches ``z`` when no gap
    changed: the range of ``groups`` standard normals beyond ``sqrt(2) |z|``. Two groups: the two-sided normal p-value."""
    from scipy.stats import norm, studentized_range

    size = np.abs(np.asarray(z, dtype=float))
    if groups < 2:
        return np.ones_like(size)[()] if size.ndim else 1.0
    bonferroni = np.minimum(1.0, groups * (groups - 1) / 2 * 2 * norm.sf(size))
    if groups == 2:
        exact = 2 * norm.sf(size)
    else:
        exact = np.clip(studentized_range.sf(_SQRT2 * size, groups, np.inf), 0.0, 1.0)
    p = np.where(exact < _TAIL, bonferroni, np.minimum(exact, bonferroni))
    return float(p) if p.ndim == 0 else p


def critical_value(level: float, groups: int) -> float:
    """The ``|z|`` the largest over the pairs of ``groups`` groups exceeds with probability ``level`` when no gap
    changed (``range_p_value(critical_value(level, k), k) == level``); 1.96 for two groups at 5%."""
    from scipy.stats import norm, studentized_range

    if groups <= 2:
        return float(norm.isf(level / 2))
    found = float(studentized_range.isf(level, groups, np.inf)) / _SQRT2
    return found if math.isfinite(found) and level >= _TAIL else float(norm.isf(level / groups / (groups - 1)))


def pair_changes(
    after: np.ndarray,
    after_n: np.ndarray,
    before: np.ndarray,
    before_n: np.ndarray,
    *,
    measure: Literal["difference", "ratio"] = "difference",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair's change and standard error, vectorised over leading axes.

    Parameters
    ----------
    after, after_n, before, before_n : arrays of shape ``(..., k)``
        Each group's rate and the rows it is a share of, in the two tables.
    measure : "difference" or "ratio"

    Returns
    -------
    (change, error, high) : arrays of shape ``(..., k (k - 1) / 2)`` over the pairs ``np.triu_indices(k, 1)``:
        the change of the pair oriented as the after table orders it (``high`` True where the first of the pair is
        the higher; ties: as the before table orders it), and its standard error (NaN where it is 0 or undefined).
    """
    after, before = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    first, second = np.triu_indices(after.shape[-1], 1)
    high = (after[..., first] > after[..., second]) | (
        (after[..., first] == after[..., second]) & (before[..., first] >= before[..., second])
    )
    sign = np.where(high, 1.0, -1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "difference":
            variance = after * (1 - after) / after_n + before * (1 - before) / before_n
            change = sign * ((after[..., first] - after[..., second]) - (before[..., first] - before[..., second]))
            error = np.sqrt(variance[..., first] + variance[..., second])
        else:
            relative = [(1 - rate) / (count * rate) for rate, count in ((after, after_n), (before, before_n))]
            ratios = [
                np.where(high, rate[..., second] / rate[..., first], rate[..., first] / rate[..., second])
                for rate in (after, before)
            ]
            change = ratios[0] - ratios[1]
            error = np.sqrt(sum(ratio**2 * (term[..., first] + term[..., second]) for ratio, term in zip(ratios, relative)))
    error = np.where(np.isfinite(error) & (error > 0) & np.isfinite(change), error, np.nan)
    return change, error, high


def _rate_arrays(table: pd.DataFrame, rate: str, groups: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    counts = sum(table.loc[groups, column].to_numpy(dtype=float) for column in RATES[rate].count_columns)
    return table.loc[groups, rate].to_numpy(dtype=float), np.asarray(counts, dtype=float)


def largest_change(
    after: pd.DataFrame, before: pd.DataFrame, rates: Sequence[str], *, measure: Literal["difference", "ratio"] = "difference"
) -> PairChange | None:
    """The pair of groups whose gap changed the most (largest ``|z|``) from ``before`` to ``after``, over ``rates``,
    with its p-value corrected for the choice among all pairs and rates (see the module's description).

    ``after``/``before`` are metric tables (a group per row, the rates and the count columns of their
    denominators, :attr:`fairdash.engine.rates.Rate.count_columns`);
    the groups compared are those in both with the rate defined and its rows counted in both. ``None`` when no pair can
    be tested (fewer than two such groups, or every pair's variance is 0 or undefined)."""
    best: tuple[float, PairChange] | None = None
    for rate in rates:
        groups = [
            group
            for group in after.index.intersection(before.index, sort=False)
            if all(pd.notna(table.loc[group, rate]) for table in (after, before))
        ]
        if len(groups) < 2:
            continue
        (rate_after, n_after), (rate_before, n_before) = _rate_arrays(after, rate, groups), _rate_arrays(before, rate, groups)
        change, error, high = pair_changes(rate_after, n_after, rate_before, n_before, measure=measure)
        z = np.abs(change / error)
        if not np.isfinite(z).any():
            continue
        pair = int(np.nanargmax(z))
        first, second = (int(index[pair]) for index in np.triu_indices(len(groups), 1))
        top, bottom = (groups[first], groups[second]) if high[pair] else (groups[second], groups[first])
        found = PairChange(
            rate=rate,
            high=top,
            low=bottom,
            change=float(change[pair]),
            error=float(error[pair]),
            z=float(change[pair] / error[pair]),
            groups=len(groups),
            rates=len(rates),
            p_value=float(range_p_value(z[pair], len(groups))),
        )
        if best is None or found.p_value < best[0]:
            best = (found.p_value, found)
    if best is None:
        return None
    found = best[1]
    return PairChange(**{**found.__dict__, "p_value": min(1.0, found.p_value * len(rates))})
