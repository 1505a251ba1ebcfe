"""What would change the decision: counterfactuals for one row, found by a batched search of the model's own scores.

A counterfactual of a row is the row with a few features changed so that the model's decision at the
current threshold flips (not selected -> selected, or the other way). It is judged by its distance from
the row: the L1 distance over numeric features, each scaled by its median absolute deviation (MAD) over
the data, and 1 for each category changed (DiCE's default; a feature whose MAD is 0 is scaled by 1, as
DiCE does). Constraints: the held features (the sensitive attributes always) never change, a numeric
feature may only increase or decrease and stays within a range (by default the range seen in the data),
and a category changes only to a category seen in the data.

The search is model-agnostic and batched: every stage builds thousands of candidate rows and scores them
in one call of the model (:meth:`fairdash.intake.models.ScoreModel.scores`), so it works for every model
the dashboard loads (pipelines, ONNX, boosting libraries):

1. every single change (each feature to each value of its grid: quantiles of the data for a number, every
   category seen);
2. combinations of the changes that moved the score most towards the other decision (pairs, triples, and
   the best change of every feature added one by one); a row still without a flip starts again from its
   best combination (up to ``rounds`` times);
3. the cheapest flips (one per set of changed features, so they differ) made sparse (each change taken back
   where the flip holds without it) and short (each numeric change shrunk towards the row's value, or the nearest
   value its range allows when the range excludes the row's own, on a grid of points, finer each time, keeping the
   smallest that still flips).

Every counterfactual returned has been scored by the model as it is returned; none is valid "by
construction". :func:`search_rows` runs the same search for many rows at once (the recourse of
:mod:`fairdash.explain.recourse`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, ModelError, brief
from fairdash.intake.models import ScoreModel, per_model

__all__ = [
    "DISTANCE",
    "Direction",
    "SearchSpace",
    "search_space",
    "Candidates",
    "search_rows",
    "Counterfactual",
    "NearestRow",
    "Counterfactuals",
    "find_counterfactuals",
    "counterfactuals_of_rows",
    "nearest_real_row",
    "check_constraints",
    "encoded_data",
    "NO_MODEL",
    "nearest_allowed",
    "directions_of",
    "SAME_CHANGE",
    "distinct_flips",
]

DISTANCE = (
    "L1 over the features: a numeric change counts |new - old| / MAD (the feature's median absolute deviation "
    "over the data; 1 where the MAD is 0), a changed category counts 1 (DiCE's default distance)"
)
"""The distance of a counterfactual from its row, in words (the page, the report and the JSON state it)."""

Direction = Literal["increase", "decrease"]

GRID_VALUES = 24
"""Values tried per numeric feature in the first stage: quantiles of the data (and the ends of its range)."""
MAX_CATEGORIES = 60
"""Categories tried per text feature: the most frequent ones seen in the data."""
_BATCH_ROWS = 40_000  # candidate rows per model call: enough to amortise a pipeline's fixed cost, bounded memory
_NOT_NUMERIC_RANGE = "A range or direction is for a numeric feature; {column} is not numeric (its categories change only to categories seen in the data)."


@dataclass(frozen=True)
class SearchSpace:
    """Where a counterfactual may go, read once from the data: the features, their scales and the constraints.

    Attributes
    ----------
    columns : tuple of str
        The model's input columns, in order.
    numeric : tuple of bool
        Per column, whether it is numeric (changes are scaled by ``scale``) or a category.
    integer : tuple of bool
        Per column, whether its values are whole numbers (a change is rounded away from the row's value).
    scale : tuple of float
        Per numeric column its MAD over the data (1 where that is 0); 1 for a category.
    categories : tuple of tuple
        Per category column the values seen in the data, most frequent first (empty for a number).
    grids : tuple of ndarray
        Per column the values (numbers, or codes into ``categories``) the first stage tries.
    low, high : tuple of float
        Per numeric column the allowed range (by default the data's); NaN for a category.
    immutable : tuple of str
        Columns that never change (the sensitive attributes and those the user holds).
    directions : tuple of (str, str) pairs
        ``(column, "increase" | "decrease")``: a numeric column that may move one way only.
    dtypes : tuple
        Per column the data's dtype, so candidate rows reach the model as the data would.
    """

    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    integer: tuple[bool, ...]
    scale: tuple[float, ...]
    categories: tuple[tuple[Any, ...], ...]
    grids: tuple[np.ndarray, ...] = field(repr=False)
    low: tuple[float, ...]
    high: tuple[float, ...]
    immutable: tuple[str, ...]
    directions: tuple[tuple[str, str], ...]
    dtypes: tuple[Any, ...] = field(repr=False)

    @property
    def mutable(self) -> np.ndarray:
        """Per column, whether it may change."""
        return np.array([column not in self.immutable for column in self.columns])

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows as a float matrix: numbers as they are, categories as codes into ``categories`` (-1: missing or unseen)."""
        encoded = np.empty((len(frame), len(self.columns)))
        for position, column in enumerate(self.columns):
            values = frame[column]
            if self.numeric[position]:
                encoded[:, position] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            else:
                encoded[:, position] = pd.Categorical(values, categories=list(self.categories[position])).codes
        return encoded

    def decode(self, encoded: np.ndarray, index: Any = None) -> pd.DataFrame:
        """The rows of an encoded matrix as a table the model takes (the data's column types)."""
        columns = {}
        for position, column in enumerate(self.columns):
            values, kind = encoded[:, position], self.dtypes[position]
            if not self.numeric[position]:  # code -1 (missing) reads the NaN appended after the categories
                lookup = np.array(list(self.categories[position]) + [np.nan], dtype=object)
                columns[column] = pd.array(lookup[values.astype(np.int64)], dtype=kind)
            elif pd.api.types.is_integer_dtype(kind) and not np.isnan(values).any():
                columns[column] = pd.array(values.round(), dtype=kind)  # numpy's astype reads no pandas dtype (Int64)
            else:
                columns[column] = values
        return pd.DataFrame(columns, index=index)

    def distance(self, encoded: np.ndarray, base: np.ndarray) -> np.ndarray:
        """The distance (:data:`DISTANCE`) of each encoded row from its base row (same shape, or one base row)."""
        return self.costs(encoded, base).sum(axis=-1)

    def changed(self, encoded: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Which features of each encoded row differ from its base row (two missing values are equal)."""
        return ~((encoded == base) | (np.isnan(encoded) & np.isnan(base)))

    def costs(self, encoded: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Each feature's part of :meth:`distance` (0 where it is unchanged)."""
        numeric = np.asarray(self.numeric)
        with np.errstate(invalid="ignore"):
            numeric_cost = np.abs(encoded - base) / np.asarray(self.scale)
        cost = np.where(numeric, numeric_cost, 1.0)
        return np.where(self.changed(encoded, base), cost, 0.0)


def directions_of(increase: Sequence[str] = (), decrease: Sequence[str] = ()) -> dict[str, Direction]:
    """The ``directions`` of :func:`search_space` from the features that may only increase and those that may only decrease.

    Raises
    ------
    InvalidInputError
        A feature named in both: it could not change at all, and one of the two would silently win.
    """
    both = [column for column in dict.fromkeys(increase) if column in set(decrease)]
    if both:
        raise InvalidInputError(
            f"{', '.join(brief(column) for column in both)} may only increase and may only decrease at once: "
            "choose one direction for each feature (or hold it fixed)."
        )
    return {**{column: "increase" for column in increase}, **{column: "decrease" for column in decrease}}


def search_space(
    X: pd.DataFrame,
    *,
    immutable: Sequence[str] = (),
    directions: Mapping[str, Direction] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    grid_values: int = GRID_VALUES,
) -> SearchSpace:
    """The search space of counterfactuals over the rows ``X`` (the model's input columns).

    Parameters
    ----------
    X : DataFrame
        The data: scales (MAD), ranges, categories and grids are read from it.
    immutable : sequence of str
        Columns that never change; give the sensitive attributes here (the callers in fairdash always do).
    directions : {column: "increase" | "decrease"}, optional
        Numeric columns that may move one way only (an age only increases).
    ranges : {column: (low, high)}, optional
        Allowed values of numeric columns; by default the range seen in ``X``.
    grid_values : int
        Values tried per numeric column in the first stage.

    Raises
    ------
    InvalidInputError
        A column that is not in ``X``, a range or direction on a text column, a range whose low is above its
        high, or a direction other than "increase" or "decrease".
    """
    directions, ranges = dict(directions or {}), dict(ranges or {})
    for column in [*immutable, *directions, *ranges]:
        if column not in X.columns:
            raise InvalidInputError(
                f"The column {brief(column)} is not one of the model's features ({', '.join(map(str, X.columns[:20]))})."
            )
    numeric = tuple(
        bool(pd.api.types.is_numeric_dtype(X[column]) and not pd.api.types.is_bool_dtype(X[column])) for column in X.columns
    )
    for column, direction in directions.items():
        if not numeric[X.columns.get_loc(column)]:
            raise InvalidInputError(_NOT_NUMERIC_RANGE.format(column=brief(column)))
        if direction not in ("increase", "decrease"):
            raise InvalidInputError(f"The direction of {brief(column)} must be 'increase' or 'decrease'; got {brief(direction)}.")
    parts = [
        _column_space(X[column], is_numeric, ranges.get(column), grid_values) for column, is_numeric in zip(X.columns, numeric)
    ]
    return SearchSpace(
        columns=tuple(map(str, X.columns)),
        numeric=numeric,
        integer=tuple(part[0] for part in parts),
        scale=tuple(part[1] for part in parts),
        categories=tuple(part[2] for part in parts),
        grids=tuple(part[3] for part in parts),
        low=tuple(part[4] for part in parts),
        high=tuple(part[5] for part in parts),
        immutable=tuple(dict.fromkeys(map(str, immutable))),
        directions=tuple((str(column), direction) for column, direction in directions.items()),
        dtypes=tuple(X.dtypes),
    )


def _column_space(values: pd.Series, numeric: bool, given: tuple[float, float] | None, grid_values: int) -> tuple:
    """(integer, scale, categories, grid, low, high) of one column."""
    if not numeric:
        if given is not None:
            raise InvalidInputError(_NOT_NUMERIC_RANGE.format(column=brief(values.name)))
        seen = tuple(values.value_counts().index)
        return False, 1.0, seen, np.arange(min(len(seen), MAX_CATEGORIES), dtype=float), np.nan, np.nan
    data = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return False, 1.0, (), np.empty(0), np.nan, np.nan
    low, high = (float(data.min()), float(data.max())) if given is None else (float(given[0]), float(given[1]))
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise InvalidInputError(
            f"The range of {brief(values.name)} must be two finite numbers, low <= high; got {low:g} to {high:g}."
        )
    median = np.median(data)
    mad = float(np.median(np.abs(data - median)))
    integer = bool(pd.api.types.is_integer_dtype(values.dtype))
    quantiles = np.quantile(data, np.linspace(0, 1, grid_values), method="nearest")
    grid = np.unique(np.concatenate([quantiles, [low, high]]))
    grid = grid[(grid >= low) & (grid <= high)]
    return integer, mad if mad > 0 else 1.0, (), np.round(grid) if integer else grid, low, high


@dataclass(frozen=True)
class Candidates:
    """The flips :func:`search_rows` found, several per row, each scored by the model.

    ``owner`` is the position of each flip's row among the rows searched; ``encoded`` its values (see
    :meth:`SearchSpace.encode`); ``scores`` and ``distances`` its score and distance from its row;
    ``evaluated`` the candidate rows the model scored for each row searched; ``base_scores`` each row's own score."""

    owner: np.ndarray
    encoded: np.ndarray
    scores: np.ndarray
    distances: np.ndarray
    evaluated: np.ndarray
    base_scores: np.ndarray

    def nearest(self, rows: int) -> np.ndarray:
        """The distance of each row's nearest flip (NaN for a row with none), for ``rows`` rows searched."""
        nearest = np.full(rows, np.inf)
        np.minimum.at(nearest, self.owner, self.distances)
        return np.where(np.isinf(nearest), np.nan, nearest)


class _Scorer:
    """The model asked for the score of encoded rows, in batches; counts the rows scored for each row searched."""

    def __init__(
        self, model: ScoreModel, space: SearchSpace, positive_label: Any, thresholds: np.ndarray, want: np.ndarray
    ) -> None:
        self.model, self.space, self.positive_label = model, space, positive_label
        self.thresholds, self.want = thresholds, want
        self.evaluated = np.zeros(len(thresholds), dtype=np.int64)

    def __call__(self, encoded: np.ndarray, owners: np.ndarray) -> np.ndarray:
        np.add.at(self.evaluated, owners, 1)
        scores = np.empty(len(encoded))
        for start in range(0, len(encoded), _BATCH_ROWS):
            part = self.space.decode(encoded[start : start + _BATCH_ROWS])
            scores[start : start + _BATCH_ROWS] = self.model.scores(
                part, positive_label=self.positive_label, features=self.space.columns
            )
        return scores

    def flips(self, scores: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Whether each score is the other decision than its row's (``score >= threshold`` is selected)."""
        return (scores >= self.thresholds[owners]) == self.want[owners]


def _moves(space: SearchSpace) -> tuple[np.ndarray, np.ndarray]:
    """Every single change the first stage tries: (column position, value) pairs over the mutable columns."""
    mutable = space.mutable
    columns = [np.full(len(grid), position) for position, grid in enumerate(space.grids) if mutable[position]]
    values = [grid for position, grid in enumerate(space.grids) if mutable[position]]
    if not columns:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(columns).astype(np.int64), np.concatenate(values).astype(float)


def _allowed(
    space: SearchSpace, current: np.ndarray, origin: np.ndarray, move_column: np.ndarray, move_value: np.ndarray
) -> np.ndarray:
    """Which moves each row may take (rows x moves): a new value, a known number to start from, the direction kept."""
    now, start = current[:, move_column], origin[:, move_column]
    numeric = np.asarray(space.numeric)[move_column]
    allowed = (now != move_value) & ~(numeric & np.isnan(start))
    for column, direction in space.directions:
        position = space.columns.index(column)
        on = move_column == position
        with np.errstate(invalid="ignore"):
            kept = move_value[on] >= start[:, on] if direction == "increase" else move_value[on] <= start[:, on]
        allowed[:, on] &= kept
    return allowed


def _apply(
    current: np.ndarray, owners: np.ndarray, combos: np.ndarray, move_column: np.ndarray, move_value: np.ndarray
) -> np.ndarray:
    """The rows ``current[owners]`` with each row's moves (a row of ``combos``, -1 for none) applied."""
    encoded = current[owners].copy()
    rows = np.arange(len(owners))
    for slot in range(combos.shape[1]):
        on = combos[:, slot] >= 0
        encoded[rows[on], move_column[combos[on, slot]]] = move_value[combos[on, slot]]
    return encoded


def _costs_of_moves(space: SearchSpace, origin: np.ndarray, move_column: np.ndarray, move_value: np.ndarray) -> np.ndarray:
    """What each move costs each row (rows x moves), measured from the row as it was."""
    numeric = np.asarray(space.numeric)[move_column]
    with np.errstate(invalid="ignore"):
        cost = np.abs(move_value - origin[:, move_column]) / np.asarray(space.scale)[move_column]
    return np.where(numeric, cost, 1.0)


def _combinations(gains: np.ndarray, costs: np.ndarray, move_column: np.ndarray, pick: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the moves worth combining (the ``pick`` that gained most, alone and per unit of distance, at most
    three per feature) as pairs, triples of the first eight, and the best move of every feature added one by one.

    Returns the row of each combination and the combinations' moves (-1 pads)."""
    rows: list[int] = []
    combos: list[tuple[int, ...]] = []
    for row in range(len(gains)):
        good = np.flatnonzero(gains[row] > 0)
        if not good.size:
            continue
        by_gain = good[np.argsort(-gains[row, good], kind="stable")]
        by_ratio = good[np.argsort(-gains[row, good] / np.maximum(costs[row, good], 1e-12), kind="stable")]
        chosen: list[int] = []
        per_column: dict[int, int] = {}
        for move in itertools.chain.from_iterable(zip(by_gain, by_ratio)):
            column = int(move_column[move])
            if move not in chosen and per_column.get(column, 0) < 3:
                chosen.append(int(move))
                per_column[column] = per_column.get(column, 0) + 1
            if len(chosen) >= pick:
                break
        found: list[tuple[int, ...]] = [
            pair for pair in itertools.combinations(chosen, 2) if move_column[pair[0]] != move_column[pair[1]]
        ]
        found += [triple for triple in itertools.combinations(chosen[:8], 3) if len({move_column[m] for m in triple}) == 3]
        best_per_column, seen = [], set()
        for move in by_gain:
            if int(move_column[move]) not in seen:
                seen.add(int(move_column[move]))
                best_per_column.append(int(move))
        found += [tuple(best_per_column[:size]) for size in range(4, len(best_per_column) + 1)]
        rows += [row] * len(found)
        combos += found
    width = max((len(combo) for combo in combos), default=1)
    padded = np.full((len(combos), width), -1, dtype=np.int64)
    for position, combo in enumerate(combos):
        padded[position, : len(combo)] = combo
    return np.asarray(rows, dtype=np.int64), padded


def _one_round(
    scorer: _Scorer,
    space: SearchSpace,
    moves: tuple[np.ndarray, np.ndarray],
    origin: np.ndarray,
    current: np.ndarray,
    current_scores: np.ndarray,
    active: np.ndarray,
    pick: int,
    extra: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, ...]:
    """Stages 1 and 2 for the rows ``active`` (positions among the rows searched), starting from ``current``:
    every candidate scored, as (owners, encoded, scores). ``extra`` candidates (owners, encoded) are scored with the
    first stage's, in the same model call."""
    move_column, move_value = moves
    start = origin[active]
    allowed = _allowed(space, current, start, move_column, move_value)
    rows, move = np.nonzero(allowed)
    singles = current[rows].copy()
    singles[np.arange(len(rows)), move_column[move]] = move_value[move]
    both = scorer(np.concatenate([singles, extra[1]]), np.concatenate([active[rows], extra[0]]))
    single_scores, extra_scores = both[: len(rows)], both[len(rows) :]
    sign = np.where(scorer.want[active], 1.0, -1.0)
    gains = np.full(allowed.shape, -np.inf)
    gains[rows, move] = sign[rows] * (single_scores - current_scores[rows])
    combo_rows, combos = _combinations(gains, _costs_of_moves(space, start, move_column, move_value), move_column, pick)
    combined = _apply(current, combo_rows, combos, move_column, move_value)
    combined_scores = scorer(combined, active[combo_rows]) if len(combined) else np.empty(0)
    return (
        np.concatenate([active[rows], extra[0], active[combo_rows]]),
        np.concatenate([singles, extra[1], combined]),
        np.concatenate([single_scores, extra_scores, combined_scores]),
    )


def _sparse(
    scorer: _Scorer,
    space: SearchSpace,
    origin: np.ndarray,
    owners: np.ndarray,
    encoded: np.ndarray,
    scores: np.ndarray,
    rounds: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Each flip with the changes taken back (one at a time, the cheapest that still flips first) that it does not need."""
    encoded, scores = encoded.copy(), scores.copy()
    for _ in range(rounds):
        changed = space.changed(encoded, origin[owners])
        candidate, column = np.nonzero(changed & (changed.sum(axis=1) >= 2)[:, None])
        if not candidate.size:
            break
        trial = encoded[candidate].copy()
        trial[np.arange(len(candidate)), column] = origin[owners[candidate], column]
        trial_scores = scorer(trial, owners[candidate])
        ok = np.flatnonzero(scorer.flips(trial_scores, owners[candidate]))
        if not ok.size:
            break
        distances = space.distance(trial[ok], origin[owners[candidate[ok]]])
        order = ok[np.argsort(distances, kind="stable")]
        _, first = np.unique(candidate[order], return_index=True)
        best = order[first]
        encoded[candidate[best]], scores[candidate[best]] = trial[best], trial_scores[best]
    return encoded, scores


def nearest_allowed(space: SearchSpace, origin: np.ndarray) -> np.ndarray:
    """Each row's values with every number moved to the nearest value its range allows (the row's own value where it is
    within the range; a whole number's range is taken to its whole numbers): where a change is shrunk towards. A row
    outside a range cannot stay where it is, so the shortest change within the range ends at the range's nearer end."""
    anchored = origin.copy()
    for position, numeric in enumerate(space.numeric):
        low, high = space.low[position], space.high[position]
        if not numeric or not (np.isfinite(low) and np.isfinite(high)):
            continue
        if space.integer[position] and np.ceil(low) <= np.floor(high):
            low, high = np.ceil(low), np.floor(high)
        anchored[:, position] = np.clip(origin[:, position], low, high)  # NaN stays NaN
    return anchored


def _shrink(
    scorer: _Scorer,
    space: SearchSpace,
    origin: np.ndarray,
    owners: np.ndarray,
    encoded: np.ndarray,
    scores: np.ndarray,
    mask: np.ndarray,
    levels: int,
    points: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each flip's numeric changes in ``mask`` shrunk together towards the row's values (the nearest allowed, see
    :func:`nearest_allowed`, where a range excludes the row's own value): the smallest fraction ``t``
    of the change that still flips, on a grid of ``points`` points, refined ``levels`` times, and up to three times more
    where the bracket is still over 0.1% of the change (a whole number is rounded away from the row's value, so the
    values scored are the values returned)."""
    encoded, scores = encoded.copy(), scores.copy()
    todo = np.flatnonzero(mask.any(axis=1))
    start, end, on = nearest_allowed(space, origin[owners[todo]]), encoded[todo], mask[todo]
    low, high = np.zeros(len(todo)), np.ones(len(todo))
    integer = np.asarray(space.integer)
    for level in range(levels + 3):
        # Past ``levels``, only where the bracket is still wide against the change kept: a row just short of the
        # boundary needs a small change, and a coarse bracket would be a large part of it.
        live = np.flatnonzero((high > low) & ((level < levels) | (high - low > 1e-3 * high)))
        if not live.size:
            break
        steps = np.arange(points) if level == 0 else np.arange(1, points)
        t = low[live, None] + (high - low)[live, None] * steps / points
        delta = (end[live] - start[live])[:, None, :] * t[:, :, None]
        delta = np.where(integer, np.sign(delta) * np.ceil(np.abs(delta) - 1e-9), delta)
        trial = np.where(on[live, None, :], start[live, None, :] + delta, end[live, None, :])
        trial_owners = np.repeat(owners[todo[live]], len(steps))
        trial_scores = scorer(trial.reshape(-1, trial.shape[-1]), trial_owners).reshape(len(live), len(steps))
        ok = scorer.flips(trial_scores.ravel(), trial_owners).reshape(len(live), len(steps))
        has, first = ok.any(axis=1), ok.argmax(axis=1)
        chosen, step = live[has], first[has]
        previous = np.where(step > 0, t[has, np.maximum(step - 1, 0)], low[chosen] if level else 0.0)
        low[chosen], high[chosen] = previous, t[has, step]
        encoded[todo[chosen]], scores[todo[chosen]] = trial[has, step], trial_scores[has, step]
        low[live[~has]] = t[~has, -1]  # nothing on this grid flips: the boundary lies between its last point and ``high``
    return encoded, scores


def _shortened(
    scorer: _Scorer,
    space: SearchSpace,
    origin: np.ndarray,
    owners: np.ndarray,
    encoded: np.ndarray,
    scores: np.ndarray,
    levels: int,
    points: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Flips made sparse, their numeric changes shrunk together (the grid's first point takes them all back, or to the
    nearest value their range allows), then,
    where two or more numeric changes are left, each alone (the costliest first)."""
    numeric = np.asarray(space.numeric)
    encoded, scores = _sparse(scorer, space, origin, owners, encoded, scores)
    changed = space.changed(encoded, origin[owners]) & numeric
    encoded, scores = _shrink(scorer, space, origin, owners, encoded, scores, changed, levels, points)
    costs = np.where(numeric, space.costs(encoded, origin[owners]), 0.0)
    several = (costs > 0).sum(axis=1) >= 2
    order = np.argsort(-costs, axis=1, kind="stable")
    for slot in range(int((costs[several] > 0).sum(axis=1).max(initial=0))):
        column = order[:, slot]
        mask = np.zeros_like(costs, dtype=bool)
        mask[np.arange(len(column)), column] = (costs[np.arange(len(column)), column] > 0) & several
        encoded, scores = _shrink(scorer, space, origin, owners, encoded, scores, mask, levels, points)
    return encoded, scores


def _cheapest_per_set(space: SearchSpace, origin: np.ndarray, owners: np.ndarray, encoded: np.ndarray, keep: int) -> np.ndarray:
    """Positions of the flips to refine: per row the cheapest flip of each set of changed features, the ``keep`` cheapest of those."""
    if not len(owners):
        return np.empty(0, dtype=np.int64)
    changed = np.packbits(space.changed(encoded, origin[owners]), axis=1)
    frame = pd.DataFrame(
        {"owner": owners, "key": [bytes(row) for row in changed], "distance": space.distance(encoded, origin[owners])}
    )
    frame = frame.sort_values(["owner", "distance"], kind="stable").drop_duplicates(["owner", "key"])
    return frame.groupby("owner", sort=False).head(keep).index.to_numpy()


def _flips(
    scorer: _Scorer,
    space: SearchSpace,
    origin: np.ndarray,
    base_scores: np.ndarray,
    pick: int,
    rounds: int,
    examples: tuple[pd.DataFrame | np.ndarray, np.ndarray] | None,
    seeds: int,
) -> list[tuple[np.ndarray, ...]]:
    """Stages 1 and 2 (with the seeds from ``examples``), and the rounds that start again from the best combination:
    every flip found, as (owners, encoded, scores) parts."""
    moves = _moves(space)
    found: list[tuple[np.ndarray, ...]] = []
    extra = (np.empty(0, dtype=np.int64), np.empty((0, len(space.columns))))
    if examples is not None and seeds > 0:
        data = examples[0] if isinstance(examples[0], np.ndarray) else encoded_data(space, examples[0])
        extra = _seeds(space, origin, scorer.thresholds, scorer.want, data, np.asarray(examples[1], dtype=float), seeds)
        if not moves[0].size:  # no first stage to score them with
            scores = scorer(extra[1], extra[0])
            flip = scorer.flips(scores, extra[0])
            found.append((extra[0][flip], extra[1][flip], scores[flip]))
    active, current, current_scores = np.arange(len(origin)), origin.copy(), base_scores.copy()
    for _ in range(1 + rounds):
        if not active.size or not moves[0].size:
            break
        owners, encoded, scores = _one_round(scorer, space, moves, origin, current, current_scores, active, pick, extra)
        extra = (extra[0][:0], extra[1][:0])
        flip = scorer.flips(scores, owners)
        found.append((owners[flip], encoded[flip], scores[flip]))
        active, current, current_scores = _restart(
            scorer, owners[~flip], encoded[~flip], scores[~flip], np.setdiff1d(active, owners[flip])
        )
    return found


def _scorer_for(
    model: ScoreModel, rows: pd.DataFrame, thresholds: Any, space: SearchSpace, positive_label: Any, row_scores: np.ndarray | None
) -> tuple[_Scorer, np.ndarray, np.ndarray]:
    """:func:`search_rows`' scorer (each row's threshold and wanted decision, the model calls counted), the rows encoded,
    and their scores (``row_scores`` when known, else scored once)."""
    origin = space.encode(rows)
    thresholds = np.broadcast_to(np.asarray(thresholds, dtype=float), (len(rows),)).copy()
    probe = _Scorer(model, space, positive_label, thresholds, np.zeros(len(rows), dtype=bool))
    base_scores = probe(origin, np.arange(len(rows))) if row_scores is None else np.asarray(row_scores, dtype=float)
    scorer = _Scorer(model, space, positive_label, thresholds, base_scores < thresholds)
    scorer.evaluated += probe.evaluated
    return scorer, origin, base_scores


def _refined(
    scorer: _Scorer,
    space: SearchSpace,
    origin: np.ndarray,
    base_scores: np.ndarray,
    found: list[tuple[np.ndarray, ...]],
    keep: int,
    levels: int,
    points: int,
) -> Candidates:
    """The flips ``found``, the cheapest ``keep`` per set of changed features of each row, shortened, and kept when they
    still flip, keep the constraints and differ from the row's others."""
    owners = np.concatenate([part[0] for part in found] + [np.empty(0, dtype=np.int64)]).astype(np.int64)
    encoded = np.concatenate([part[1] for part in found] + [np.empty((0, len(space.columns)))])
    scores = np.concatenate([part[2] for part in found] + [np.empty(0)])
    chosen = _cheapest_per_set(space, origin, owners, encoded, keep)
    owners, encoded, scores = owners[chosen], encoded[chosen], scores[chosen]
    encoded, scores = _shortened(scorer, space, origin, owners, encoded, scores, levels, points)
    kept = scorer.flips(scores, owners) & check_constraints(space, origin[owners], encoded)
    # Shrinking can make two candidates of a row the same, or the same up to the shrink's last step: keep the nearer
    # (diverse means different).
    distances = space.distance(encoded, origin[owners])
    kept[kept] = distinct_flips(space, owners[kept], encoded[kept], distances[kept])
    return Candidates(
        owner=owners[kept],
        encoded=encoded[kept],
        scores=scores[kept],
        distances=distances[kept],
        evaluated=scorer.evaluated,
        base_scores=base_scores,
    )


def search_rows(
    model: ScoreModel,
    rows: pd.DataFrame,
    thresholds: Any,
    space: SearchSpace,
    *,
    positive_label: Any,
    keep: int = 8,
    rounds: int = 2,
    pick: int = 24,
    levels: int = 2,
    points: int = 64,
    examples: tuple[pd.DataFrame | np.ndarray, np.ndarray] | None = None,
    seeds: int = 5,
    row_scores: np.ndarray | None = None,
) -> Candidates:
    """Counterfactuals of many rows at once: for each, flips of the model's decision at its threshold.

    Parameters
    ----------
    model : ScoreModel
        Scores every candidate row (``score >= threshold`` is selected).
    rows : DataFrame
        The rows to search from, with the columns of ``space``.
    thresholds : float or array
        Each row's threshold (one for all, or one per row).
    space : SearchSpace
        The features, scales and constraints (see :func:`search_space`).
    positive_label
        The class the model's score is for.
    keep : int
        Flips refined per row (the cheapest of each set of changed features): more gives more diverse flips.
    rounds : int
        Times a row with no flip yet starts again from its best combination.
    pick : int
        Moves combined per row in the second stage.
    levels, points : int
        Each shrink's grid: ``points`` fractions of the change, refined ``levels`` times (one model call each).
    examples : (DataFrame or encoded array, array), optional
        Real rows (the data, or a sample of it) and their scores: each row's ``seeds`` nearest with the wanted
        decision, made to keep the constraints, are candidates too (then made sparse and short like the others).
    row_scores : array, optional
        The model's scores of ``rows`` when already known (one model call fewer).

    Returns
    -------
    Candidates
        Every refined flip that keeps the constraints (:func:`check_constraints`), with its score and distance.
    """
    scorer, origin, base_scores = _scorer_for(model, rows, thresholds, space, positive_label, row_scores)
    found = _flips(scorer, space, origin, base_scores, pick, rounds, examples, seeds)
    return _refined(scorer, space, origin, base_scores, found, keep, levels, points)


SAME_CHANGE = 0.01
"""Two changes of a number are the same change when their values differ by at most this many of its scales (MADs)."""


def distinct_flips(
    space: SearchSpace, owners: np.ndarray, encoded: np.ndarray, distances: np.ndarray, *, tolerance: float = SAME_CHANGE
) -> np.ndarray:
    """Which flips to keep: each row's flips without those that are the same change as a nearer flip of the same row (every
    number within ``tolerance`` times its scale of the other's, every category the same; ties: the first kept).

    ``owners``: each flip's row; ``encoded``: its values (:meth:`SearchSpace.encode`); ``distances``: from its row."""
    order = np.lexsort((np.arange(len(owners)), distances, owners))
    owners, encoded = np.asarray(owners)[order], encoded[order]
    numeric = np.asarray(space.numeric)
    allowed = np.where(numeric, tolerance * np.asarray(space.scale), 0.0)
    same_as_earlier = np.zeros(len(owners), dtype=bool)
    largest = int(np.unique(owners, return_counts=True)[1].max(initial=0))
    for offset in range(1, largest):
        later, earlier = encoded[offset:], encoded[:-offset]
        with np.errstate(invalid="ignore"):
            close = (np.abs(later - earlier) <= allowed) | (np.isnan(later) & np.isnan(earlier))
        same_as_earlier[offset:] |= (owners[offset:] == owners[:-offset]) & close.all(axis=1)
    kept = np.empty(len(owners), dtype=bool)
    kept[order] = ~same_as_earlier
    return kept


def _seeds(
    space: SearchSpace,
    origin: np.ndarray,
    thresholds: np.ndarray,
    want: np.ndarray,
    examples: np.ndarray,
    example_scores: np.ndarray,
    count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its ``count`` nearest real rows (``examples``) with the wanted decision at its threshold (those that share
    its held features first), made to keep the constraints (held features and changes against a direction taken back from the row): starts towards a real person."""
    rows_of: list[int] = []
    seeds: list[np.ndarray] = []
    mutable = space.mutable
    chunk = max(1, 2_000_000 // max(1, len(examples) * len(space.columns)))
    for first in range(0, len(origin), chunk):
        rows = np.arange(first, min(first + chunk, len(origin)))
        costs = space.costs(examples[None, :, :], origin[rows, None, :])
        # Rows that share the held features first: made to keep the constraints, they stay real people (and flip).
        distances = costs[:, :, mutable].sum(axis=2) + np.where((costs[:, :, ~mutable] > 0).any(axis=2), 1e12, 0.0)
        wanted = (example_scores[None, :] >= thresholds[rows, None]) == want[rows, None]
        distances = np.where(wanted, distances, np.inf)
        nearest = np.argsort(distances, axis=1, kind="stable")[:, :count]
        for row, picks in zip(rows, nearest):
            picks = picks[np.isfinite(distances[row - first, picks])]
            rows_of += [int(row)] * len(picks)
            seeds.append(examples[picks])
    encoded = np.concatenate(seeds + [np.empty((0, len(space.columns)))])
    owners = np.asarray(rows_of, dtype=np.int64)
    start = origin[owners]
    encoded[:, ~mutable] = start[:, ~mutable]
    for column, direction in space.directions:
        position = space.columns.index(column)
        against = (
            encoded[:, position] < start[:, position] if direction == "increase" else encoded[:, position] > start[:, position]
        )
        encoded[against, position] = start[against, position]
    numeric = np.asarray(space.numeric)
    with np.errstate(invalid="ignore"):
        outside = numeric & ((encoded < np.asarray(space.low)) | (encoded > np.asarray(space.high)))
    encoded[outside] = start[outside]
    return owners, encoded


def _restart(
    scorer: _Scorer, owners: np.ndarray, encoded: np.ndarray, scores: np.ndarray, remaining: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the rows still without a flip, the candidate closest to flipping: the next round starts from it."""
    sign = np.where(scorer.want[owners], 1.0, -1.0)
    progress = sign * (scores - scorer.thresholds[owners])
    frame = pd.DataFrame({"owner": owners, "progress": progress})
    frame = frame[frame["owner"].isin(remaining)].sort_values("progress", ascending=False, kind="stable")
    best = frame.drop_duplicates("owner").sort_values("owner").index.to_numpy()
    return owners[best], encoded[best], scores[best]


def check_constraints(space: SearchSpace, origin: np.ndarray, encoded: np.ndarray) -> np.ndarray:
    """Whether each encoded row keeps the constraints against its original row: held features unchanged, numeric
    changes within their range and direction, changed categories among those seen in the data."""
    changed = space.changed(encoded, origin)
    ok = ~(changed & ~space.mutable).any(axis=1)
    numeric = np.asarray(space.numeric)
    with np.errstate(invalid="ignore"):
        inside = (encoded >= np.asarray(space.low)) & (encoded <= np.asarray(space.high))
    ok &= ~(changed & numeric & ~inside).any(axis=1)
    ok &= ~(changed & ~numeric & (encoded < 0)).any(axis=1)
    for column, direction in space.directions:
        position = space.columns.index(column)
        step = encoded[:, position] - origin[:, position]
        ok &= ~changed[:, position] | ((step > 0) if direction == "increase" else (step < 0))
    return ok


@dataclass(frozen=True)
class Counterfactual:
    """One way to the other decision: ``changes`` (column -> (from, to)), the model's ``score`` of the changed row, its ``distance``."""

    changes: dict[str, tuple[Any, Any]]
    score: float
    distance: float


@dataclass(frozen=True)
class NearestRow:
    """The nearest real row with the other decision: its index label, score, distance, the features in which it differs
    (column -> (this row's value, its value)), and whether it shares the row's held features (``same_held``)."""

    row: Any
    score: float
    distance: float
    changes: dict[str, tuple[Any, Any]]
    same_held: bool


@dataclass(frozen=True)
class Counterfactuals:
    """The counterfactuals of one row (see :func:`find_counterfactuals`).

    ``found`` is empty when none was found, and ``reason`` says why; ``evaluated`` counts the candidate rows the
    model scored; ``held`` the features that never changed; ``distance`` the distance's definition."""

    row: Any
    score: float
    threshold: float
    selected: bool
    found: tuple[Counterfactual, ...]
    nearest: NearestRow | None
    evaluated: int
    held: tuple[str, ...]
    reason: str | None = None
    distance: str = DISTANCE

    @property
    def wanted(self) -> str:
        """The decision a counterfactual reaches, in words."""
        return "not selected" if self.selected else "selected"


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (JSON and messages read it); NaN stays NaN."""
    return value.item() if isinstance(value, np.generic) else value


def _changes(space: SearchSpace, before: pd.Series, after: pd.Series) -> dict[str, tuple[Any, Any]]:
    return {
        column: (_plain(before[column]), _plain(after[column]))
        for column in space.columns
        if not _same(before[column], after[column])
    }


def _same(before: Any, after: Any) -> bool:
    """Equal values, or both missing (a missing value compares as pandas' NA, which is neither true nor false)."""
    if pd.isna(before) or pd.isna(after):
        return bool(pd.isna(before) and pd.isna(after))
    return bool(before == after)


def _diverse(sets: list[frozenset], distances: np.ndarray, n: int) -> list[int]:
    """``n`` positions, nearest first, each changing a set of features that is neither one already chosen nor
    contains one (another way, not the same way with more); then the nearest others when too few are."""
    order = list(np.argsort(distances, kind="stable"))
    chosen: list[int] = []
    for position in order:
        if len(chosen) < n and not any(sets[other] <= sets[position] for other in chosen):
            chosen.append(position)
    chosen += [position for position in order if position not in chosen][: n - len(chosen)]
    return sorted(chosen, key=lambda position: distances[position])


_ENCODED: dict[int, Any] = {}


def encoded_data(space: SearchSpace, X: pd.DataFrame) -> np.ndarray:
    """``space.encode(X)``, kept while ``X`` lives (the page and the recourse encode the same data for every row searched).
    Kept per table object: a table changed in place is not seen (fairdash never changes one)."""
    key = (space.columns, space.numeric, space.categories)
    kept = per_model(_ENCODED, X, dict)
    if key not in kept:
        kept[key] = space.encode(X)
    return kept[key]


NO_MODEL = (
    "Counterfactuals need a model that can score changed rows; this audit has scores but no model "
    "(a column of the table). Upload the model (on the command line: --model) to find them."
)


def find_counterfactuals(
    model: ScoreModel | None,
    X: pd.DataFrame,
    row: Any,
    *,
    threshold: float,
    positive_label: Any,
    space: SearchSpace,
    n: int = 3,
    scores: np.ndarray | None = None,
    selected: np.ndarray | None = None,
) -> Counterfactuals:
    """Up to ``n`` diverse counterfactuals of one row: changes that flip the model's decision at ``threshold``.

    Parameters
    ----------
    model : ScoreModel
        The model; ``None`` (a scores-only audit) is refused with the reason.
    X : DataFrame
        The data (the model's input columns); ``row`` is one of its index labels.
    threshold : float
        The row's threshold: selected when its score is at least this.
    positive_label
        The class the score is for.
    space : SearchSpace
        Features, scales and constraints (:func:`search_space`; hold the sensitive attributes there).
    n : int
        How many counterfactuals, from 1 to 10 (each changes another set of features where it can).
    scores : array, optional
        Every row's score: with it, the rows nearest to ``row`` with the other decision seed the search.
    selected : array, optional
        Every row's decision at the current thresholds (with ``scores``): the nearest real row with the other
        decision is returned too.

    Returns
    -------
    Counterfactuals
        Each counterfactual re-scored by the model as returned, nearest first; none (with the reason) when the search
        finds none.

    Raises
    ------
    ModelError
        No model, or one that fails to score the changed rows.
    InvalidInputError
        A row that is not in ``X``, ``n`` out of range, or a threshold that is not a number.
    """
    (result,) = counterfactuals_of_rows(
        model, X, [row], thresholds=threshold, positive_label=positive_label, space=space, n=n, scores=scores, selected=selected
    )
    return result


def counterfactuals_of_rows(
    model: ScoreModel | None,
    X: pd.DataFrame,
    rows: Sequence[Any],
    *,
    thresholds: Any,
    positive_label: Any,
    space: SearchSpace,
    n: int = 3,
    scores: np.ndarray | None = None,
    selected: np.ndarray | None = None,
    levels: int = 2,
    points: int = 64,
) -> list[Counterfactuals]:
    """:func:`find_counterfactuals` of several rows in one batched search (``thresholds``: one, or one per row); the
    counterfactuals of every row are re-scored by the model in one call. ``levels`` and ``points``: as for :func:`search_rows`."""
    if model is None:
        raise ModelError(NO_MODEL)
    thresholds = np.broadcast_to(np.asarray(thresholds, dtype=float), (len(rows),))
    for row, threshold in zip(rows, thresholds):
        _check_request(X, row, n, threshold)
    positions = X.index.get_indexer(list(rows))
    data = encoded_data(space, X)
    found = search_rows(
        model,
        X.iloc[positions],
        thresholds,
        space,
        positive_label=positive_label,
        keep=max(8, 3 * n),
        examples=(data, scores) if scores is not None else None,
        levels=levels,
        points=points,
        row_scores=None if scores is None else np.asarray(scores, dtype=float)[positions],
    )
    chosen = [
        _diverse(
            [frozenset(np.flatnonzero(changed)) for changed in space.changed(found.encoded[mine], data[[position]])],
            found.distances[mine],
            n,
        )
        for mine, position in ((np.flatnonzero(found.owner == number), position) for number, position in enumerate(positions))
    ]
    picked = np.concatenate(
        [np.flatnonzero(found.owner == number)[mine] for number, mine in enumerate(chosen)] + [np.empty(0, dtype=np.int64)]
    )
    frame = space.decode(found.encoded[picked.astype(np.int64)])
    # Checked again as returned, not taken on trust: every counterfactual scored by the model's public path, in one call.
    rescored = model.scores(frame, positive_label=positive_label, features=space.columns) if len(frame) else np.empty(0)
    return [
        _one_result(X, row, space, found, number, picked, frame, rescored, thresholds[number], scores, selected)
        for number, row in enumerate(rows)
    ]


def _one_result(
    X: pd.DataFrame,
    row: Any,
    space: SearchSpace,
    found: Candidates,
    number: int,
    picked: np.ndarray,
    frame: pd.DataFrame,
    rescored: np.ndarray,
    threshold: float,
    scores: np.ndarray | None,
    selected: np.ndarray | None,
) -> Counterfactuals:
    """The :class:`Counterfactuals` of the ``number``-th row searched, from the flips picked for every row."""
    base_score = float(found.base_scores[number])
    before = space.decode(encoded_data(space, X)[[X.index.get_loc(row)]]).iloc[0]
    result = [
        Counterfactual(
            changes=_changes(space, before, frame.iloc[position]),
            score=float(rescored[position]),
            distance=float(found.distances[picked[position]]),
        )
        for position in np.flatnonzero(found.owner[picked.astype(np.int64)] == number)
        if (rescored[position] >= threshold) != (base_score >= threshold)
    ]
    nearest = (
        nearest_real_row(X, row, selected=selected, scores=scores, space=space)
        if selected is not None and scores is not None
        else None
    )
    return Counterfactuals(
        row=_plain(row),
        score=base_score,
        threshold=float(threshold),
        selected=bool(base_score >= threshold),
        found=tuple(result),
        nearest=nearest,
        evaluated=int(found.evaluated[number]),
        held=space.immutable,
        reason=None if result else _none_found(space, int(found.evaluated[number]), base_score >= threshold),
    )


def _check_request(X: pd.DataFrame, row: Any, n: int, threshold: float) -> None:
    if row not in X.index:
        shown = f"{X.index[0]!r} to {X.index[-1]!r}" if len(X) else "none"
        raise InvalidInputError(f"There is no row {brief(row)} in the table; its {len(X):,} rows are labelled {shown}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10:
        raise InvalidInputError(f"The number of counterfactuals must be a whole number from 1 to 10; got {brief(n)}.")
    if not isinstance(threshold, (int, float, np.number)) or not np.isfinite(threshold):
        raise InvalidInputError(f"The threshold must be a finite number; got {brief(threshold)}.")


def _none_found(space: SearchSpace, evaluated: int, selected: bool) -> str:
    wanted = "not selected" if selected else "selected"
    if not space.mutable.any():
        return f"Every feature is held fixed, so nothing can change the decision to {wanted}."
    return (
        f"No change found makes the row {wanted}: {evaluated:,} changed rows were scored within the allowed "
        "ranges, directions and held features (the search budget). Allow more features to change or wider ranges."
    )


def nearest_real_row(
    X: pd.DataFrame, row: Any, *, selected: np.ndarray, scores: np.ndarray, space: SearchSpace
) -> NearestRow | None:
    """The real row of ``X`` nearest to ``row`` (in :data:`DISTANCE`) with the other decision: among the rows that share its held
    features (the sensitive attributes) when there is one, else among all; ``None`` when every row has the same decision."""
    position = X.index.get_loc(row)
    selected = np.asarray(selected, dtype=bool)
    other = np.asarray(selected != selected[position])
    if not other.any():
        return None
    encoded = encoded_data(space, X)
    held = ~space.mutable
    same = np.asarray(~space.changed(encoded[:, held], encoded[position, held]).any(axis=1))
    pool = np.flatnonzero(other & same) if (other & same).any() else np.flatnonzero(other)
    distances = space.distance(encoded[pool], encoded[position])
    defined = np.isfinite(distances)  # a missing number leaves its distance undefined: such rows cannot be nearest
    if not defined.any():
        return None
    pool, distances = pool[defined], distances[defined]
    best = int(pool[np.argmin(distances)])
    return NearestRow(
        row=_plain(X.index[best]),
        score=float(scores[best]),
        distance=float(distances.min()),
        changes=_changes(space, X.iloc[position], X.iloc[best]),
        same_held=bool(same[best]),
    )
