"""Every window of a counted log judged as an audit is (one result per window), the alerts, and the notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.changes import largest_change
from fairdash.engine.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES
from fairdash.engine.result import AuditResult, AuditSettings, judge_many
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.engine.thresholds import check_threshold
from fairdash.errors import InvalidInputError, brief
from fairdash.monitor.engines import NEGATIVE, POSITIVE, LogCounts

__all__ = [
    "PENDING_SHARE",
    "PSI_BINS",
    "CHANGE_TESTED",
    "CHANGE_LEVEL",
    "LABEL_FREE",
    "Window",
    "Monitor",
    "monitor",
    "FAR_YEARS",
    "one_outcome_windows",
    "ONE_OUTCOME_ROWS",
    "GateAlert",
    "ChangeAlert",
    "MonitorNote",
]

PENDING_SHARE = 0.5
"""A window where more than this share of outcomes is not known yet is marked pending."""


PSI_BINS = 10


CHANGE_TESTED = ("demographic_parity_difference", "equal_opportunity_difference")
"""The disparities whose change from the baseline is tested (one family each, see :func:`monitor`)."""

CHANGE_LEVEL = 0.05
"""The family-wise false-alarm rate of the change test, per disparity, over all windows and all pairs of groups."""


LABEL_FREE = ("demographic_parity_difference", "demographic_parity_ratio")
"""The disparities of selection rates alone: judged in every window, outcomes known or not."""


def _window_ordinals(starts: np.ndarray, window: str) -> np.ndarray:
    """Consecutive windows as consecutive whole numbers (for the gaps between them)."""
    days = np.asarray(starts, dtype="datetime64[D]")
    if window == "day":
        return days.astype(np.int64)
    if window == "week":
        return (days.astype(np.int64) - 4) // 7  # 1970-01-05 was a Monday
    months = days.astype("datetime64[M]").astype(np.int64)
    return months // 3 if window == "quarter" else months


def _ordinal_start(ordinal: int, window: str) -> str:
    """The start date of the window :func:`_window_ordinals` numbers ``ordinal``."""
    if window == "day":
        return str(np.datetime64(ordinal, "D"))
    if window == "week":
        return str(np.datetime64(ordinal * 7 + 4, "D"))
    return str(np.datetime64(ordinal * (3 if window == "quarter" else 1), "M").astype("datetime64[D]"))


@dataclass(frozen=True)
class Window:
    """One window's figures at a threshold: its audit (what :func:`fairdash.engine.result.judge` makes of its counts,
    made for all windows at once by :func:`~fairdash.engine.result.judge_many`), and what
    only a window has (its start, the share of outcomes not known yet, the score drift)."""

    start: pd.Timestamp
    rows: int
    result: AuditResult
    unknown_share: float
    pending: bool
    psi: pd.Series

    # The result's parts under the names the monitor's presenters read them by.
    table = property(lambda self: self.result.by_group)
    lower = property(lambda self: self.result.intervals.lower)
    upper = property(lambda self: self.result.intervals.upper)
    disparities = property(lambda self: self.result.disparities)
    disparity_bounds = property(lambda self: self.result.intervals.disparities)
    findings = property(lambda self: self.result.findings)
    left_out = property(lambda self: self.result.left_out)


@dataclass(frozen=True)
class GateAlert:
    """Why a gate alert, as facts (:func:`fairdash.present.sentences.alert_text` says it): ``where`` "leaves" (an earlier
    window passed), "baseline" (it fails in the baseline window already) or "first" (it fails from the first window
    judged); the disparity's ``value`` and the ``rule`` it fails (as the findings write it, ``">= 0.8"``)."""

    where: Literal["leaves", "baseline", "first"]
    value: float
    rule: str


@dataclass(frozen=True)
class ChangeAlert:
    """Why a change alert, as facts (:func:`fairdash.present.sentences.alert_text` says it): the gap in ``rate`` between
    ``high`` and ``low`` changed by ``change`` from the ``baseline`` window's (``z``, ``p_value``: the largest of ``pairs``
    pairs of ``groups`` groups, Tukey-Kramer; Bonferroni over ``windows`` windows)."""

    rate: str
    high: Any
    low: Any
    change: float
    baseline: pd.Timestamp
    z: float
    p_value: float
    pairs: int
    groups: int
    windows: int


