"""Decision logs to try the monitor on: COMPAS by screening date, and a synthetic log of any size with a planted drift."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairdash.monitor.engines import MonitorSpec

__all__ = ["compas_log", "COMPAS_MONITOR", "synthetic_log"]


def compas_log() -> pd.DataFrame:
    """COMPAS as a decision log: each defendant's screening date, race, sex, decile score and outcome
    (ProPublica's filter, as in the COMPAS demo)."""
    from fairdash.engine.demo import DATA_DIR

    raw = pd.read_csv(DATA_DIR / "compas-scores-two-years.csv.gz")
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"] != "N/A")
    )
    log = raw.loc[keep, ["compas_screening_date", "race", "sex", "decile_score", "two_year_recid"]].reset_index(drop=True)
    log["compas_screening_date"] = pd.to_datetime(log["compas_screening_date"])
    return log


COMPAS_MONITOR = MonitorSpec(
    time="compas_screening_date",
    target="two_year_recid",
    positive_label=1,
    sensitive=("race",),
    window="month",
    score="decile_score",
)
"""The Over-time page's demo: COMPAS by month over its screening dates (2013-2014)."""


def synthetic_log(
    rows: int,
    *,
    months: int = 24,
    drift_month: int | None = 12,
    drift: float = 0.15,
    pending_months: int = 2,
    start: str = "2024-01-01",
    random_state: int = 0,
) -> pd.DataFrame:
    """A decision log of ``rows`` rows over ``months`` months: time, group (a/b/c), score, outcome.

    From ``drift_month`` on (0-based; ``None``: never), group b's scores drop by ``drift`` (so its
    selection rate falls: a planted disparity); the last ``pending_months`` have most outcomes unknown.
    """
    rng = np.random.default_rng(random_state)
    month = rng.integers(0, months, rows)
    day = rng.integers(0, 28, rows)
    times = (np.datetime64(start, "M") + month.astype("timedelta64[M]")).astype("datetime64[D]") + day.astype("timedelta64[D]")
    group = rng.choice(np.array(["a", "b", "c"]), rows, p=[0.5, 0.3, 0.2])
    outcome = rng.random(rows) < 0.4
    score = rng.normal(0.35 + 0.3 * outcome, 0.15)
    if drift_month is not None:
        score = score - np.where((group == "b") & (month >= drift_month), drift, 0.0)
    score = np.clip(score, 0, 1).round(4)
    known = ~((month >= months - pending_months) & (rng.random(rows) < 0.8))
    return pd.DataFrame(
        {
            "time": times,
            "group": group,
            "score": score,
            "outcome": pd.Series(outcome.astype(int), dtype="Int64").where(known, pd.NA),
        }
    )
