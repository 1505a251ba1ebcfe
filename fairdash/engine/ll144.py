"""The tables of a bias audit under New York City's Local Law 144 (the DCWP's rules, 6 RCNY § 5-300 and § 5-301).

For each sensitive attribute, and for the intersection of two (``"sex | race"``), each category's number of
``applicants``, its ``rate`` and its ``impact_ratio``:

- with decisions (selected or not), the rate is the **selection rate**: the share of the category's rows selected;
- with scores, the rate is the **scoring rate**: the share of the category's rows whose score is above the median
  score of all the rows (strictly above: a score equal to the median does not count);
- the impact ratio is a category's rate over the highest rate among the categories not excluded;
- a category with under 2% of all rows (the rules allow the auditor to leave such a category out of the impact
  ratios) keeps its applicants and rate, is marked ``excluded`` and has no impact ratio;
- a row whose category is unknown (missing or blank) is counted in ``unknown`` for that attribute and is in none of its
  categories; a row unknown in either attribute is unknown in their intersection.

There is no pass or fail: the law sets no threshold. Numbers only; words, HTML and JSON are in
:mod:`fairdash.present.bias_audit`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, brief

__all__ = [
    "EXCLUDE_BELOW",
    "INTERSECTION_SEPARATOR",
    "BiasAuditTables",
    "bias_audit_tables",
    "decisions_from",
    "known_categories",
]

EXCLUDE_BELOW = 0.02
"""A category with fewer than this share of all rows is excluded from the impact ratios (its rate is still shown)."""

INTERSECTION_SEPARATOR = " | "
"""How the intersection of two attributes is named, and how its categories are written (``"Female | Black"``)."""


@dataclass(frozen=True)
class BiasAuditTables:
    """The tables of a Local Law 144 bias audit (see the module's description).

    ``tables`` maps each attribute (and the intersection) to a frame indexed by category, with columns ``applicants``
    (int), ``rate`` and ``impact_ratio`` (float; NaN where excluded, or where every rate not excluded is 0) and
    ``excluded`` (bool), in decreasing order of applicants. ``unknown`` maps each to its rows of unknown category.
    ``median`` is the median score of all rows (scoring only)."""

    kind: Literal["selection", "scoring"]
    tables: Mapping[str, pd.DataFrame]
    unknown: Mapping[str, int]
    rows: int
    median: float | None = None
    exclude_below: float = EXCLUDE_BELOW
    attributes: tuple[str, ...] = field(default=())


def known_categories(values: pd.Series) -> pd.Series:
    """Each row's category as text, or ``None`` where it is unknown (missing, or blank text)."""
    text = values.astype("string").str.strip()
    return text.where(values.notna() & (text != ""), None).astype(object)


def decisions_from(values: pd.Series, column: str) -> np.ndarray:
    """A decision column as booleans: ``True``/``False`` or 1/0 (as numbers or text); anything else is an error."""
    if values.isna().any():
        raise InvalidInputError(
            f"The decision column {brief(column)} has {int(values.isna().sum()):,} missing values; "
            "give every row a decision (1 selected, 0 not)."
        )
    if values.dtype == bool:
        return values.to_numpy()
    text = values.astype(str).str.strip().str.lower()
    known = {"1": True, "1.0": True, "true": True, "0": False, "0.0": False, "false": False}
    odd = sorted(set(text) - set(known))
    if odd:
        raise InvalidInputError(
            f"The decision column {brief(column)} holds {brief(odd[0])}; a decision is 1 (selected) or 0 "
            "(not selected). For a score, use --score."
        )
    return text.map(known).to_numpy(dtype=bool)


def _scores(values: pd.Series, column: str) -> np.ndarray:
    scores = pd.to_numeric(values, errors="coerce")
    bad = scores.isna() | ~np.isfinite(scores.astype(float))
    if bad.any():
        first = values[bad].iloc[0]
        raise InvalidInputError(
            f"The score column {brief(column)} has {int(bad.sum()):,} values that are not numbers (such as "
            f"{brief(first)}); give every row a numeric score."
        )
    return scores.to_numpy(dtype=float)


def _table(categories: pd.Series, hits: np.ndarray, rows: int, exclude_below: float) -> pd.DataFrame:
    """One attribute's table from each row's category (``None`` unknown) and whether it counts (selected, above median)."""
    known = categories.notna().to_numpy()
    frame = pd.DataFrame({"category": categories[known].to_numpy(), "hit": hits[known]})
    counts = frame.groupby("category", sort=True)["hit"].agg(["size", "sum"])
    table = pd.DataFrame({"applicants": counts["size"].astype(int), "rate": counts["sum"] / counts["size"]})
    table["excluded"] = table["applicants"] < exclude_below * rows
    best = table.loc[~table["excluded"], "rate"].max() if (~table["excluded"]).any() else np.nan
    table["impact_ratio"] = np.where(table["excluded"] | ~(best > 0), np.nan, table["rate"] / best)
    table.index.name = "category"
    order = sorted(table.index, key=lambda label: (-table.loc[label, "applicants"], label))
    return table.loc[order, ["applicants", "rate", "impact_ratio", "excluded"]]


def bias_audit_tables(
    data: pd.DataFrame,
    sensitive: Sequence[str],
    *,
    score: str | None = None,
    decision: str | None = None,
    exclude_below: float = EXCLUDE_BELOW,
) -> BiasAuditTables:
    """The Local Law 144 tables of ``data``: one or two ``sensitive`` columns, and either a ``score`` column (scoring
    rates) or a ``decision`` column (selection rates, 1 selected, 0 not).

    Raises :class:`~fairdash.errors.InvalidInputError` for a missing column, both or neither of score and decision,
    more than two attributes, an empty table, or a score or decision that is not one.
    """
    sensitive = tuple(sensitive)
    if (score is None) == (decision is None):
        raise InvalidInputError(
            "Give either a score column (scoring rates) or a decision column (selection rates), not both or neither."
        )
    if not 1 <= len(sensitive) <= 2:
        raise InvalidInputError(f"Local Law 144 tables take one or two attributes (such as sex and race); got {len(sensitive)}.")
    for column in (*sensitive, score or decision):
        if column not in data.columns:
            raise InvalidInputError(
                f"The table has no column {brief(column)}; its columns are {', '.join(map(str, data.columns))}."
            )
    if len(data) == 0:
        raise InvalidInputError("The table has no rows.")
    median = None
    if score is not None:
        values = _scores(data[score], score)
        median = float(np.median(values))
        hits = values > median
    else:
        assert decision is not None  # exactly one of score and decision, checked above
        hits = decisions_from(data[decision], decision)
    categories = {column: known_categories(data[column]) for column in sensitive}
    if len(sensitive) == 2:
        first, second = (categories[column] for column in sensitive)
        both = first.notna() & second.notna()
        joined = first.where(both, "").astype(str) + INTERSECTION_SEPARATOR + second.where(both, "").astype(str)
        categories[INTERSECTION_SEPARATOR.join(sensitive)] = joined.where(both, None).astype(object)
    rows = len(data)
    return BiasAuditTables(
        kind="scoring" if score is not None else "selection",
        tables={name: _table(values, hits, rows, exclude_below) for name, values in categories.items()},
        unknown={name: int(values.isna().sum()) for name, values in categories.items()},
        rows=rows,
        median=median,
        exclude_below=exclude_below,
        attributes=sensitive,
    )