@dataclass(frozen=True)
class MonitorNote:
    """What a reader should know about the log, as facts (:func:`fairdash.present.sentences.monitor_note_text` says it):
    ``code`` "gaps" (``count`` windows of length ``window`` have no row; the first ``starts``), "far" (``count`` rows in
    windows starting ``starts`` lie more than :data:`FAR_YEARS` years from the log's middle), "late_groups" (``groups``:
    the first six groups that first appear later, each with the start of its first window) or "no_outcome" (no outcome in
    ``target`` is known yet)."""

    code: Literal["gaps", "far", "late_groups", "no_outcome"]
    count: int = 0
    window: str = ""
    starts: tuple[str, ...] = ()
    groups: tuple[tuple[Any, pd.Timestamp], ...] = ()
    target: str = ""


@dataclass(frozen=True)
class Monitor:
    """The monitor at one threshold: every window (in time order), the alerts, the baseline."""

    counts: LogCounts
    threshold: float
    tolerance: float
    baseline: pd.Timestamp
    windows: list[Window]
    alerts: list[dict[str, Any]]
    notes: tuple[MonitorNote, ...] = ()
    one_outcome: tuple[pd.Timestamp, ...] = ()
    """The windows where every group with a known outcome has one outcome only (base rate 0 or 1): most likely rows
    filtered by their outcome, not a population (see :func:`one_outcome_windows`); the presenters word it."""


def _psi(current: np.ndarray, baseline: np.ndarray) -> float:
    """Population stability index of two histograms over the same bins (0 where either is empty)."""
    if current.sum() == 0 or baseline.sum() == 0:
        return float("nan")
    p = np.maximum(current / current.sum(), 1e-4)
    q = np.maximum(baseline / baseline.sum(), 1e-4)
    return float(np.sum((p - q) * np.log(p / q)))


def monitor(
    counts: LogCounts,
    *,
    threshold: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    baseline: Any = None,
    min_group_size: int = SMALL_GROUP_SIZE,
) -> Monitor:
    """Every window's metrics, disparities (with intervals) and verdicts at ``threshold``, and the alerts.

    ``threshold`` defaults to what an audit of the same scores in memory takes
    (:attr:`fairdash.engine.score_bins.ScoreBins.default_threshold`: 0.5 for probabilities and 0/1 decisions, the
    lower middle of few distinct scores); scores with many values outside [0, 1] need one. ``baseline`` (a
    window's start; default the first window) is what the change test and the score drift (PSI) compare with.

    Alerts (``kind``): for each disparity with a rule, the first window where it fails the gate ("gate": differences
    at ``tolerance``, the selection-rate ratio at 0.8; "leaves the gate" only where an earlier window passed); and for
    the demographic parity and equal opportunity differences, the first window after or before the baseline whose gap
    between some two groups changed from the baseline's by more than chance allows ("change"): every pair of groups
    judged in both windows tested, the largest ``|z|`` judged by its null over all pairs
    (:func:`fairdash.engine.changes.largest_change`), at :data:`CHANGE_LEVEL` with Bonferroni over the windows, so the
    false-alarm rate per disparity holds whatever the number of groups. The baseline is never compared with itself.
    Label-based alerts skip windows whose outcomes are mostly not in yet. As on the Fairness page,
    groups with fewer than ``min_group_size`` rows in a window stay in its table but are left out of
    its disparities, verdicts and alerts (``Window.left_out``).
    """
    chosen = _monitor_threshold(counts, threshold)
    settings = AuditSettings(thresholds=chosen, tolerance=tolerance, min_group_size=min_group_size)
    base_index = _baseline_index(counts.windows, baseline)
    coarse = _drift_histograms(counts, base_index)
    at = counts.counts_at(chosen)
    present = at.sum(axis=2) > 0  # (windows, groups): a window's table holds the groups it has rows of
    kept = [at[index][present[index]] for index in range(len(counts.windows))]
    labels = [[label for label, keep in zip(counts.labels, present[index]) if keep] for index in range(len(counts.windows))]
    # Every window judged at once: the intervals of all windows are computed together, not window by window.
    results = judge_many(kept, labels, settings)
    windows = _windows(counts, kept, results, present, coarse, base_index)
    alerts = sorted(
        _gate_alerts(windows, windows[base_index]) + _change_alerts(windows, windows[base_index]),
        key=lambda alert: (alert["window"], alert["disparity"]),
    )
    return Monitor(
        counts=counts,
        threshold=chosen,
        tolerance=settings.tolerance,
        baseline=windows[base_index].start,
        windows=windows,
        alerts=alerts,
        notes=_notes(counts, windows),
        one_outcome=one_outcome_windows(windows),
    )


