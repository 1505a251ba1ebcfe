"""Every window of a counted log judged as an audit is (one result per window), the alerts, and the notes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.audit.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES
from fairdash.audit.result import AuditResult, AuditSettings, judge_many
from fairdash.audit.spec import SMALL_GROUP_SIZE
from fairdash.audit.thresholds import check_threshold
from fairdash.errors import InvalidInputError, brief
from fairdash.monitor.engines import NEGATIVE, POSITIVE, LogCounts

__all__ = [
    "PENDING_SHARE", "PSI_BINS", "CHANGE_TESTED", "LABEL_FREE", "Window", "Monitor", "monitor", "FAR_YEARS",
    "GAP_DENOMINATORS", "gap_change",
]

PENDING_SHARE = 0.5
"""A window where more than this share of outcomes is not known yet is marked pending."""


PSI_BINS = 10


CHANGE_TESTED = ("demographic_parity_difference", "equal_opportunity_difference")


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
    """One window's figures at a threshold: its audit (what :func:`fairdash.audit.result.judge` makes of its counts,
    made for all windows at once by :func:`~fairdash.audit.result.judge_many`), and what
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
class Monitor:
    """The monitor at one threshold: every window (in time order), the alerts, the baseline."""

    counts: LogCounts
    threshold: float
    tolerance: float
    baseline: pd.Timestamp
    windows: list[Window]
    alerts: list[dict[str, Any]]
    notes: tuple[str, ...] = ()


def _psi(current: np.ndarray, baseline: np.ndarray) -> float:
    """Population stability index of two histograms over the same bins (0 where either is empty)."""
    if current.sum() == 0 or baseline.sum() == 0:
        return float("nan")
    p = np.maximum(current / current.sum(), 1e-4)
    q = np.maximum(baseline / baseline.sum(), 1e-4)
    return float(np.sum((p - q) * np.log(p / q)))


def monitor(counts: LogCounts, *, threshold: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
            baseline: Any = None, min_group_size: int = SMALL_GROUP_SIZE) -> Monitor:
    """Every window's metrics, disparities (with intervals) and verdicts at ``threshold``, and the alerts.

    ``threshold`` defaults to what an audit of the same scores in memory takes
    (:attr:`fairdash.audit.score_bins.ScoreBins.default_threshold`: 0.5 for probabilities and 0/1 decisions, the
    lower middle of few distinct scores); scores with many values outside [0, 1] need one. ``baseline`` (a
    window's start; default the first window) is what the change test and the score drift (PSI) compare with.

    Alerts: for each disparity with a rule, the first window where it fails the gate (differences at
    ``tolerance``, the selection-rate ratio at 0.8); and for the demographic parity and equal
    opportunity differences, the first window whose difference changed from the baseline's by more than
    chance allows: a two-sided z-test of the change in the difference between the same two groups (the
    window's extremes), from the four binomial proportions, at 5% with Bonferroni over the windows.
    Label-based alerts skip windows whose outcomes are mostly not in yet. As on the Fairness page,
    groups with fewer than ``min_group_size`` rows in a window stay in its table but are left out of
    its disparities, verdicts and alerts (``Window.left_out``).
    """
    if threshold is None:
        threshold = counts.bins.default_threshold
        if threshold is None:
            raise InvalidInputError(f"The scores of {brief(counts.spec.score)} are not probabilities and take many values "
                                    f"({counts.bins.low:g} to {counts.bins.high:g}): give the threshold.")
    settings = AuditSettings(thresholds=check_threshold(threshold), tolerance=tolerance, min_group_size=min_group_size)
    base_index = _baseline_index(counts.windows, baseline)
    coarse = _drift_histograms(counts, base_index)
    at = counts.counts_at(settings.thresholds)
    present = at.sum(axis=2) > 0  # (windows, groups): a window's table holds the groups it has rows of
    kept = [at[index][present[index]] for index in range(len(counts.windows))]
    labels = [[label for label, keep in zip(counts.labels, present[index]) if keep] for index in range(len(counts.windows))]
    # Every window judged at once: the intervals of all windows are computed together, not window by window.
    results = judge_many(kept, labels, settings)
    windows = []
    for index, (start, table, result) in enumerate(zip(counts.windows, kept, results)):
        unknown = float((table[:, 4] + table[:, 5]).sum() / max(table.sum(), 1))
        psi = pd.Series({label: _psi(coarse[index, position], coarse[base_index, position])
                         for position, label in enumerate(counts.labels) if present[index, position]}, name="psi", dtype=float)
        windows.append(Window(start=start, rows=int(table.sum()), result=result, unknown_share=unknown,
                              pending=unknown > PENDING_SHARE, psi=psi))
    alerts = sorted(_gate_alerts(windows) + _change_alerts(windows, windows[base_index]),
                    key=lambda alert: (alert["window"], alert["disparity"]))
    return Monitor(counts=counts, threshold=float(settings.thresholds), tolerance=settings.tolerance, baseline=windows[base_index].start,
                   windows=windows, alerts=alerts, notes=_notes(counts, windows))


