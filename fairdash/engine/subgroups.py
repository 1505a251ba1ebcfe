"""Subgroup discovery: the subgroups with the largest gaps against the rest of the rows, found, not guessed.

Every subgroup defined by one or two conditions over the table's columns is tested (categories as they are,
numeric columns with more than :data:`fairdash.engine.spec.BIN_ABOVE` values in quintile bands; sensitive and other
columns alike, so a proxy shows), in selection rate, true positive rate and false positive rate, each against the
rest of the rows. Counts come from one ``np.bincount`` per pair of columns (codes of the two columns and each row's
outcome-and-decision cell), never from a loop over rows or subgroups.

Each test has a two-sided p-value (the pooled two-proportion z-test, the same as a chi-squared test of the 2x2 table)
and a p-value corrected for every test made (Bonferroni: the family-wise error stays under 5% whatever the tests'
dependence), and the gap an interval that holds for all tests at once (Newcombe's hybrid score interval at level
``1 - 0.05 / tests``). The ranking puts first the gaps that are surely largest: by the end of that interval nearest 0
(0 when it holds 0), then by p-value. Subgroups that hold the same rows (``sex = Male and relationship = Husband`` is
``relationship = Husband``; ``education`` and ``education_num`` name the same groups) are tested once, under the first
and simplest name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.groups import MISSING_GROUP
from fairdash.engine.metrics import as_bool
from fairdash.engine.rates import RATES
from fairdash.engine.spec import SMALL_GROUP_SIZE, default_bins, id_like_columns, needs_bins
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.values import plain_value, value_text

__all__ = [
    "SUBGROUP_METRICS",
    "MAX_CATEGORIES",
    "MAX_SUBGROUPS",
    "Condition",
    "SubgroupSearch",
    "find_subgroups",
    "subgroup_mask",
    "newcombe_interval",
    "pooled_z_p_value",
    "SUBGROUP_VALUES",
    "with_subgroup_column",
]

SUBGROUP_METRICS = ("selection_rate", "tpr", "fpr")
"""The rates each subgroup is compared in."""

MAX_CATEGORIES = 100
"""A column with more values than this of at least the minimum size is left out (a name, an address, an ID)."""

MAX_SUBGROUPS = 5_000_000
"""The most combinations of values a search counts (memory: about 50 bytes each)."""


@dataclass(frozen=True)
class Condition:
    """One condition on a column: a value (``value``; ``None`` is a missing value), or a band ``[lower, upper)``
    of a numeric column (``band=True``; ``None`` is an open end)."""

    column: str
    value: Any = None
    lower: float | None = None
    upper: float | None = None
    band: bool = False

    def text(self) -> str:
        """The condition in words: ``sex = Female``, ``age 25 to 40``, ``age under 25``."""
        if not self.band:
            return f"{self.column} = {MISSING_GROUP if self.value is None else value_text(self.value)}"
        if self.lower is None:
            return f"{self.column} under {self.upper:g}"
        return (
            f"{self.column} {self.lower:g} and over" if self.upper is None else f"{self.column} {self.lower:g} to {self.upper:g}"
        )

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        """The rows that meet the condition."""
        if self.column not in table.columns:
            raise InvalidInputError(f"The table has no column {brief(self.column)}.")
        values = table[self.column]
        if not self.band:
            return values.isna().to_numpy() if self.value is None else (values == self.value).fillna(False).to_numpy(dtype=bool)
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        inside = ~np.isnan(numbers)
        if self.lower is not None:
            inside &= numbers >= self.lower
        if self.upper is not None:
            inside &= numbers < self.upper
        return inside

    def as_json(self) -> dict[str, Any]:
        """``{"column", "value"}`` or ``{"column", "lower", "upper"}`` (null for an open end or a missing value)."""
        if self.band:
            return {"column": str(self.column), "lower": self.lower, "upper": self.upper}
        value = plain_value(self.value)
        return {
            "column": str(self.column),
            "value": value if isinstance(value, (str, int, float, bool)) or value is None else str(value),
        }


@dataclass(frozen=True)
class SubgroupSearch:
    """What :func:`find_subgroups` found.

    ``results``: the best ``top`` tests overall and of each rate, best first; columns ``conditions`` (a tuple of :class:`Condition`),
    ``subgroup`` (the conditions in words), ``size``, ``metric``, ``rate``, ``rest_rate``, ``gap`` (subgroup minus
    rest), ``lower``, ``upper`` (the gap's simultaneous interval), ``p_value``, ``p_adjusted``, ``surely`` (the
    interval's end nearest 0, the ranking key). ``tested``: subgroups tested; ``tests``: tests made (subgroups times
    the rates defined in them); ``passing``: tests whose corrected p-value is under ``1 - confidence`` (of all tests,
    not only those kept); ``skipped``: columns left out, with why.
    """

    results: pd.DataFrame
    tested: int
    tests: int
    passing: int
    columns: tuple[str, ...]
    skipped: dict[str, str]
    max_conditions: int
    min_size: int
    confidence: float


@dataclass(frozen=True)
class _Column:
    """A column as codes: ``codes`` per row into ``conditions`` (``len(conditions)``: a value not tested)."""

    name: str
    codes: np.ndarray
    conditions: list[Condition]


def _encoded(name: str, values: pd.Series, min_size: int, max_categories: int) -> _Column | str:
    """A column's testable conditions and each row's code, or why the column is left out."""
    rows = len(values)
    if values.nunique(dropna=False) <= 1:
        return "it holds one value only"
    if needs_bins(values):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        edges = np.asarray(default_bins(values), dtype=float)
        if len(edges) == 0:  # most rows share the lowest value (a capital gain of 0): that value against the others
            edges = np.unique(numbers[numbers > np.nanmin(numbers)])[:1]
        ends = [None, *edges.tolist(), None]
        conditions = [Condition(name, lower=ends[k], upper=ends[k + 1], band=True) for k in range(len(edges) + 1)]
        codes = np.searchsorted(edges, numbers, side="right")
        if np.isnan(numbers).any():
            conditions.append(Condition(name, value=None))
            codes = np.where(np.isnan(numbers), len(edges) + 1, codes)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        conditions = [Condition(name, value=plain_value(value)) for value in uniques]
        if (codes < 0).any():
            conditions.append(Condition(name, value=None))
            codes = np.where(codes < 0, len(uniques), codes)
    sizes = np.bincount(codes, minlength=len(conditions))
    testable = (sizes >= min_size) & (rows - sizes >= min_size)
    if not testable.any():
        return f"no value of it has {min_size} rows or more (and leaves as many for the rest)"
    if testable.sum() > max_categories:
        return (
            f"{int(testable.sum()):,} of its values have {min_size} rows or more: too many to search (at most {max_categories})"
        )
    new_code = np.full(len(conditions) + 1, int(testable.sum()), dtype=np.int64)  # the last slot: not tested
    new_code[np.flatnonzero(testable)] = np.arange(int(testable.sum()))
    return _Column(name, new_code[codes], [condition for condition, keep in zip(conditions, testable) if keep])


def _counts(
    columns: Sequence[_Column], cell: np.ndarray, weights: np.ndarray, min_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each subgroup of the given columns' tested values with ``min_size`` rows (leaving as many for the rest):
    counts ``(subgroups, 4)`` (tp, fp, tn, fn), a fingerprint of its rows ``(subgroups, 2)``, and its position among the
    columns' combinations of values (:func:`_conditions_of` names it); one bincount per kind, over all rows at once."""
    shape = [len(column.conditions) + 1 for column in columns]
    combined = np.zeros(len(cell), dtype=np.int64)
    for column, slots in zip(columns, shape):
        combined = combined * slots + column.codes
    total = int(np.prod(shape))
    counts = np.bincount(combined * 4 + cell, minlength=total * 4).reshape(*shape, 4)[..., [3, 1, 0, 2]]
    prints = np.stack([np.bincount(combined, weights=weights[:, k], minlength=total).reshape(shape) for k in range(2)], axis=-1)
    tested = tuple(slice(0, slots - 1) for slots in shape)  # drop each column's "not tested" slot
    counts, prints = counts[tested].reshape(-1, 4), prints[tested].reshape(-1, 2)
    sizes = counts.sum(axis=1)
    kept = np.flatnonzero((sizes >= min_size) & (len(cell) - sizes >= min_size))
    return counts[kept], prints[kept], kept


