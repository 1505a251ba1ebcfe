"""Rules a stakeholder can read: a small decision tree fitted to the model's decisions.

A text column is encoded by ordering its categories by how often the model selects them; a split on
that order is then a set of categories ("occupation in {Exec-managerial, Prof-specialty}"), which for
a yes/no target is the best split a category allows (Breiman et al., 1984). Rules are kept as
structured conditions, so :func:`assign_rules` can apply their text to new rows and reproduce the tree.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.groups import MISSING_GROUP, group_labels
from fairdash.errors import InvalidInputError, brief

__all__ = [
    "SELECTED",
    "NOT_SELECTED",
    "MAX_FIT_ROWS",
    "PROXY_STRENGTH",
    "Condition",
    "Surrogate",
    "assign_rules",
    "surrogate_columns",
    "TREE_MAX",
    "beyond_tree_range",
    "proxy_strength",
    "surrogate_tree",
    "fidelity_by_depth",
]

MAX_FIT_ROWS = 200_000
"""The most rows a surrogate tree is fitted on (a seeded sample beyond); fidelity is still measured
on every held-out row."""

PROXY_STRENGTH = 0.3
"""Association with a sensitive attribute (Cramér's V or the correlation ratio) from which a feature
is flagged as a possible proxy."""

SELECTED, NOT_SELECTED = "selected", "not selected"

TREE_MAX = float(np.finfo(np.float32).max)
"""The largest number scikit-learn's trees take (they work in float32); larger ones, and infinities, are clipped to it."""


@dataclass(frozen=True)
class Condition:
    """One test on one feature: ``low < value <= high`` for numbers, ``value in categories`` for text."""

    feature: str
    low: float = -np.inf
    high: float = np.inf
    categories: frozenset[str] | None = None
    all_categories: frozenset[str] | None = None  # for the text only: name the shorter side

    def text(self) -> str:
        if self.categories is not None:
            shown = sorted(self.categories)
            others = sorted((self.all_categories or frozenset()) - self.categories)
            if len(shown) == 1:
                return f"{self.feature} is {shown[0]}"
            if len(others) == 1 and len(shown) > 1:
                return f"{self.feature} is not {others[0]}"
            if 1 < len(others) < len(shown):
                return f"{self.feature} not in {{{', '.join(others)}}}"
            return f"{self.feature} in {{{', '.join(shown)}}}"
        if np.isfinite(self.low) and np.isfinite(self.high):
            return f"{_number(self.low)} < {self.feature} <= {_number(self.high)}"
        if np.isfinite(self.high):
            return f"{self.feature} <= {_number(self.high)}"
        return f"{self.feature} > {_number(self.low)}"

    def holds(self, column: pd.Series, fill_value: float | None) -> np.ndarray:
        if self.categories is not None:
            return _category_text(column).isin(self.categories).to_numpy()
        values = pd.to_numeric(column, errors="coerce").astype(float)
        if fill_value is not None:
            values = values.fillna(fill_value)
        values = values.to_numpy()
        return (values > self.low) & (values <= self.high)


def _number(value: float) -> str:
    # Six significant digits: an income split reads 35569.5, not 3.557e+04.
    return f"{value:.6g}"


def _category_text(column: pd.Series) -> pd.Series:
    return column.astype("object").where(column.notna(), MISSING_GROUP).astype(str)


@dataclass(frozen=True)
class Surrogate:
    """A surrogate tree and what it says.

    Attributes
    ----------
    fidelity : float
        Share of held-out rows where the tree's decision equals the model's.
    fidelity_by_group : pandas.Series or None
        The same per sensitive group (held-out rows), when ``sensitive`` was given.
    rules : pandas.DataFrame
        One row per leaf: ``rule`` (IF ... THEN ...), ``decision``, ``coverage`` (share of all rows),
        ``rows``, ``precision`` (share of its rows where the model decided as the rule says),
        ``tests_sensitive``, ``tests_proxy``, and ``share in <group>`` columns (share of each group's
        rows that fall in the rule).
    dot : str
        The tree in Graphviz DOT, leaves coloured by decision.
    proxies : pandas.Series
        Each feature's association with the sensitive attribute(s) (0 to 1).
    notes : tuple of str
        Plain words on how the data were read (infinite values clipped to the tree's range).
    """

    fidelity: float
    fidelity_by_group: pd.Series | None
    rules: pd.DataFrame
    dot: str
    proxies: pd.Series
    conditions: tuple[tuple[Condition, ...], ...] = field(repr=False)
    fill_values: dict[str, float] = field(repr=False)
    held_out_rows: int = 0
    fit_rows: int = 0
    held_out_by_group: pd.Series | None = field(default=None, repr=False)
    held_out_positions: np.ndarray | None = field(default=None, repr=False)
    tree: Any = field(default=None, repr=False)
    encoder: Any = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    def assign(self, X: pd.DataFrame) -> np.ndarray:
        """The rule (row position in ``rules``) each row of ``X`` falls in, by evaluating the rule text's conditions."""
        return assign_rules(X, self.conditions, self.fill_values)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The decision the rules give each row of ``X`` (from the rule text, not the fitted tree)."""
        return (self.rules["decision"].to_numpy() == SELECTED)[self.assign(X)]


def assign_rules(X: pd.DataFrame, conditions: Sequence[Sequence[Condition]], fill_values: dict[str, float]) -> np.ndarray:
    """For each row, the index of the single rule whose conditions all hold (-1 if none)."""
    assigned = np.full(len(X), -1, dtype=np.int64)
    for position, rule in enumerate(conditions):
        holds = np.ones(len(X), dtype=bool)
        for condition in rule:
            holds &= condition.holds(X[condition.feature], fill_values.get(condition.feature))
        if np.any(assigned[holds] >= 0):
            raise AssertionError("rules overlap")  # cannot happen for a tree's leaves
        assigned[holds] = position
    return assigned


def surrogate_columns(table: pd.DataFrame, spec: Any, *, with_model: bool) -> list[str]:
    """The columns a surrogate tree reads: the model's features; without a model (a scores-only
    audit), every column but the target, the score and row IDs."""
    from fairdash.engine.spec import id_like_columns

    if with_model:
        return list(spec.features)
    left_out = {spec.target, spec.score, *id_like_columns(table)}  # computed once: linear in the columns
    return [column for column in table.columns if column not in left_out]


class _Encoder:
    """Numbers as they are (missing -> the median); text as ranks of the category's selection rate."""

    def __init__(self, X: pd.DataFrame, decisions: np.ndarray, fit_rows: np.ndarray) -> None:
        """Rates come from ``fit_rows`` only; categories seen only in other rows go last."""
        self.numeric: dict[str, float] = {}
        self.orders: dict[str, list[str]] = {}
        for column in X.columns:
            values = X[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                fitted = values.iloc[fit_rows]
                self.numeric[column] = float(fitted.median()) if fitted.notna().any() else 0.0
            else:
                text = _category_text(values).to_numpy()
                rate = pd.Series(decisions[fit_rows]).groupby(text[fit_rows]).mean()
                rate = rate.reindex(pd.unique(text)).fillna(np.inf)
                self.orders[column] = rate.sort_values(kind="stable").index.tolist()

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        columns = []
        for column in X.columns:
            if column in self.numeric:
                values = pd.to_numeric(X[column], errors="coerce").astype(float).fillna(self.numeric[column]).to_numpy()
                # scikit-learn's trees work in float32: an infinite value, or one beyond float32's range, would stop the
                # fit. Clipped to the range, it stays above (below) every other value, and each rule's text, tested on
                # the values as they are, still puts it on the same side of every split (see beyond_tree_range).
                columns.append(np.clip(values, -TREE_MAX, TREE_MAX))
            else:
                rank = {category: position for position, category in enumerate(self.orders[column])}
                columns.append(_category_text(X[column]).map(rank).to_numpy(dtype=float))
        return np.column_stack(columns) if columns else np.empty((len(X), 0))

    def condition(self, feature: str, low: float, high: float) -> Condition:
        if feature in self.numeric:
            return Condition(feature, low=low, high=high)
        order = self.orders[feature]
        chosen = [category for position, category in enumerate(order) if low < position <= high]
        return Condition(feature, categories=frozenset(chosen), all_categories=frozenset(order))


def beyond_tree_range(X: pd.DataFrame) -> str | None:
    """A note naming the numeric columns that hold infinite values or values beyond float32's range (the tree
    reads them as the largest number it takes, :data:`TREE_MAX`, or its negative); None when there are none."""
    counts = {}
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            count = int((np.abs(pd.to_numeric(values, errors="coerce").astype(float)) > TREE_MAX).sum())
            if count:
                counts[column] = count
    if not counts:
        return None
    listed = ", ".join(f"{brief(column)} ({count:,} row(s))" for column, count in list(counts.items())[:5])
    more = f" and {len(counts) - 5} more column(s)" if len(counts) > 5 else ""
    return (
        f"Infinite values, or values beyond ±{TREE_MAX:.3g} (the largest number the tree takes), are in {listed}{more}: "
        f"the tree reads them as ±{TREE_MAX:.3g}, so a rule on the column puts them with its largest (or smallest) values."
    )


def proxy_strength(X: pd.DataFrame, sensitive: pd.Series) -> pd.Series:
    """Association of each column with the sensitive groups, from 0 (none) to 1 (a stand-in).

    Cramér's V for text columns and for numbers with few values; the correlation ratio (eta) for
    other numbers.
    """
    groups = pd.Series(np.asarray(sensitive), index=X.index).astype(str)
    strengths = {}
    for column in X.columns:
        values = X[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric and values.nunique() > 20:
            finite = values.astype(float).where(np.isfinite(values.astype(float)))  # an infinity would make every mean one
            filled = finite.fillna(finite.median())
            filled = filled / max(float(filled.abs().max()), np.finfo(float).tiny)  # eta is scale-free; no square overflows
            total = ((filled - filled.mean()) ** 2).sum()
            between = filled.groupby(groups).agg(["mean", "size"])
            explained = (between["size"] * (between["mean"] - filled.mean()) ** 2).sum()
            strengths[column] = float(np.sqrt(explained / total)) if total > 0 else 0.0
        else:
            table = pd.crosstab(_category_text(values), groups).to_numpy(dtype=float)
            strengths[column] = _cramers_v(table)
    return pd.Series(strengths, name="association").sort_values(ascending=False)


def _cramers_v(table: np.ndarray) -> float:
    if min(table.shape) < 2:
        return 0.0
    total = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    return float(np.sqrt(chi2 / (total * (min(table.shape) - 1))))


def surrogate_tree(
    X: pd.DataFrame,
    decisions: Any,
    *,
    max_depth: int = 3,
    min_samples_leaf: int | float = 0.01,
    sensitive: pd.Series | pd.DataFrame | None = None,
    sensitive_columns: Sequence[str] = (),
    held_out: float = 0.3,
    random_state: int = 0,
) -> Surrogate:
    """Fit a decision tree to the model's decisions and read it as rules.

    Parameters
    ----------
    X : DataFrame
        The features, in their original values (text or numbers).
    decisions : array-like of bool
        The model's decisions (for example ``scores >= threshold``); or the true outcomes, to compare.
    max_depth : int, default 3
        Deeper trees are more faithful and harder to read.
    min_samples_leaf : int or float, default 0.01
        The smallest leaf, as a count or a share of the rows.
    sensitive : Series or DataFrame, optional
        The sensitive attribute(s): fidelity and coverage are then also given per group.
    sensitive_columns : sequence of str
        Columns of ``X`` that are sensitive attributes: rules testing them are flagged.
    held_out : float, default 0.3
        Share of rows kept out of fitting to measure fidelity.
    random_state : int, default 0

    Returns
    -------
    Surrogate
    """
    decisions = _checked_decisions(X, decisions, max_depth)
    X = X.reset_index(drop=True)
    groups = _sensitive_groups(sensitive)
    fit_rows, test_rows, encoder, tree, encoded = _fit_tree(X, decisions, held_out, max_depth, min_samples_leaf, random_state)
    fidelity, fidelity_by_group, held_out_by_group = _held_out_fidelity(tree, encoded, decisions, test_rows, groups)
    leaves, conditions = _leaf_conditions(tree, list(X.columns), encoder)
    proxies = proxy_strength(X, groups) if groups is not None else pd.Series(dtype=float, name="association")
    rules = _rules_table(tree, leaves, conditions, tree.apply(encoded), decisions, groups, proxies, sensitive_columns)
    return Surrogate(
        fidelity=fidelity,
        fidelity_by_group=fidelity_by_group,
        rules=rules,
        dot=_dot(tree, list(X.columns), encoder),
        proxies=proxies,
        conditions=tuple(conditions),
        fill_values=dict(encoder.numeric),
        held_out_rows=len(test_rows),
        fit_rows=len(fit_rows),
        held_out_by_group=held_out_by_group,
        held_out_positions=np.sort(test_rows),
        tree=tree,
        encoder=encoder,
        notes=tuple(note for note in [beyond_tree_range(X)] if note),
    )


def _checked_decisions(X: pd.DataFrame, decisions: Any, max_depth: int) -> np.ndarray:
    """The decisions as a flat boolean array, once the inputs are known to make a tree."""
    decisions = np.asarray(decisions, dtype=bool).ravel()
    if len(decisions) != len(X):
        raise InvalidInputError(f"decisions must have one value per row of X; got {len(decisions)} and {len(X)}.")
    if X.shape[1] == 0:
        raise InvalidInputError("The surrogate tree needs at least one feature column.")
    if not 1 <= max_depth <= 20:
        raise InvalidInputError(f"max_depth must lie between 1 and 20; got {max_depth}.")
    return decisions


def _sensitive_groups(sensitive: pd.Series | pd.DataFrame | None) -> pd.Series | None:
    """One group label per row (by position) from one or more sensitive attributes; None without them."""
    if sensitive is None:
        return None
    frame = sensitive if isinstance(sensitive, pd.DataFrame) else pd.Series(np.asarray(sensitive)).to_frame("group")
    return group_labels(frame.reset_index(drop=True), list(frame.columns))


def _fit_and_held_out_rows(decisions: np.ndarray, held_out: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows the tree is fitted on and of the rows kept out to measure fidelity."""
    from sklearn.model_selection import train_test_split

    # Stratified where each decision has two rows at least, which train_test_split needs.
    stratify = decisions if 2 <= np.bincount(decisions, minlength=2).min() else None
    fit_rows, test_rows = train_test_split(
        np.arange(len(decisions)), test_size=held_out, random_state=random_state, stratify=stratify
    )
    if len(fit_rows) > MAX_FIT_ROWS:  # a sample fits a tree of depth 8 or less as well, in a fraction of the time
        fit_rows = np.sort(np.random.default_rng(random_state).choice(fit_rows, MAX_FIT_ROWS, replace=False))
    return fit_rows, test_rows


def _fit_tree(
    X: pd.DataFrame,
    decisions: np.ndarray,
    held_out: float,
    max_depth: int,
    min_samples_leaf: int | float,
    random_state: int,
) -> tuple[np.ndarray, np.ndarray, _Encoder, Any, np.ndarray]:
    """The rows fitted on and those held out (:func:`_fit_and_held_out_rows`); the encoder and the decision tree, both
    fitted on the first only; and every row of ``X`` encoded."""
    from sklearn.tree import DecisionTreeClassifier

    fit_rows, test_rows = _fit_and_held_out_rows(decisions, held_out, random_state)
    encoder = _Encoder(X, decisions, fit_rows)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=random_state)
    tree.fit(encoder.transform(X.iloc[fit_rows]), decisions[fit_rows])
    return fit_rows, test_rows, encoder, tree, encoder.transform(X)


def _held_out_fidelity(
    tree, encoded: np.ndarray, decisions: np.ndarray, test_rows: np.ndarray, groups: pd.Series | None
) -> tuple[float, pd.Series | None, pd.Series | None]:
    """Share of held-out rows where the tree decides as the model did; per group (with the group's
    held-out rows counted) when there are groups."""
    agree = tree.predict(encoded).astype(bool)[test_rows] == decisions[test_rows]
    if groups is None:
        return float(agree.mean()), None, None
    by_group = pd.Series(agree).groupby(groups.iloc[test_rows].to_numpy())
    return float(agree.mean()), by_group.mean().rename("fidelity"), by_group.size().rename("held-out rows")


def _rules_table(
    tree,
    leaves: list[int],
    conditions: list[tuple[Condition, ...]],
    leaf_of_row: np.ndarray,
    decisions: np.ndarray,
    groups: pd.Series | None,
    proxies: pd.Series,
    sensitive_columns: Sequence[str],
) -> pd.DataFrame:
    """One row per leaf: its rule, decision, coverage, precision, flags and share of each group."""
    rows = []
    for leaf, rule in zip(leaves, conditions):
        in_leaf = leaf_of_row == leaf
        decision = bool(tree.classes_[np.argmax(tree.tree_.value[leaf][0])])
        features = {condition.feature for condition in rule}
        row = {
            "rule": _rule_text(rule, decision),
            "decision": SELECTED if decision else NOT_SELECTED,
            "coverage": float(in_leaf.mean()),
            "rows": int(in_leaf.sum()),
            "precision": float((decisions[in_leaf] == decision).mean()) if in_leaf.any() else float("nan"),
            "tests_sensitive": bool(features & set(sensitive_columns)),
            "tests_proxy": bool(
                any(proxies.get(feature, 0.0) >= PROXY_STRENGTH for feature in features - set(sensitive_columns))
            ),
        }
        if groups is not None:
            for label, share in pd.Series(in_leaf).groupby(groups.to_numpy()).mean().items():
                row[f"share in {label}"] = float(share)
        rows.append(row)
    return pd.DataFrame(rows)


def _leaf_conditions(tree, features: list[str], encoder: _Encoder) -> tuple[list[int], list[tuple[Condition, ...]]]:
    """Each leaf with its path's conditions, merged per feature into one interval or category set."""
    structure = tree.tree_
    leaves, conditions = [], []

    def walk(node: int, bounds: dict[int, tuple[float, float]]) -> None:
        if structure.children_left[node] == -1:
            leaves.append(node)
            conditions.append(tuple(encoder.condition(features[f], low, high) for f, (low, high) in sorted(bounds.items())))
            return
        feature, threshold = structure.feature[node], structure.threshold[node]
        low, high = bounds.get(feature, (-np.inf, np.inf))
        walk(structure.children_left[node], {**bounds, feature: (low, min(high, threshold))})
        walk(structure.children_right[node], {**bounds, feature: (max(low, threshold), high)})

    walk(0, {})
    return leaves, conditions


def _rule_text(conditions: Sequence[Condition], decision: bool) -> str:
    outcome = SELECTED if decision else NOT_SELECTED
    if not conditions:
        return f"ALWAYS {outcome}"
    return "IF " + " AND ".join(condition.text() for condition in conditions) + f" THEN {outcome}"


def _dot(tree, features: list[str], encoder: _Encoder) -> str:
    """Graphviz DOT of the tree: questions on inner nodes, leaves green (selected) or grey."""
    structure = tree.tree_
    total = structure.n_node_samples[0]
    lines = [
        "digraph surrogate {",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in range(structure.node_count):
        share = structure.n_node_samples[node] / total
        if structure.children_left[node] == -1:
            selected = bool(tree.classes_[np.argmax(structure.value[node][0])])
            colour = "#b7dfb0" if selected else "#e3e3e3"
            label = f"{SELECTED if selected else NOT_SELECTED}\\n{share:.1%} of rows"
            lines.append(f'  n{node} [label="{label}", fillcolor="{colour}"];')
        else:
            question = encoder.condition(features[structure.feature[node]], -np.inf, structure.threshold[node]).text()
            wrapped = "\\n".join(_escape(line) for line in textwrap.wrap(question, width=40))
            lines.append(f'  n{node} [label="{wrapped}\\n{share:.1%} of rows"];')
            lines.append(f'  n{node} -> n{structure.children_left[node]} [label="yes"];')
            lines.append(f'  n{node} -> n{structure.children_right[node]} [label="no"];')
    lines.append("}")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def fidelity_by_depth(
    X: pd.DataFrame,
    decisions: Any,
    *,
    depths: Sequence[int] = range(1, 9),
    min_samples_leaf: int | float = 0.01,
    random_state: int = 0,
) -> pd.DataFrame:
    """Fidelity (held-out) and number of rules for each depth: the readability/faithfulness trade-off."""
    rows = []
    for depth in depths:
        surrogate = surrogate_tree(X, decisions, max_depth=depth, min_samples_leaf=min_samples_leaf, random_state=random_state)
        rows.append({"depth": depth, "fidelity": surrogate.fidelity, "rules": len(surrogate.rules)})
    return pd.DataFrame(rows)
