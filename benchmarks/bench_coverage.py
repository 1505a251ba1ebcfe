"""Coverage of the rates' 95% intervals with known truth: the exact intervals fairdash uses against the percentile bootstrap it used before.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_coverage.py [--groups 20000] [--resamples 200]

For every group size n (10, 30, 100, 1000) and true rate p (0.01, 0.05, 0.5, 0.99), ``--groups`` groups of n rows have
their confusion cells (tp, fp, tn, fn) drawn from a multinomial whose cell probabilities fix every rate, as in
``tests/test_interval_coverage.py``: ``[p, p, 1-p, 1-p] / 2`` puts the selection rate, TPR and FPR at p and the FNR and
TNR at 1 - p (their denominators hold about n / 2 rows); ``[p, 1-p, 1-p, p] / 2`` the base rate and precision at p;
``[p, 1-p, p, 1-p] / 2`` the accuracy at p. Each group gets its interval of each rate from
:func:`fairdash.engine.intervals.rate_intervals` (one call for all groups of a setting) and from the old percentile
bootstrap (``--resamples`` resamples of the group's counts from its observed cell shares, the 2.5 and 97.5 percentiles of
the replicates that define the rate; 200 resamples by default to keep the run short, where the audit took 1,000). Coverage is the share of groups whose interval holds the truth, among the groups
that define the rate; its Monte-Carlo standard error at 20,000 groups and 95% is 0.0015.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fairdash.engine.intervals import rate_intervals  # noqa: E402
from fairdash.engine.metrics import RATE_COLUMNS, rates  # noqa: E402
from test_interval_coverage import CHECKED, DESIGNS  # noqa: E402  (the suite's designs: one definition of the truth)

SIZES = (10, 30, 100, 1000)
TRUE_RATES = (0.01, 0.05, 0.5, 0.99)
BATCH = 2_000_000  # replicate counts held at once by the bootstrap (16 MB)


def percentile_bootstrap(
    counts: np.ndarray, resamples: int, rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The old method's (lower, upper) of every rate, for groups ``(groups, 4)``, in batches of groups."""
    sizes = counts.sum(axis=1)
    low = {rate: np.empty(len(counts)) for rate in RATE_COLUMNS}
    high = {rate: np.empty(len(counts)) for rate in RATE_COLUMNS}
    step = max(1, BATCH // (resamples * 4))
    for first in range(0, len(counts), step):
        part = slice(first, first + step)
        draws = rng.multinomial(sizes[part], counts[part] / sizes[part, None], size=(resamples, len(counts[part])))
        replicates = rates(draws)
        for rate in RATE_COLUMNS:
            low[rate][part], high[rate][part] = nanquantiles(replicates[rate], (0.025, 0.975))
    return {rate: (low[rate], high[rate]) for rate in RATE_COLUMNS}


def nanquantiles(values: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """numpy.nanquantile over axis 0 (its default "linear" method), vectorised as the old bootstrap took it (numpy's own
    loops over the columns when any is NaN); NaN where every replicate is."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    defined = np.count_nonzero(~np.isnan(values), axis=0)
    result = []
    for q in qs:
        virtual = (defined - 1) * q
        below = np.floor(virtual)
        gamma = virtual - below
        below = np.clip(below, 0, None).astype(np.intp)
        above = np.minimum(below + 1, np.maximum(defined - 1, 0))
        low = np.take_along_axis(ordered, below[None], axis=0)[0]
        high = np.take_along_axis(ordered, above[None], axis=0)[0]
        with np.errstate(invalid="ignore"):
            step = high - low
            value = np.where(gamma >= 0.5, high - step * (1 - gamma), low + step * gamma)
        result.append(np.where(defined == 0, np.nan, value))
    return result


def coverage(lower: np.ndarray, upper: np.ndarray, defined: np.ndarray, truth: float) -> float:
    return float(((lower <= truth) & (truth <= upper))[defined].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    started = time.perf_counter()
    for n in SIZES:
        for p in TRUE_RATES:
            for design, cells in DESIGNS.items():
                counts = rng.multinomial(n, cells(p), size=args.groups)
                exact = rate_intervals(counts, [str(position) for position in range(len(counts))])
                old = percentile_bootstrap(counts, args.resamples, rng)
                estimates = rates(counts)
                for rate, (rate_design, at_p) in CHECKED.items():
                    if rate_design != design:
                        continue
                    truth, defined = (p if at_p else 1 - p), ~np.isnan(estimates[rate])
                    rows.append(
                        (
                            rate,
                            n,
                            truth,
                            int(defined.sum()),
                            coverage(exact.lower[rate].to_numpy(), exact.upper[rate].to_numpy(), defined, truth),
                            coverage(*old[rate], defined, truth),
                        )
                    )
    rows.sort(key=lambda row: (RATE_COLUMNS.index(row[0]), row[1], row[2]))
    print(f"{'rate':15s} {'n':>5s} {'true':>5s} {'groups':>7s} {'exact':>7s} {'bootstrap':>9s}")
    for rate, n, truth, defined, ours, theirs in rows:
        print(f"{rate:15s} {n:5d} {truth:5.2f} {defined:7d} {ours:7.3f} {theirs:9.3f}")
    print(
        f"lowest coverage: exact {min(row[4] for row in rows):.3f}, percentile bootstrap {min(row[5] for row in rows):.3f}; "
        f"{args.groups:,} groups per setting, {args.resamples:,} resamples, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
