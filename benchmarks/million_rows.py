"""A generated 1,000,000-row x 20-column scored table, for the benchmarks that upload a big table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["million_row_table"]


def million_row_table(path: Path, rows: int = 1_000_000) -> None:
    """20 columns: the group, the score, the outcome and 17 others (numbers and text) a real table carries."""
    rng = np.random.default_rng(0)
    group = rng.choice(["group A", "group B", "group C", "group D", "group E"], rows)
    outcome = rng.random(rows) < 0.4
    score = np.clip(rng.normal(0.35 + 0.3 * outcome, 0.2), 0, 1).round(4)
    columns = {"group": group, "score": score, "outcome": outcome.astype(int)}
    columns.update({f"measure_{k}": rng.normal(50, 15, rows).round(1) for k in range(8)})
    columns.update({f"count_{k}": rng.poisson(3 + k, rows) for k in range(6)})
    columns.update({f"code_{k}": rng.choice([f"c{j}" for j in range(20 + 10 * k)], rows) for k in range(3)})
    pd.DataFrame(columns).to_parquet(path)
