"""A threshold move on the Over time page: every window judged one by one (the loop) against all windows at once.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_over_time.py [--rows 1000000] [--months 60]

The move is ``fairdash.monitor.windows.monitor`` on counts already made (what the page reruns when the
threshold or the baseline moves). "Loop" runs it with ``judge_many`` replaced by ``judge`` called window by
window, which is how the monitor judged its windows before; "at once" is the monitor as it is. Both on the
COMPAS demo log (24 months, 6 groups) and on a synthetic log (``--rows`` rows over ``--months`` months); each
figure the median of 5 moves over different thresholds; the two give the same results (checked).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import median_seconds  # noqa: E402

from fairdash.engine.result import judge  # noqa: E402
from fairdash.monitor import windows  # noqa: E402
from fairdash.monitor.engines import MonitorSpec, count_log  # noqa: E402
from fairdash.monitor.logs import COMPAS_MONITOR, compas_log, synthetic_log  # noqa: E402

SYNTHETIC = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")


def judge_each(counts_per_table, labels_per_table, settings, **options):
    """The windows judged one by one: the monitor's loop before judge_many."""
    return [judge(counts, labels, settings, **options) for counts, labels in zip(counts_per_table, labels_per_table)]


def moves(counts, thresholds):
    """A function making one threshold move per call, cycling through ``thresholds``."""
    position = iter(range(10**9))
    return lambda: windows.monitor(counts, threshold=thresholds[next(position) % len(thresholds)])


def compare(name: str, counts, thresholds) -> None:
    windows.monitor(counts, threshold=thresholds[0])  # imports and first-call costs out of the figures
    with mock.patch.object(windows, "judge_many", judge_each):
        loop = median_seconds(moves(counts, thresholds), repeat=5)
        before = windows.monitor(counts, threshold=thresholds[0])
    at_once = median_seconds(moves(counts, thresholds), repeat=5)
    after = windows.monitor(counts, threshold=thresholds[0])
    assert [
        window.result.intervals.disparities.round(12).equals(other.result.intervals.disparities.round(12))
        for window, other in zip(before.windows, after.windows)
    ] == [True] * len(after.windows)
    print(
        f"{name}: {len(counts.windows)} windows x {len(counts.labels)} groups; threshold move "
        f"{loop * 1000:.0f} ms window by window, {at_once * 1000:.0f} ms at once: {loop / at_once:.1f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    compare("COMPAS demo log (6,172 rows)", count_log(compas_log(), COMPAS_MONITOR), [3.0, 4.0, 5.0, 6.0, 7.0])
    log = synthetic_log(args.rows, months=args.months, drift_month=args.months // 2)
    compare(f"synthetic log ({args.rows:,} rows)", count_log(log, SYNTHETIC), [0.3, 0.4, 0.5, 0.6, 0.7])


if __name__ == "__main__":
    main()