def _monitor_threshold(counts: LogCounts, threshold: float | None) -> float:
    """The threshold given, checked; by default the one an audit of the same scores in memory takes, or a plain refusal
    when the scores are not probabilities and take many values."""
    if threshold is None:
        threshold = counts.bins.default_threshold
        if threshold is None:
            raise InvalidInputError(
                f"The scores of {brief(counts.spec.score)} are not probabilities and take many values "
                f"({counts.bins.low:g} to {counts.bins.high:g}): give the threshold."
            )
    return check_threshold(threshold)


def _windows(
    counts: LogCounts,
    kept: list[np.ndarray],
    results: Sequence[AuditResult],
    present: np.ndarray,
    coarse: np.ndarray,
    base_index: int,
) -> list[Window]:
    """Each window with its rows, its judged result, the share of outcomes not in yet and its groups' score drift (PSI)
    from the baseline's."""
    windows = []
    for index, (start, table, result) in enumerate(zip(counts.windows, kept, results)):
        unknown = float((table[:, 4] + table[:, 5]).sum() / max(table.sum(), 1))
        psi = pd.Series(
            {
                label: _psi(coarse[index, position], coarse[base_index, position])
                for position, label in enumerate(counts.labels)
                if present[index, position]
            },
            name="psi",
            dtype=float,
        )
        windows.append(
            Window(
                start=start, rows=int(table.sum()), result=result, unknown_share=unknown, pending=unknown > PENDING_SHARE, psi=psi
            )
        )
    return windows


def _baseline_index(starts: Sequence[pd.Timestamp], baseline: Any) -> int:
    """The position of the window starting at ``baseline`` (default: the first)."""
    if baseline is None:
        return 0
    try:
        wanted = pd.Timestamp(baseline)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInputError(
            f"The baseline {brief(str(baseline))} is not a date; give a window's start date, such as {starts[0].date()}."
        ) from None
    if wanted not in starts:
        raise InvalidInputError(
            f"There is no window starting {brief(str(baseline))}; the windows start "
            f"{', '.join(str(start.date()) for start in starts[:6])}{' ...' if len(starts) > 6 else ''}."
        )
    return list(starts).index(wanted)


def _drift_histograms(counts: LogCounts, base_index: int) -> np.ndarray:
    """``(windows, groups, deciles)``: each group's rows over the deciles of the baseline window's scores (for the PSI)."""
    per_bin = counts.cells.sum(axis=2)  # (windows, groups, bins)
    base_hist = per_bin[base_index].sum(axis=0)
    cumulative = np.cumsum(base_hist) / max(base_hist.sum(), 1)
    cuts = np.unique(np.searchsorted(cumulative, np.linspace(0, 1, PSI_BINS + 1)[1:-1], side="left"))
    coarse_of_bin = np.searchsorted(cuts, np.arange(per_bin.shape[-1]), side="left")  # fine bin -> its decile
    return per_bin @ np.eye(len(cuts) + 1, dtype=np.int64)[coarse_of_bin]


def _gate_alerts(windows: Sequence[Window], base: Window) -> list[dict[str, Any]]:
    """For each disparity with a rule, the first window whose verdict fails (label-based ones skip pending windows):
    ``kind`` "gate". It "leaves the gate" where an earlier window passed; where none did, it fails from the first
    window judged (the baseline or before it), and the reason says so: nothing was left."""
    alerts = []
    findings = [window.findings.to_dict("index") for window in windows]
    for name in DISPARITY_NAMES:
        passed_before = False
        for window, found in zip(windows, findings):
            finding = found[name]
            if window.pending and name not in LABEL_FREE:
                continue
            if finding["passed"] is False:
                where: Literal["leaves", "baseline", "first"] = (
                    "leaves" if passed_before else "baseline" if window.start == base.start else "first"
                )
                alerts.append(
                    {
                        "window": window.start,
                        "disparity": name,
                        "kind": "gate",
                        "value": finding["value"],
                        "reason": GateAlert(where, float(finding["value"]), str(finding["rule"])),
                    }
                )
                break
            passed_before = passed_before or finding["passed"] is True
    return alerts


def _judged_table(window: Window) -> pd.DataFrame:
    return window.table.drop(index=list(window.left_out))


