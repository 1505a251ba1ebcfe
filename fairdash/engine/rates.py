"""Every rate, defined once: which count cells make its numerator and its denominator, its name and its label.

Counts have the cells ``tp, fp, tn, fn`` on their last axis, and a decision log's counts two more: the rows whose
outcome is not known yet, selected and not (:data:`CELLS`). A rate's cells are positions on that axis; a position
the counts do not have (4 or 5 in counts of four cells) counts 0. So the selection rate counts the rows without an
outcome where there are any, and every other rate only the known outcomes.

The metrics (:func:`fairdash.engine.metrics.rates`), the exact intervals (:mod:`fairdash.engine.intervals`), the
subgroup search, the test of change, the comparison of saved audits and the browser's threshold preview (which
receives :func:`rate_definitions` in its payload) all read :data:`RATES`; none writes a rate's cells again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["CELLS", "KNOWN_CELLS", "Rate", "RATES", "rate", "fractions", "rate_definitions", "FLOAT_TOLERANCE"]

CELLS = ("tp", "fp", "tn", "fn", "unknown_selected", "unknown_not_selected")
"""The count cells, by position on the counts' last axis (the last two only in a decision log's counts)."""

KNOWN_CELLS = (0, 1, 2, 3)
"""The cells of the rows whose outcome is known (the metric table's ``tp, fp, tn, fn``)."""

FLOAT_TOLERANCE = 1e-12
"""How far apart two computed figures may be and still be equal: a difference 0.30000000000000004 - 0.2 is at a bar
of 0.1, a value at ``-1e-13`` is a rate. The one tolerance of verdicts, bars and float comparisons of rates."""


@dataclass(frozen=True)
class Rate:
    """One rate: ``name`` (the metric table's column), ``numerator`` and ``denominator`` (positions in :data:`CELLS`),
    ``label`` (its name for people: ``"Selection rate"``) and ``of`` (what its denominator counts, in words:
    ``"rows"``; said where the rate is undefined for want of them)."""

    name: str
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]
    label: str
    of: str

    def fraction(self, cells: Sequence[Any]) -> tuple[Any, Any]:
        """(numerator, denominator) from ``cells``, one array (or number) per cell present (4 or 6 of them)."""

        def total(positions: tuple[int, ...]) -> Any:
            present = [cells[position] for position in positions if position < len(cells)]
            return sum(present[1:], present[0])

        return total(self.numerator), total(self.denominator)

    @property
    def count_columns(self) -> tuple[str, ...]:
        """The metric table's count columns its denominator adds up: ``("count",)`` when it is every row (the
        ``count`` column holds the rows without an outcome too), else the cells' columns (``("tp", "fn")``)."""
        if set(KNOWN_CELLS) <= set(self.denominator):
            return ("count",)
        return tuple(CELLS[position] for position in self.denominator)


RATES = {
    rate.name: rate
    for rate in (
        Rate("base_rate", (0, 3), KNOWN_CELLS, "Base rate", "rows"),
        Rate("selection_rate", (0, 1, 4), (0, 1, 2, 3, 4, 5), "Selection rate", "rows"),
        Rate("tpr", (0,), (0, 3), "True positive rate", "true positives"),
        Rate("fpr", (1,), (1, 2), "False positive rate", "true negatives"),
        Rate("fnr", (3,), (0, 3), "False negative rate", "true positives"),
        Rate("tnr", (2,), (1, 2), "True negative rate", "true negatives"),
        Rate("precision", (0,), (0, 1), "Precision", "selected rows"),
        Rate("accuracy", (0, 2), KNOWN_CELLS, "Accuracy", "rows"),
    )
}
"""Every rate, by the metric table's column name, in the table's order."""


def rate(name: str) -> Rate:
    """The :class:`Rate` called ``name`` (``"tpr"``)."""
    return RATES[name]


def fractions(counts: np.ndarray, *, dtype: Any = np.int64) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every rate as its (numerator, denominator) counts from ``counts`` ``(..., 4 or 6)``, each shaped as ``counts``
    without its last axis (as ``dtype``)."""
    counts = np.asarray(counts)
    cells = [counts[..., position].astype(dtype) for position in range(counts.shape[-1])]
    return {name: definition.fraction(cells) for name, definition in RATES.items()}


def rate_definitions() -> dict[str, dict[str, Any]]:
    """:data:`RATES` as JSON for a script: ``{name: {"numerator": [...], "denominator": [...], "label": ...}}``."""
    return {
        name: {"numerator": list(definition.numerator), "denominator": list(definition.denominator), "label": definition.label}
        for name, definition in RATES.items()
    }
