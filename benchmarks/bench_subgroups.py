"""Speed of subgroup discovery and calibration on the Adult demo.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_subgroups.py

1. Every subgroup of one and two conditions over the Adult demo's 13 columns (15,060 audited rows), at the demo's
   threshold: median of 3, and the number of subgroups and tests. Goal: under 10 s.
2. The peer: the same counts taken the usual way, one boolean row mask per subgroup (pandas ``==`` per condition,
   numpy counts of the four cells); the ratio against 1.
3. The same search on the rows repeated 10 times (150,600 rows): the cost grows with the rows, not the subgroups.
4. Calibration within groups (reliability points, ECE with 1,000 bootstrap resamples, Brier) on the same rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import median_seconds  # noqa: E402


def _masks(table, truth, decided, conditions) -> None:
    """The peer: each subgroup's four counts from a row mask of its own."""
    import numpy as np

    for subgroup in conditions:
        inside = np.ones(len(table), dtype=bool)
        for condition in subgroup:
            inside &= condition.mask(table)
        np.bincount((truth[inside].astype(np.int64) << 1) + decided[inside], minlength=4)


def main() -> None:
    import numpy as np
    import pandas as pd

    from fairdash.engine.calibration import calibration_by_group
    from fairdash.engine.demo import load_demo
    from fairdash.engine.inputs import prepare_audit
    from fairdash.engine.subgroups import find_subgroups
    from fairdash.engine.thresholds import decisions_at

    demo = load_demo("adult")
    table, spec = demo.data, demo.spec
    inputs = prepare_audit(table, spec, demo.model)
    decided = decisions_at(inputs.scores, inputs.groups, inputs.default_threshold)
    columns = [column for column in table.columns if column != spec.target]

    found = find_subgroups(table, inputs.y_true, decided, columns=columns, top=10**9)
    seconds = median_seconds(lambda: find_subgroups(table, inputs.y_true, decided, columns=columns))
    print(
        f"1. Adult demo, {len(table):,} rows, {len(columns)} columns: {found.tested:,} subgroups of 1-2 conditions tested "
        f"({found.tests:,} tests in 3 rates) in {seconds:.3f} s (median of 3; goal < 10 s: {'met' if seconds < 10 else 'NOT met'})"
    )
    print(f"   columns left out: {found.skipped or 'none'}")

    subgroups = list(dict.fromkeys(found.results["conditions"]))
    peer = median_seconds(lambda: _masks(table, inputs.y_true, decided, subgroups), repeat=1)
    print(
        f"2. peer, one row mask per subgroup: {peer:.3f} s for the same {len(subgroups):,} subgroups; "
        f"ratio fairdash / peer = {seconds / peer:.3f}"
    )

    bigger = pd.concat([table] * 10, ignore_index=True)
    truth10, decided10 = np.tile(inputs.y_true, 10), np.tile(decided, 10)
    big = median_seconds(lambda: find_subgroups(bigger, truth10, decided10, columns=columns))
    print(f"3. the rows x10 ({len(bigger):,} rows): {big:.3f} s, {big / seconds:.1f}x the time of 1.")

    calibration = median_seconds(lambda: calibration_by_group(inputs.y_true, inputs.scores, inputs.group_codes))
    print(f"4. calibration within groups, {len(table):,} rows, 2 groups, 1,000 resamples: {calibration:.3f} s (median of 3)")


if __name__ == "__main__":
    main()