def _change_alerts(windows: Sequence[Window], base: Window) -> list[dict[str, Any]]:
    """For each tested difference, the first window whose change from the baseline is beyond chance (see :func:`monitor`):
    ``kind`` "change". The baseline is never compared with itself."""
    alerts = []
    later = [window for window in windows if window.start != base.start]
    level = CHANGE_LEVEL / max(len(later), 1)
    for name in CHANGE_TESTED:
        rate = "selection_rate" if name.startswith("demographic") else "tpr"
        for window in later:
            if window.pending and rate != "selection_rate":
                continue
            found = largest_change(_judged_table(window), _judged_table(base), (rate,))
            if found is None or not found.p_value < level:
                continue
            pairs = found.groups * (found.groups - 1) // 2
            alerts.append(
                {
                    "window": window.start,
                    "disparity": name,
                    "kind": "change",
                    "value": window.disparities[name],
                    "reason": ChangeAlert(
                        rate,
                        found.high,
                        found.low,
                        found.change,
                        base.start,
                        found.z,
                        found.p_value,
                        pairs,
                        found.groups,
                        len(later),
                    ),
                }
            )
            break  # the first window where it changed; the chart shows the windows after it
    return alerts


def _notes(counts: LogCounts, windows: list[Window]) -> tuple[MonitorNote, ...]:
    """What a reader should know about the log: windows with no rows, groups that appear late, no outcomes."""
    notes = []
    gaps, shown = _gaps(counts.windows, counts.spec.window)
    if gaps:
        notes.append(MonitorNote("gaps", count=gaps, window=counts.spec.window, starts=tuple(shown)))
    far = _far_windows(counts)
    if far:
        notes.append(MonitorNote("far", count=far[0], starts=tuple(far[1])))
    present = counts.cells.sum(axis=(2, 3)) > 0  # (windows, groups)
    late = [
        (label, counts.windows[int(np.argmax(present[:, position]))])
        for position, label in enumerate(counts.labels)
        if not present[0, position]
    ]
    if late:
        notes.append(MonitorNote("late_groups", groups=tuple(late[:6])))
    if counts.cells[:, :, (NEGATIVE, POSITIVE)].sum() == 0:
        notes.append(MonitorNote("no_outcome", target=counts.spec.target))
    return tuple(notes)


ONE_OUTCOME_ROWS = 20
"""The known outcomes a window needs before one outcome in every group is named as a likely filter."""


def one_outcome_windows(windows: Sequence[Window]) -> tuple[pd.Timestamp, ...]:
    """The starts of the windows with known outcomes where every group's base rate is 0 or 1: every row of a group has
    the same outcome (such as a log filtered on the outcome). Their outcome-based figures (TPR, FPR, precision) mean
    little, and a change against them says more about the filtering than about the model. Windows with fewer than
    :data:`ONE_OUTCOME_ROWS` known outcomes are not named (a few rows share an outcome by chance)."""
    found = []
    for window in windows:
        rates = window.table["base_rate"].dropna()
        known = float(window.table[["tp", "fp", "tn", "fn"]].to_numpy().sum())
        if known >= ONE_OUTCOME_ROWS and bool(((rates == 0) | (rates == 1)).all()):
            found.append(window.start)
    return tuple(found)


FAR_YEARS = 50
"""A window this far from the log's middle window is noted as a likely placeholder date."""


def _far_windows(counts: LogCounts) -> tuple[int, list[str]] | None:
    """The rows and starts of windows more than :data:`FAR_YEARS` from the middle window (by rows), if any."""
    rows = counts.cells.sum(axis=(1, 2, 3))
    years = np.array([start.year + start.day_of_year / 366 for start in counts.windows])
    middle = years[int(np.searchsorted(np.cumsum(rows), rows.sum() / 2))]
    far = np.abs(years - middle) > FAR_YEARS
    if not far.any():
        return None
    return int(rows[far].sum()), [str(start.date()) for start, away in zip(counts.windows, far) if away][:6]


def _gaps(starts: Sequence[pd.Timestamp], window: str, *, shown: int = 6) -> tuple[int, list[str]]:
    """How many windows between the first and the last have no row, and the first ``shown`` of them: counted
    from the windows present, so a log spanning years 1 to 9999 costs no more than one spanning a month."""
    ordinals = _window_ordinals(np.array([start.to_datetime64() for start in starts], dtype="datetime64[D]"), window)
    missing = int(ordinals[-1] - ordinals[0] + 1 - len(ordinals))
    first: list[str] = []
    for before, after in zip(ordinals[:-1], ordinals[1:]):
        first += [
            _ordinal_start(int(ordinal), window) for ordinal in range(before + 1, min(after, before + 1 + shown - len(first)))
        ]
        if len(first) >= shown:
            break
    return missing, first
