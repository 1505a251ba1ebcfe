"""One audit at one setting, computed once: the result every page, the report, the JSON and the command line present.

Like Fairlearn's ``MetricFrame``, :func:`judge` computes everything when called and the result never
changes: the metric table of the groups, the overall figures apart from them, the groups judged and those
left out (with why), intervals, disparities and findings (value, rule, verdict, why undefined, the facts a sentence needs).
The Fairness page, the report, ``audit``, ``fixes`` and ``monitor`` (each fix, each window) call it; none
of them recomputes or re-decides a number. The settings that decide verdicts are one value,
:class:`AuditSettings`, read once and handed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.findings import disparity_findings
from fairdash.engine.intervals import Intervals, rate_intervals, rate_intervals_many
from fairdash.engine.metrics import (
    DEFAULT_TOLERANCE,
    check_tolerance,
    disparities_from_table,
    drop_small_groups,
    overall_from_counts,
    table_from_counts,
    verdict_rules,
)
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.errors import InvalidInputError

__all__ = ["AuditSettings", "AuditResult", "HTML_VIEWS", "judge", "judge_many"]

HTML_VIEWS: list[Callable[[AuditResult], str]] = []
"""Who writes an :class:`AuditResult` as HTML for a notebook (``_repr_html_``): :mod:`fairdash.present.notebook` adds its
writer when imported (``import fairdash`` imports it). The engine writes no words; before present is imported, a
notebook shows the plain ``repr``."""


@dataclass(frozen=True)
class AuditSettings:
    """The choices that decide an audit's verdicts, as one value.

    ``thresholds``: one threshold, or ``{group: threshold}`` (``None``: the scores' default); ``tolerance``:
    differences up to it pass; ``min_group_size``: groups with fewer rows are left out of the
    disparities (0 keeps all)."""

    thresholds: float | Mapping[str, float] | None = None
    tolerance: float = DEFAULT_TOLERANCE
    min_group_size: int = SMALL_GROUP_SIZE

    def __post_init__(self) -> None:
        object.__setattr__(self, "tolerance", check_tolerance(self.tolerance))
        if (
            isinstance(self.min_group_size, bool)
            or not isinstance(self.min_group_size, (int, np.integer))
            or self.min_group_size < 0
        ):
            raise InvalidInputError(f"The small-group minimum must be a whole number, 0 or more; got {self.min_group_size!r}.")

    @property
    def thresholds_chosen(self) -> float | Mapping[str, float]:
        """The thresholds, for a caller that makes decisions at them: settings that leave them to the scores' default
        (``None``) cannot say where that is, and a caller asking them then has a bug (a ``ValueError``)."""
        if self.thresholds is None:
            raise ValueError("These settings leave the thresholds to the scores' default; decisions need them set.")
        return self.thresholds

    @property
    def rules(self) -> dict[str, dict[str, Any] | None]:
        """The rule each disparity is judged by (see :func:`fairdash.engine.metrics.verdict_rules`)."""
        return verdict_rules(self.tolerance)


@dataclass(frozen=True)
class AuditResult:
    """One audit at one setting (see :func:`judge`); presenters format it and never recompute it.

    Attributes
    ----------
    by_group : DataFrame
        The metric table, one row per group (groups only).
    overall : Series
        The same metrics over all rows, apart from the groups.
    left_out : tuple of str
        The groups left out of the disparities, under ``settings.min_group_size`` rows.
    intervals : Intervals
        Exact intervals of every rate, and of every disparity (over the judged groups).
    disparities : dict
        Each disparity over the judged groups (NaN where undefined), and ``four_fifths_pass``.
    findings : DataFrame
        Each disparity's value, rule, verdict (``passed``), whether its interval supports the verdict
        (``conclusive``), why it is undefined, and the facts its sentence needs
        (:func:`fairdash.present.sentences.finding_sentence` writes it).
    settings : AuditSettings
        What decided the verdicts.
    """

    by_group: pd.DataFrame
    overall: pd.Series
    left_out: tuple[str, ...]
    intervals: Intervals
    disparities: dict[str, Any]
    findings: pd.DataFrame
    settings: AuditSettings

    def _repr_html_(self) -> str | None:
        """The result in a notebook: the headline disparities and the per-group table, escaped (see :data:`HTML_VIEWS`)."""
        return HTML_VIEWS[-1](self) if HTML_VIEWS else None

    @property
    def judged(self) -> pd.DataFrame:
        """The metric table of the groups the disparities are taken over."""
        return self.by_group.drop(index=list(self.left_out))


def judge(
    counts: np.ndarray,
    labels: Sequence[str],
    settings: AuditSettings = AuditSettings(),
    *,
    reference: str | None = None,
) -> AuditResult:
    """The audit from per-group counts at the settings' thresholds.

    Parameters
    ----------
    counts : array of shape (groups, 4) or (groups, 6)
        ``tp, fp, tn, fn`` per group; six columns add the rows whose outcome is not known yet, selected and
        not, which count for the selection rate only (a decision log's recent rows).
    labels : sequence of str
        The groups' labels, in the order of ``counts``.
    settings : AuditSettings
        The tolerance and the small-group minimum (the thresholds are already applied in ``counts``).
    reference : str, optional
        The reference group the findings compare with, when it is judged.
    """
    counts, table, judged, left_out = _tabled(counts, labels, settings)
    intervals = rate_intervals(counts, labels, judged=judged.index, min_group_size=settings.min_group_size)
    return _result(counts, table, judged, left_out, intervals, settings, reference)


def judge_many(
    counts_per_table: Sequence[np.ndarray],
    labels_per_table: Sequence[Sequence[str]],
    settings: AuditSettings = AuditSettings(),
    *,
    reference: str | None = None,
) -> list[AuditResult]:
    """:func:`judge` of many count tables at one setting (a log's windows), one result per table.

    Each result equals ``judge(counts, labels, settings, ...)`` of its table, verdicts and intervals included;
    the intervals of all tables are computed together (:func:`fairdash.engine.intervals.rate_intervals_many`), which is what
    makes a threshold move on a log with many windows cheap. The tables must have the same number of cells.
    """
    tabled = [_tabled(counts, labels, settings) for counts, labels in zip(counts_per_table, labels_per_table)]
    intervals = rate_intervals_many(
        [counts for counts, *_ in tabled],
        labels_per_table,
        judged_per_table=[judged.index for _, _, judged, _ in tabled],
        min_group_size=settings.min_group_size,
    )
    return [_result(*parts, found, settings, reference) for parts, found in zip(tabled, intervals)]


def _tabled(
    counts: np.ndarray, labels: Sequence[str], settings: AuditSettings
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame, list[str]]:
    """The counts as integers, the metric table, the judged part of it and the groups left out."""
    counts = np.asarray(counts, dtype=np.int64)
    table = table_from_counts(counts, labels)
    judged, left_out = drop_small_groups(table, min_count=settings.min_group_size)
    return counts, table, judged, left_out


def _result(
    counts: np.ndarray,
    table: pd.DataFrame,
    judged: pd.DataFrame,
    left_out: list[str],
    intervals: Intervals,
    settings: AuditSettings,
    reference: str | None,
) -> AuditResult:
    """The one place a result's disparities and verdicts are decided, for :func:`judge` and :func:`judge_many`."""
    return AuditResult(
        by_group=table,
        overall=overall_from_counts(counts),
        left_out=tuple(left_out),
        intervals=intervals,
        disparities=disparities_from_table(judged),
        findings=disparity_findings(
            judged,
            reference=reference if reference in judged.index else None,
            tolerance=settings.tolerance,
            bounds=intervals.disparities,
        ),
        settings=settings,
    )
