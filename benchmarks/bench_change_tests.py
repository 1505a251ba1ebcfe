"""False alarms of the change test (the monitor's alerts and compare's "beyond chance") with no change at all.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_change_tests.py [--draws 20000] [--audits 1000]

1. The statistic: groups of unequal sizes (120 to 900 rows) with the same rate (0.35) drawn twice; the share of draws
   where the test alarms at 5%. Old: the after table's highest and lowest group, tested at 1.96 as if chosen in
   advance (what fairdash did before). New: every pair, the largest |z| against the studentized range
   (fairdash.engine.changes). For differences and ratios, 2, 4, 8 and 16 groups. Goal: new <= 5% within the
   Monte-Carlo margin (printed); old grows with the groups.
2. The monitor's rule: 12 windows against one baseline, 8 groups, Bonferroni over the windows (any alarm is false).
3. End to end: --audits pairs of audit documents of 8 groups, no change, through fairdash.engine.compare.compare_audits:
   the share of pairs where a demographic parity disparity is "beyond chance" (both tested: 5% over the two).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import norm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairdash.engine.changes import critical_value, pair_changes  # noqa: E402
from fairdash.engine.compare import compare_audits  # noqa: E402

RATE = 0.35


def _sizes(groups: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(120, 900, groups).astype(float)


def _draw(sizes: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    return rng.binomial(sizes.astype(int), RATE, size=(draws, len(sizes))) / sizes


def _largest_z(after: np.ndarray, before: np.ndarray, sizes: np.ndarray, measure: str) -> np.ndarray:
    change, error, _ = pair_changes(after, sizes, before, sizes, measure=measure)
    z = np.abs(change / error)
    return np.where(np.isnan(z), -np.inf, z).max(axis=1)


def _old_z(after: np.ndarray, before: np.ndarray, sizes: np.ndarray, measure: str) -> np.ndarray:
    """The former test: the after table's extremes, that pair's z (the formula of fairdash before this change)."""
    rows = np.arange(len(after))
    high, low = after.argmax(axis=1), after.argmin(axis=1)
    cells = [
        (after[rows, high], sizes[high]),
        (after[rows, low], sizes[low]),
        (before[rows, high], sizes[high]),
        (before[rows, low], sizes[low]),
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "difference":
            change = (cells[0][0] - cells[1][0]) - (cells[2][0] - cells[3][0])
            variance = sum(p * (1 - p) / n for p, n in cells)
        else:
            ratios = cells[1][0] / cells[0][0], cells[3][0] / cells[2][0]
            change = ratios[0] - ratios[1]
            variance = sum(r**2 * sum((1 - p) / (n * p) for p, n in pair) for r, pair in zip(ratios, (cells[:2], cells[2:])))
        return np.abs(change) / np.sqrt(variance)


def statistic_table(draws: int) -> None:
    margin = 3 * math.sqrt(0.05 * 0.95 / draws)
    print(f"1. False alarms at 5%, no change ({draws:,} draws each; Monte-Carlo margin +/-{margin:.3f})")
    print(f"{'measure':12s} {'groups':>6s} {'old (extremes)':>15s} {'new (all pairs)':>16s}")
    for measure in ("difference", "ratio"):
        for groups in (2, 4, 8, 16):
            sizes, rng = _sizes(groups, groups), np.random.default_rng(1000 + groups)
            before, after = _draw(sizes, rng, draws), _draw(sizes, rng, draws)
            old = np.mean(_old_z(after, before, sizes, measure) > norm.isf(0.025))
            new = np.mean(_largest_z(after, before, sizes, measure) > critical_value(0.05, groups))
            print(f"{measure:12s} {groups:6d} {old:15.3f} {new:16.3f}")


def monitor_rule(draws: int, windows: int = 12, groups: int = 8) -> None:
    sizes, rng = _sizes(groups, 5), np.random.default_rng(5)
    base = _draw(sizes, rng, draws)
    old = np.zeros(draws, bool)
    new = np.zeros(draws, bool)
    for _ in range(windows):
        window = _draw(sizes, rng, draws)
        old |= _old_z(window, base, sizes, "difference") > norm.isf(0.025 / windows)
        new |= _largest_z(window, base, sizes, "difference") > critical_value(0.05 / windows, groups)
    print(
        f"\n2. The monitor's rule, {windows} windows against one baseline, {groups} groups: any alarm "
        f"old {old.mean():.3f}, new {new.mean():.3f} ({draws:,} logs)"
    )


def _document(sizes: np.ndarray, selected: np.ndarray) -> dict:
    rates = selected / sizes
    groups = {
        f"g{index}": {
            "count": int(n),
            "tp": int(k),
            "fp": 0,
            "tn": 0,
            "fn": int(n - k),
            "selection_rate": float(rate),
            "tpr": float(rate),
            "fpr": None,
            "precision": 1.0 if k else None,
            "base_rate": 1.0,
            "accuracy": float(rate),
        }
        for index, (n, k, rate) in enumerate(zip(sizes, selected, rates))
    }
    disparities = {
        "demographic_parity_difference": float(rates.max() - rates.min()),
        "demographic_parity_ratio": float(rates.min() / rates.max()),
    }
    return {"settings": {"target": "y", "positive_label": 1, "sensitive": ["g"]}, "groups": groups, "disparities": disparities}


def end_to_end(audits: int, groups: int = 8) -> None:
    sizes, rng = _sizes(groups, 9), np.random.default_rng(9)
    alarms, started = 0, time.perf_counter()
    for _ in range(audits):
        before, after = (_document(sizes, rng.binomial(sizes.astype(int), RATE)) for _ in range(2))
        verdicts = compare_audits(before, after).disparities["beyond_chance"]
        alarms += bool(verdicts.fillna(False).astype(bool).any())
    share = alarms / audits
    print(
        f"\n3. compare_audits, {audits:,} pairs of audits of {groups} groups, no change: a demographic parity change beyond "
        f"chance in {share:.3f} (+/-{3 * math.sqrt(0.05 * 0.95 / audits):.3f}); {time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument("--audits", type=int, default=1_000)
    args = parser.parse_args()
    statistic_table(args.draws)
    monitor_rule(args.draws)
    end_to_end(args.audits)


if __name__ == "__main__":
    main()
