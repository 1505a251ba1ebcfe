"""Speed of the metrics engine, against peers measured in the same run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_metrics.py

Prints, each with the figure it is compared with:
1. group_metrics against Fairlearn's MetricFrame computing the same five rates (200,000 rows, 5 groups);
2. group_metrics at 1,000,000 rows;
3. a slider move (ThresholdCurves.metrics_at, the whole table) at 10,000 and 1,000,000 rows, and against
   a single bare np.bincount pass over 1,000,000 rows.
Times are the median of repeated runs (shared, noisy machines: ratios within one run are what count).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, without installing


def median_seconds(function: Callable[[], object], *, repeat: int, number: int = 1) -> float:
    function()  # warm up (imports, caches)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def generated(n: int, groups: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    rng = np.random.default_rng(seed)
    group = pd.Series(rng.choice([f"group {i}" for i in range(groups)], n), name="group")
    y_true = rng.random(n) < 0.4
    scores = np.clip(rng.normal(0.35 + 0.3 * y_true, 0.2), 0, 1).round(4)
    return y_true, scores, group


def main() -> None:
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, precision_score

    from fairdash.engine.metrics import group_metrics
    from fairdash.engine.thresholds import ThresholdCurves

    print("1. group_metrics vs Fairlearn MetricFrame, 200,000 rows, 5 groups, five rates")
    y_true, scores, group = generated(200_000)
    y_pred = scores >= 0.5
    five = {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "precision": lambda y, p: precision_score(y, p, zero_division=np.nan),
        "accuracy": accuracy_score,
    }
    ours = median_seconds(lambda: group_metrics(y_true, y_pred, group), repeat=15)
    theirs = median_seconds(
        lambda: MetricFrame(metrics=five, y_true=y_true, y_pred=y_pred, sensitive_features=group).by_group, repeat=5
    )
    check = group_metrics(y_true, y_pred, group)
    frame = MetricFrame(metrics=five, y_true=y_true, y_pred=y_pred, sensitive_features=group).by_group
    assert np.allclose(check.loc[frame.index, list(five)].to_numpy(), frame.to_numpy())
    print(f"   fairdash {ours * 1e3:8.2f} ms   Fairlearn {theirs * 1e3:8.2f} ms   ratio {theirs / ours:6.0f}x (goal >= 100x)")

    print("2. group_metrics at 1,000,000 rows, 5 groups")
    y_true_m, scores_m, group_m = generated(1_000_000)
    y_pred_m = scores_m >= 0.5
    million = median_seconds(lambda: group_metrics(y_true_m, y_pred_m, group_m), repeat=7)
    print(f"   fairdash {million * 1e3:8.1f} ms (goal < 1000 ms)")

    print("3. a slider move: ThresholdCurves.metrics_at (whole table)")
    small = ThresholdCurves(*generated(10_000))
    large = ThresholdCurves(y_true_m, scores_m, group_m)
    thresholds = np.linspace(0.05, 0.95, 50)
    cycle = iter(np.tile(thresholds, 10_000))
    at_10k = median_seconds(lambda: small.metrics_at(float(next(cycle))), repeat=15, number=20)
    at_1m = median_seconds(lambda: large.metrics_at(float(next(cycle))), repeat=15, number=20)
    codes = pd.factorize(group_m)[0]
    bincount = median_seconds(lambda: np.bincount(codes * 4 + (y_true_m << 1) + y_pred_m, minlength=20), repeat=15)
    print(
        f"   10,000 rows {at_10k * 1e6:8.0f} us   1,000,000 rows {at_1m * 1e6:8.0f} us   "
        f"ratio {at_1m / at_10k:4.2f}x (goal <= 2x)"
    )
    print(
        f"   one bare np.bincount pass over 1,000,000 rows {bincount * 1e6:8.0f} us   ratio {bincount / at_1m:5.1f}x (goal >= 5x)"
    )
    build = median_seconds(lambda: ThresholdCurves(y_true_m, scores_m, group_m), repeat=3)
    print(f"   (once per audit, cached: sorting 1,000,000 scores by group {build * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
