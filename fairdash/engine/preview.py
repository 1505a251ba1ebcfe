"""Each group's counts at every position of a threshold slider, so a page can recompute the audit itself.

The report's in-page slider and the dashboard's preview component both move over these positions and
recompute rates, disparities and verdicts in the browser from the counts (the same definitions as
:mod:`fairdash.engine.metrics`); nothing is asked of the server while the slider moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from fairdash.engine.thresholds import Threshold, ThresholdCurves

__all__ = ["PREVIEW_POSITIONS", "PreviewCounts", "preview_counts"]

PREVIEW_POSITIONS = 1000
"""The most positions a preview slider offers: every distinct score when there are fewer."""


@dataclass(frozen=True)
class PreviewCounts:
    """The slider's positions and each group's confusion counts at each.

    ``thresholds``: increasing; the last is just above every score (it selects nobody). ``counts``: shape
    ``(positions, groups, 4)``, ``tp, fp, tn, fn`` of ``score >= threshold``. ``exact``: every distinct
    score is a position (none thinned out)."""

    thresholds: np.ndarray
    counts: np.ndarray
    exact: bool

    def position_of(self, threshold: float) -> int:
        """The position of ``threshold``: the first at or above it (the last when it is above them all)."""
        return min(int(np.searchsorted(self.thresholds, threshold, side="left")), len(self.thresholds) - 1)


def preview_counts(
    curves: ThresholdCurves, *, include: Threshold | Sequence[float] | None = None, max_positions: int = PREVIEW_POSITIONS
) -> PreviewCounts:
    """Counts at every distinct score (thinned evenly to ``max_positions``) and at the thresholds of ``include``.

    ``include`` (a threshold, ``{group: threshold}`` or a list of thresholds) is laid into the positions so a
    slider opens on the very thresholds of the audit it previews, whatever the thinning."""
    spread = curves.distinct_scores(max_points=max_positions)
    exact = len(spread) == len(curves.distinct_scores())
    if include is None:
        chosen = []
    else:
        chosen = (
            list(include.values())
            if isinstance(include, Mapping)
            else list(include)
            if isinstance(include, Sequence)
            else [include]
        )
    grid = np.unique(np.concatenate([spread, np.asarray(chosen, dtype=float)]))
    grid = np.append(grid, float(np.nextafter(max(grid[-1], spread[-1]), np.inf)))  # the last position selects nobody
    return PreviewCounts(thresholds=grid, counts=curves.counts_over(grid), exact=exact)
