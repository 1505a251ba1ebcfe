"""How an engine counts scores so that a threshold's decisions are exact, whatever the other scores.

An engine (DuckDB, Spark) returns counts per score bin, not rows, so a threshold is exact only where it
falls on a bin's edge. Two layouts:

- **Per value**: a score outside [0, 1] with at most :data:`VALUE_LIMIT` distinct values (COMPAS's deciles), and a 0/1
  decision column, is counted per value, so every threshold is exact, as in memory.
- **A grid** for the others: steps of a round width (1, 2 or 5 times a power of ten) over the range where
  most scores lie (0 to 1 for probabilities; else the 0.1% and 99.9% quantiles), with one open bin below it
  and one above it for the scores outside. A threshold given before counting is a point of the grid (the
  grid is laid through it, and a score equal to it is compared with it exactly), and so is every position
  of the Over time page's slider. One outlier (a score of 1e18) lands in the open bin above and coarsens
  nothing.

A threshold between two grid points is refused (:meth:`ScoreBins.first_selected`), never rounded silently. On a grid not
laid through the threshold (the page's slider), a score within a ten-millionth of a step below a grid point counts as on
it: the allowance that puts 0.29 (28.999999999999996 hundredths) on its point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fairdash.engine.thresholds import SliderScale, default_threshold, slider_scale
from fairdash.errors import InvalidInputError

__all__ = ["GRID_STEPS", "VALUE_LIMIT", "ScoreBins", "score_grid"]

GRID_STEPS = 100
"""About how many grid steps span the scores' usual range (1,000 bins took 0.61 s at 10M rows, 100 took 0.34 s)."""
VALUE_LIMIT = 200
"""Scores with at most this many distinct values are counted per value."""
_ROUNDING = 1e-7
"""A score within this share of a step below a grid point counts as on it (0.29 * 100 is 28.999999999999996)."""


def score_grid(low: float, high: float, *, anchor: float | None = None, steps: int = GRID_STEPS) -> tuple[float, float, int, int]:
    """The grid for scores whose usual range is ``low`` to ``high``: ``(start, step, points, anchor_index)``.

    The grid's points are ``start + k * step`` for ``k`` in ``0 .. points - 1``; the last lies above ``high``
    (a position where nobody is selected). The step is a round number near a ``steps``-th of the range;
    scores within [0, 1] get 0 to 1.01 by 0.01. ``anchor`` (a threshold given before counting) is the point
    ``anchor_index``; without one the grid starts on a multiple of the step, so the thresholds people type
    (0.5, 0.35, a decile) are points of it.
    """
    if 0 <= low and high <= 1:
        low, high = 0.0, 1.0
    if anchor is not None:
        low, high = min(low, anchor), max(high, anchor)
    span = high - low if high > low else max(abs(low), 1.0)
    raw = span / steps
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw * (1 - 1e-9))
    if anchor is None:
        start = math.floor(low / step + 1e-9) * step
        anchor_index = 0
    else:
        anchor_index = int(math.floor((anchor - low) / step + 1e-9))
        start = anchor - anchor_index * step
    points = int(math.floor((high - start) / step + 1e-9)) + 2
    return float(start), float(step), points, anchor_index