def _baseline_index(starts: Sequence[pd.Timestamp], baseline: Any) -> int:
    """The position of the window starting at ``baseline`` (default: the first)."""
    if baseline is None:
        return 0
    try:
        wanted = pd.Timestamp(baseline)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInputError(f"The baseline {brief(str(baseline))} is not a date; give a window's start date, such as "
                                f"{starts[0].date()}.") from None
    if wanted not in starts:
        raise InvalidInputError(f"There is no window starting {brief(str(baseline))}; the windows start "
                                f"{', '.join(str(start.date()) for start in starts[:6])}{' ...' if len(starts) > 6 else ''}.")
    return list(starts).index(wanted)


def _drift_histograms(counts: LogCounts, base_index: int) -> np.ndarray:
    """``(windows, groups, deciles)``: each group's rows over the deciles of the baseline window's scores (for the PSI)."""
    per_bin = counts.cells.sum(axis=2)  # (windows, groups, bins)
    base_hist = per_bin[base_index].sum(axis=0)
    cumulative = np.cumsum(base_hist) / max(base_hist.sum(), 1)
    cuts = np.unique(np.searchsorted(cumulative, np.linspace(0, 1, PSI_BINS + 1)[1:-1], side="left"))
    coarse_of_bin = np.searchsorted(cuts, np.arange(per_bin.shape[-1]), side="left")  # fine bin -> its decile
    return per_bin @ np.eye(len(cuts) + 1, dtype=np.int64)[coarse_of_bin]


def _gate_alerts(windows: Sequence[Window]) -> list[dict[str, Any]]:
    """For each disparity with a rule, the first window whose verdict fails (label-based ones skip pending windows)."""
    alerts = []
    findings = [window.findings.to_dict("index") for window in windows]
    for name in DISPARITY_NAMES:
        for window, found in zip(windows, findings):
            finding = found[name]
            if window.pending and name not in LABEL_FREE:
                continue
            if finding["passed"] is False:
                alerts.append({"window": window.start, "disparity": name, "value": finding["value"],
                               "reason": f"leaves the gate: {finding['value']:.3f}, which fails {finding['rule']}"})
                break
    return alerts


def _change_alerts(windows: Sequence[Window], base: Window) -> list[dict[str, Any]]:
    """For each tested difference, the first window whose change from the baseline is beyond chance (see :func:`monitor`)."""
    from scipy.stats import norm

    alerts = []
    later = [window for window in windows if window.start != base.start]
    for name in CHANGE_TESTED:
        rate = "selection_rate" if name.startswith("demographic") else "tpr"
        for window in later:
            if window.pending and rate != "selection_rate":
                continue
            change = _change_test(window, base, rate)
            if change is None:
                continue
            delta, z = change
            p_value = 2 * norm.sf(abs(z))
            if p_value < 0.05 / max(len(later), 1):
                alerts.append({"window": window.start, "disparity": name, "value": window.disparities[name],
                               "reason": (f"changed by {delta:+.3f} from the baseline window {base.start.date()} "
                                          f"(z = {z:.1f}, p = {p_value:.1e}; two-sided z-test on the gap between the same two groups, "
                                          f"Bonferroni over {len(later)} windows)")})
                break  # the first window where it changed; the chart shows the windows after it
    return alerts


