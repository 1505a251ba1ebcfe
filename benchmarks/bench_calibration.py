"""Calibration and recourse at their stated levels, by simulation with known truth (larger than the tests').

Run: OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_calibration.py [runs]
Prints, for calibrated groups of 30, 100 and 1000 rows, the family-wise false-alarm rate of the calibration findings
(tolerance 0, the test's sharpest form) and of the old verdict (the ECE gap against 0.1); the miss rate of each
group's ECE interval and of the gap's interval against their truth (calibrated, and one group miscalibrated); and
the miss rate of the recourse burden gaps' intervals (new, and the old percentile bootstrap) with planted burdens."""

from __future__ import annotations

import sys

import numpy as np

from fairdash.engine.calibration import calibration_by_group
from fairdash.explain.recourse import burden_gap_intervals


def _true_ece(probability, scores, n_bins=10):
    edges = np.unique(np.percentile(scores, np.linspace(0, 100, n_bins + 1)))
    bins = np.searchsorted(edges[1:-1], scores, side="right")
    return np.abs(np.bincount(bins, probability) - np.bincount(bins, scores)).sum() / len(scores)


def calibration(runs: int) -> None:
    rng = np.random.default_rng(0)
    sizes = (30, 100, 1000)
    for steep in (False, True):
        alarms = old = gap_missed = 0
        missed = dict.fromkeys(sizes, 0)
        for run in range(runs):
            labels = np.repeat([f"g{size}" for size in sizes], sizes)
            scores = rng.random(len(labels))
            probability = np.where((labels == "g1000") & steep, scores**2, scores)
            truth = rng.random(len(labels)) < probability
            result = calibration_by_group(truth, scores, labels, tolerance=0.0, n_resamples=400, random_state=run)
            alarms += (result.findings["passed"] == False).any()  # noqa: E712
            old += result.ece_difference > 0.1
            eces = {}
            for size in sizes:
                rows = labels == f"g{size}"
                eces[size] = _true_ece(probability[rows], scores[rows])
                low, high = result.groups[f"g{size}"].ece_interval
                missed[size] += not low <= eces[size] <= high
            low, high = result.ece_difference_interval
            gap_missed += not low <= max(eces.values()) - min(eces.values()) <= high
        what = "g1000 miscalibrated (y ~ score^2)" if steep else "all calibrated"
        print(
            f"{what}: any finding fails {alarms / runs:.3f}; old verdict (gap > 0.1) {old / runs:.3f}; ECE interval misses "
            + ", ".join(f"{size} rows {count / runs:.3f}" for size, count in missed.items())
            + f"; gap interval misses {gap_missed / runs:.3f}"
        )


def recourse(runs: int) -> None:
    rng = np.random.default_rng(1)
    for means in ((1.0,) * 2, (1.0,) * 6, (1.0, 1.1, 1.2, 1.3, 1.4, 1.5)):
        means = np.asarray(means)
        truth = (means.max() - means.min(), means.min() / means.max())
        new, old = [0, 0], [0, 0]
        for _ in range(runs):
            distances = [
                rng.lognormal(np.log(mean) - 0.5, 1.0, size) for mean, size in zip(means, rng.integers(30, 200, len(means)))
            ]
            intervals = burden_gap_intervals(distances, rng=rng)
            replicates = np.stack([d[rng.integers(0, len(d), (1000, len(d)))].mean(axis=1) for d in distances], axis=1)
            old_intervals = (
                np.quantile(replicates.max(1) - replicates.min(1), [0.025, 0.975]),
                np.quantile(replicates.min(1) / replicates.max(1), [0.025, 0.975]),
            )
            for position, name in enumerate(("recourse_burden_difference", "recourse_burden_ratio")):
                low, high = intervals[name]
                new[position] += not low <= truth[position] <= high
                old[position] += not old_intervals[position][0] <= truth[position] <= old_intervals[position][1]
        print(
            f"recourse, means {means.tolist()}: new misses difference {new[0] / runs:.3f}, ratio {new[1] / runs:.3f}; "
            f"old percentile bootstrap {old[0] / runs:.3f}, {old[1] / runs:.3f}"
        )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    calibration(count)
    recourse(count // 2)
