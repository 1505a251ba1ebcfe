"""The figures docs/statistics.md quotes for the data balance and the CDD: the CDD interval's coverage (ours and the
textbook Wald interval) and the distribution tests' false-flag rate on null tables (Holm and uncorrected).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_balance.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from fairdash.engine.balance import feature_shifts
from fairdash.engine.conditional import cdd_with_interval, demographic_disparities

SETTINGS = {  # strata shares, group d's share per stratum, acceptance per (stratum, d or other)
    "three strata, moderate rates": (
        np.array([0.3, 0.3, 0.4]),
        np.array([0.2, 0.5, 0.8]),
        np.array([[0.7, 0.6], [0.4, 0.3], [0.1, 0.15]]),
    ),
    "two strata, rates near 0 and 1": (np.array([0.5, 0.5]), np.array([0.1, 0.9]), np.array([[0.05, 0.1], [0.9, 0.95]])),
}


def _truth(strata, share, accept):
    total = 0.0
    for i in range(len(strata)):
        rejected = np.array([share[i] * (1 - accept[i, 0]), (1 - share[i]) * (1 - accept[i, 1])])
        accepted = np.array([share[i] * accept[i, 0], (1 - share[i]) * accept[i, 1]])
        total += strata[i] * (rejected[0] / rejected.sum() - accepted[0] / accepted.sum())
    return total


def _wald(counts):
    r, a = counts[False].to_numpy(float), counts[True].to_numpy(float)
    nr, na = r.sum(1, keepdims=True), a.sum(1, keepdims=True)
    w = (nr + na)[:, 0] / (nr + na).sum()
    p0, p1 = r / nr, a / na
    value, se = w @ (p0 - p1), np.sqrt(w**2 @ (p0 * (1 - p0) / nr + p1 * (1 - p1) / na))
    return value[0] - norm.ppf(0.975) * se[0], value[0] + norm.ppf(0.975) * se[0]


def coverage(rows, strata, share, accept, runs=1000, seed=0):
    rng, truth = np.random.default_rng(seed), _truth(strata, share, accept)
    ours = wald = done = 0
    for _ in range(runs):
        s = rng.choice(len(strata), rows, p=strata)
        other = (rng.random(rows) >= share[s]).astype(int)
        accepted = rng.random(rows) < accept[s, other]
        _, left_out, counts = demographic_disparities(
            accepted, pd.Series(np.where(other == 0, "d", "o")), pd.Series(s.astype(str))
        )
        if left_out:
            continue
        done += 1
        interval = cdd_with_interval(counts).loc["d"]
        ours += interval["lower"] <= truth <= interval["upper"]
        low, high = _wald(counts)
        wald += low <= truth <= high
    return ours / done, wald / done, done


def null_flags(runs=1000, rows=300, seed=1):
    rng = np.random.default_rng(seed)
    holm = raw = one_ks = one_chi = 0
    for _ in range(runs):
        columns = {f"number{i}": rng.normal(size=rows) for i in range(5)}
        columns.update({f"category{i}": rng.choice(list("abcd"), rows, p=[0.4, 0.3, 0.2, 0.1]) for i in range(5)})
        found, _ = feature_shifts(pd.DataFrame(columns), pd.Series(rng.choice(["A", "B", "C"], rows, p=[0.5, 0.3, 0.2])))
        holm += (found["p_adjusted"] < 0.05).any()
        raw += (found["p_value"] < 0.05).any()
        one_ks += found.loc["number0", "p_value"] < 0.05
        one_chi += found.loc["category0", "p_value"] < 0.05
    return holm / runs, raw / runs, one_ks / runs, one_chi / runs


if __name__ == "__main__":
    for name, setting in SETTINGS.items():
        for rows in (100, 400, 2000):
            ours, wald, done = coverage(rows, *setting)
            print(f"CDD 95% interval, {name}, {rows} rows: ours {ours:.3f}, Wald {wald:.3f} ({done} runs)")
    holm, raw, ks, chi = null_flags()
    print(
        f"null tables (10 columns, 3 groups, 300 rows, 1000 runs): any flag after Holm {holm:.3f}, uncorrected {raw:.3f}; "
        f"one KS column {ks:.3f}, one chi-square column {chi:.3f}"
    )