@dataclass(frozen=True)
class ScoreBins:
    """The bins an engine counts scores into.

    Per value (``values`` set): bin ``k`` holds the scores equal to ``values[k]``. On a grid: bin 0 holds the
    scores below ``start``, bin ``k`` (1 to ``points - 1``) those from grid point ``k - 1`` up to point ``k``,
    and the last bin those at or above the last point. ``low`` and ``high`` are the lowest and highest score.
    """

    low: float
    high: float
    values: tuple[float, ...] | None = None
    start: float = 0.0
    step: float = 1.0
    points: int = 0
    anchor_index: int = 0

    @classmethod
    def per_value(cls, values: np.ndarray) -> "ScoreBins":
        values = np.unique(np.asarray(values, dtype=float))
        return cls(low=float(values[0]), high=float(values[-1]), values=tuple(float(value) for value in values))

    @classmethod
    def on_grid(cls, low: float, high: float, usual_low: float, usual_high: float, *, anchor: float | None = None) -> "ScoreBins":
        start, step, points, anchor_index = score_grid(usual_low, usual_high, anchor=anchor)
        return cls(low=low, high=high, start=start, step=step, points=points, anchor_index=anchor_index)

    @property
    def count(self) -> int:
        """How many bins."""
        return len(self.values) if self.values is not None else self.points + 1

    @property
    def lower_edges(self) -> np.ndarray:
        """Each bin's lowest score (``-inf`` for the grid's open bin below)."""
        if self.values is not None:
            return np.asarray(self.values)
        return np.concatenate([[-np.inf], self.start + np.arange(self.points) * self.step])

    @property
    def probabilities(self) -> bool:
        """Whether the scores lie within [0, 1]."""
        return 0 <= self.low and self.high <= 1

    def sql(self) -> str:
        """The bin of ``fd_score`` as SQL both engines run (per value: the score itself, binned afterwards).

        Clamped as a double before FLOOR and CAST: an outlier of 1e18 must not overflow an integer. A score
        below the anchor is never put on it (it falls at least one step down), so the anchor is exact."""
        if self.values is not None:
            return "fd_score"
        anchor = self.start + self.anchor_index * self.step
        scale, top = 1.0 / self.step, self.points + 1
        above = f"FLOOR(LEAST((fd_score - {anchor!r}) * {scale!r} + {_ROUNDING!r}, {top}))"
        below = f"-GREATEST(CEIL(LEAST(({anchor!r} - fd_score) * {scale!r} - {_ROUNDING!r}, {self.anchor_index + 2})), 1)"
        relative = f"CASE WHEN fd_score >= {anchor!r} THEN {above} ELSE {below} END"
        return f"CAST(LEAST(GREATEST({relative} + {self.anchor_index + 1}, 0), {self.points}) AS INT)"

    def bin_of(self, scored: np.ndarray) -> np.ndarray:
        """The bin of each value :meth:`sql` returned."""
        if self.values is None:
            return np.asarray(scored, dtype=np.int64)
        return np.searchsorted(np.asarray(self.values), np.asarray(scored, dtype=float), side="left")

    def first_selected(self, threshold: float) -> int:
        """The first bin whose scores are all at or above ``threshold`` (the bins from it on are selected).

        Raises :class:`InvalidInputError` for a threshold between two grid points with scores around it:
        its decisions cannot be read from these counts."""
        if self.values is not None:
            return int(np.searchsorted(np.asarray(self.values), threshold, side="left"))
        if threshold <= self.low:
            return 0
        if threshold > self.high:
            return self.count
        position = (threshold - self.start) / self.step
        nearest = round(position)
        if abs(position - nearest) > 1e-9 or not 0 <= nearest < self.points:  # float noise only (0.29 / 0.01)
            raise InvalidInputError(
                f"The threshold {threshold:g} lies between two points of the grid the scores were counted on (steps of "
                f"{self.step:g} from {self.start:g}); count the log with this threshold (count_log(..., threshold={threshold!r}), "
                "as the command line does), or choose a threshold on the grid."
            )
        return int(nearest) + 1

    @property
    def default_threshold(self) -> float | None:
        """The threshold an audit of these scores takes by default, as in memory
        (:func:`fairdash.engine.thresholds.default_threshold`); ``None`` for a grid of scores that are not
        probabilities, whose distinct values the counts do not hold."""
        if self.values is not None:
            return default_threshold(np.asarray(self.values))
        return 0.5 if self.probabilities else None

    def slider(self) -> SliderScale:
        """The threshold slider for these counts: every position is exact."""
        if self.values is not None:
            return slider_scale(np.asarray(self.values), max_options=VALUE_LIMIT)
        last = self.start + (self.points - 1) * self.step
        return SliderScale(minimum=self.start, maximum=last, step=self.step, options=None, on_steps=True)