def _conditions_of(columns: Sequence[_Column], position: int) -> tuple[Condition, ...]:
    """The conditions of the subgroup at ``position`` among the combinations of the columns' tested values."""
    places = np.unravel_index(position, [len(column.conditions) for column in columns])
    return tuple(column.conditions[int(place)] for column, place in zip(columns, places))


def newcombe_interval(x1: Any, n1: Any, x2: Any, n2: Any, *, z: Any = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (his method 10) for ``x1/n1 - x2/n2``, from the two Wilson intervals; elementwise."""

    def wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        centre = (x + z**2 / 2) / (n + z**2)
        half = z * np.sqrt(x * (n - x) / n + z**2 / 4) / (n + z**2)
        return centre - half, centre + half

    x1, n1, x2, n2 = (np.asarray(value, dtype=float) for value in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        low1, high1 = wilson(x1, n1)
        low2, high2 = wilson(x2, n2)
        gap = p1 - p2
        return gap - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2), gap + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)


def pooled_z_p_value(x1: Any, n1: Any, x2: Any, n2: Any) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z-test (the chi-squared test of the 2x2 table without
    continuity correction); 1 where both rates are 0 or both 1 (no evidence of a gap), NaN where a sample is empty."""
    from scipy.stats import norm

    x1, n1, x2, n2 = (np.asarray(value, dtype=float) for value in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p = 2 * norm.sf(np.abs(x1 / n1 - x2 / n2) / spread)
    p = np.where(spread > 0, p, 1.0)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


def find_subgroups(
    table: pd.DataFrame,
    y_true: Any,
    decisions: Any,
    *,
    columns: Sequence[str] | None = None,
    max_conditions: int = 2,
    min_size: int = SMALL_GROUP_SIZE,
    top: int | None = 50,
    confidence: float = 0.95,
    max_categories: int = MAX_CATEGORIES,
    random_state: int = 0,
    positive_label: Any = 1,
) -> SubgroupSearch:
    """Search every subgroup of one or two conditions for the largest gaps against the rest (see the module).

    Parameters
    ----------
    table : DataFrame
        The rows audited (their columns define the subgroups).
    y_true, decisions : array-like, one per row
        The true outcomes and the decisions at the audited thresholds: booleans or 0/1, or classes with
        ``positive_label`` naming the positive one (:func:`fairdash.engine.metrics.as_bool`); missing values are refused.
    columns : sequence of str, optional
        The columns to search; by default all of ``table``'s.
    max_conditions : {1, 2}
        At most this many conditions define a subgroup.
    min_size : int
        Subgroups (and their rest) with fewer rows are not tested.
    top : int, optional
        How many of the best tests to keep in ``results``, overall and of each rate; ``None`` keeps all.
    random_state : int
        Seeds the fingerprints of the subgroups' rows (that find two names for the same rows; results do not depend on it).

    Raises
    ------
    InvalidInputError
        When the lengths differ, an outcome or decision is missing or not matched by ``positive_label``, an option is out of range, or no column can define a subgroup (each column's reason).
    """
    truth = as_bool(y_true, positive_label, what="The outcomes (y_true)")
    decided = as_bool(decisions, positive_label, what="The decisions")
    names = list(table.columns if columns is None else columns)
    _check_options(table, truth, decided, names, max_conditions, min_size, top)
    encoded, skipped = _searchable(table, names, min_size, max_categories)
    found = _candidates(encoded, max_conditions, truth, decided, min_size, random_state)
    ranked, tests, passing = _tests(found.counts[found.chosen], found.everyone, confidence, top)
    _name_subgroups(ranked, found.conditions(ranked.pop("index").to_numpy()))
    return SubgroupSearch(
        results=ranked,
        tested=len(found.chosen),
        tests=tests,
        passing=passing,
        columns=tuple(column.name for column in encoded),
        skipped=skipped,
        max_conditions=max_conditions,
        min_size=min_size,
        confidence=confidence,
    )


class _Candidates(NamedTuple):
    """The subgroups counted: each one's cells (tp, fp, tn, fn), where it comes from, which are kept, and all rows' cells."""

    groupings: list[list[_Column]]
    counts: np.ndarray
    positions: np.ndarray
    owners: np.ndarray
    chosen: np.ndarray
    everyone: np.ndarray

    def conditions(self, index: np.ndarray) -> list[tuple[Condition, ...]]:
        """The conditions of the kept subgroups at ``index`` (positions among the kept ones)."""
        return [_conditions_of(self.groupings[self.owners[i]], self.positions[i]) for i in self.chosen[index]]


def _candidates(
    encoded: list[_Column],
    max_conditions: int,
    truth: np.ndarray,
    decided: np.ndarray,
    min_size: int,
    random_state: int,
) -> _Candidates:
    """Every subgroup of one condition (and of two with ``max_conditions`` 2) over ``encoded``, counted, with the same rows
    under two names kept once."""
    groupings = [[column] for column in encoded] + (
        [list(pair) for pair in itertools.combinations(encoded, 2)] if max_conditions == 2 else []
    )
    _check_size(groupings)
    cell = (truth.astype(np.int64) << 1) + decided  # 0 tn, 1 fp, 2 fn, 3 tp
    weights = np.random.default_rng(random_state).random((len(truth), 2))
    parts = [_counts(grouping, cell, weights, min_size) for grouping in groupings]
    counts, prints, positions = (np.concatenate([part[k] for part in parts]) for k in range(3))
    owners = np.repeat(np.arange(len(parts)), [len(part[2]) for part in parts])
    # The same rows under two names (a pair that equals one of its conditions, two columns coding one thing): the first.
    chosen = np.flatnonzero(
        ~pd.DataFrame({"size": counts.sum(axis=1), "a": prints[:, 0], "b": prints[:, 1]}).duplicated().to_numpy()
    )
    everyone = np.bincount(cell, minlength=4)[[3, 1, 0, 2]]  # tp, fp, tn, fn of all rows: the rest is everyone less the subgroup
    return _Candidates(groupings, counts, positions, owners, chosen, everyone)


def _name_subgroups(ranked: pd.DataFrame, conditions: list) -> None:
    """Put each ranked subgroup's conditions, and their text, first in ``ranked``."""
    ranked.insert(0, "subgroup", [" & ".join(condition.text() for condition in group) for group in conditions])
    ranked.insert(0, "conditions", conditions)


def _check_size(groupings: list[list[_Column]]) -> None:
    """Refuse a search of more than :data:`MAX_SUBGROUPS` combinations of values (many columns of many values)."""
    combinations = sum(int(np.prod([len(column.conditions) for column in grouping])) for grouping in groupings)
    if combinations > MAX_SUBGROUPS:
        raise InvalidInputError(
            f"The search would count {combinations:,} subgroups over {len({id(c) for g in groupings for c in g})} "
            f"columns, more than {MAX_SUBGROUPS:,}: choose one condition, a larger minimum size, or fewer columns."
        )


def _searchable(
    table: pd.DataFrame, names: list[str], min_size: int, max_categories: int
) -> tuple[list[_Column], dict[str, str]]:
    """The columns a subgroup can be defined on, encoded, and those left out with why; raises when none is left."""
    encoded, skipped = [], {}
    ids = set(id_like_columns(table[names]))
    for name in names:
        column = "it looks like a row ID" if name in ids else _encoded(name, table[name], min_size, max_categories)
        if isinstance(column, _Column):
            encoded.append(column)
        else:
            skipped[name] = column
    if not encoded:
        reasons = "; ".join(f"{brief(name)}: {why}" for name, why in list(skipped.items())[:5])
        raise InvalidInputError(f"No column can define a subgroup of {min_size} rows or more ({reasons}).")
    return encoded, skipped


def _check_options(
    table: pd.DataFrame,
    truth: np.ndarray,
    decided: np.ndarray,
    names: list[str],
    max_conditions: int,
    min_size: int,
    top: int | None,
) -> None:
    if not len(truth) == len(decided) == len(table):
        raise InvalidInputError(
            f"y_true, decisions and the table must have one value per row; got {len(truth)}, {len(decided)} and {len(table)}."
        )
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {brief(missing[0])}.")
    if max_conditions not in (1, 2):
        raise InvalidInputError(f"Subgroups are defined by 1 or 2 conditions; got {max_conditions!r}.")
    for option, value in (("minimum subgroup size", min_size), ("number of subgroups kept", 1 if top is None else top)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidInputError(f"The {option} must be a whole number, 1 or more; got {value!r}.")


def _tests(counts: np.ndarray, total: np.ndarray, confidence: float, top: int | None) -> tuple[pd.DataFrame, int, int]:
    """Every (subgroup, rate) test, ranked: ``index`` (the subgroup's row in ``counts``), size, rates, gap, simultaneous
    interval, p-values; the best ``top`` overall and of each rate (all with ``None``); the number of tests, and of those
    that pass the corrected threshold."""
    from scipy.stats import norm

    parts = []
    for metric in SUBGROUP_METRICS:
        x1, n1 = RATES[metric].fraction([counts[:, cell] for cell in range(4)])
        x_all, n_all = RATES[metric].fraction([total[cell] for cell in range(4)])
        x2, n2 = x_all - x1, n_all - n1
        defined = np.flatnonzero((n1 > 0) & (n2 > 0))
        parts.append(
            pd.DataFrame(
                {"index": defined, "metric": metric, "x1": x1[defined], "n1": n1[defined], "x2": x2[defined], "n2": n2[defined]}
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    tests = len(frame)
    z = norm.isf((1 - confidence) / 2 / max(tests, 1))
    frame["size"] = counts.sum(axis=1)[frame["index"]]
    frame["rate"], frame["rest_rate"] = frame["x1"] / frame["n1"], frame["x2"] / frame["n2"]
    frame["gap"] = frame["rate"] - frame["rest_rate"]
    frame["lower"], frame["upper"] = newcombe_interval(frame["x1"], frame["n1"], frame["x2"], frame["n2"], z=z)
    frame["p_value"] = pooled_z_p_value(frame["x1"], frame["n1"], frame["x2"], frame["n2"])
    frame["p_adjusted"] = np.minimum(1.0, frame["p_value"] * tests)
    frame["surely"] = np.where(frame["lower"] > 0, frame["lower"], np.where(frame["upper"] < 0, frame["upper"], 0.0))
    # Surely largest first; then the stronger evidence; then the larger gap.
    order = np.lexsort((-frame["gap"].abs().to_numpy(), frame["p_value"].to_numpy(), -frame["surely"].abs().to_numpy()))
    ranked = frame.iloc[order]
    if top is not None:  # the best overall, and the best of each rate (a page lists one rate's)
        ranked = ranked[(np.arange(len(ranked)) < top) | (ranked.groupby("metric").cumcount().to_numpy() < top)]
    columns = ["index", "size", "metric", "rate", "rest_rate", "gap", "lower", "upper", "p_value", "p_adjusted", "surely"]
    return ranked[columns].reset_index(drop=True), tests, int((frame["p_adjusted"] < 1 - confidence).sum())


def subgroup_mask(table: pd.DataFrame, conditions: Sequence[Condition]) -> np.ndarray:
    """The rows of ``table`` in the subgroup the conditions define (all of them hold)."""
    inside = np.ones(len(table), dtype=bool)
    for condition in conditions:
        inside &= condition.mask(table)
    return inside


SUBGROUP_VALUES = ("the subgroup", "the rest")
"""The values of the column :func:`with_subgroup_column` adds: the subgroup's rows, and the others."""


def with_subgroup_column(table: pd.DataFrame, conditions: Sequence[Condition]) -> tuple[pd.DataFrame, str]:
    """A copy of ``table`` with one more column, ``"the subgroup"`` or ``"the rest"`` per row, to audit the subgroup
    against the rest as a sensitive attribute; and the column's name (``subgroup: ...``, made unlike every column of
    the table). The table itself is not changed."""
    if not conditions:
        raise InvalidInputError("A subgroup needs at least one condition.")
    inside = subgroup_mask(table, conditions)
    base = "subgroup: " + " & ".join(condition.text() for condition in conditions)
    name, number = base, 1
    while name in table.columns:
        number += 1
        name = f"{base} ({number})"
    copy = table.copy(deep=False)  # the columns are shared, never written: only the new one is added, to the copy
    copy[name] = np.where(inside, SUBGROUP_VALUES[0], SUBGROUP_VALUES[1])
    return copy, name