def _notes(counts: LogCounts, windows: list[Window]) -> tuple[str, ...]:
    """What a reader should know about the log: windows with no rows, groups that appear late, no outcomes."""
    notes = []
    gaps, shown = _gaps(counts.windows, counts.spec.window)
    if gaps:
        listed = ", ".join(shown) + (f" and {gaps - len(shown)} more" if gaps > len(shown) else "")
        notes.append(f"No rows in the {counts.spec.window}(s) starting {listed}: a gap in the log, not a window of zeros.")
    far = _far_windows(counts)
    if far:
        notes.append(f"{far[0]:,} row(s) in window(s) starting {', '.join(far[1])} lie more than {FAR_YEARS} years from the "
                     "log's middle: placeholders for a missing date (such as 9999-12-31)? They are counted in windows of their own.")
    present = counts.cells.sum(axis=(2, 3)) > 0  # (windows, groups)
    late = [(label, counts.windows[int(np.argmax(present[:, position]))]) for position, label in enumerate(counts.labels)
            if not present[0, position]]
    if late:
        notes.append("Groups that first appear later: " + ", ".join(f"{brief(label)} ({start.date()})" for label, start in late[:6]) + ".")
    if counts.cells[:, :, (NEGATIVE, POSITIVE)].sum() == 0:
        notes.append(f"No outcome in {brief(counts.spec.target)} is known yet: only the selection rates and their disparities "
                     "(demographic parity) can be judged.")
    return tuple(notes)


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
        first += [_ordinal_start(int(ordinal), window) for ordinal in range(before + 1, min(after, before + 1 + shown - len(first)))]
        if len(first) >= shown:
            break
    return missing, first


def _change_test(window: Window, base: Window, rate: str) -> tuple[float, float] | None:
    """The change in the gap between the window's highest and lowest group from the baseline's gap
    between the same groups, and its z statistic (see :func:`gap_change`)."""
    values = window.table[rate].drop(index=list(window.left_out)).dropna()
    if len(values) < 2:
        return None
    high, low = values.idxmax(), values.idxmin()
    found = gap_change(window.table, base.table, rate, high, low)
    if found is None:
        return None
    delta, error = found
    return delta, delta / error


GAP_DENOMINATORS = {"selection_rate": ("count",), "tpr": ("tp", "fn"), "fpr": ("fp", "tn"), "precision": ("tp", "fp")}
"""The rows each rate is a share of (a window's rows without an outcome yet count in ``count``, for the selection rate)."""


def gap_change(after: pd.DataFrame, before: pd.DataFrame, rate: str, high: Any, low: Any) -> tuple[float, float] | None:
    """The change in the gap ``rate[high] - rate[low]`` from the metric table ``before`` to ``after``, and its standard
    error from the binomial variances of the four proportions: the statistic of the monitor's change test (and of
    ``compare``). ``None`` when a group is missing from either table, a proportion is undefined, or the variance is 0."""
    if high not in before.index or low not in before.index or high not in after.index or low not in after.index:
        return None
    variance = 0.0
    for frame, group in ((after, high), (after, low), (before, high), (before, low)):
        p, n = float(frame.loc[group, rate]), float(sum(frame.loc[group, column] for column in GAP_DENOMINATORS[rate]))
        if n == 0 or p != p:
            return None
        variance += p * (1 - p) / n
    if variance == 0:
        return None
    delta = (after.loc[high, rate] - after.loc[low, rate]) - (before.loc[high, rate] - before.loc[low, rate])
    return float(delta), math.sqrt(variance)
