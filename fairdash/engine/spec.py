"""What an audit asks: the target and its positive label, the sensitive attributes (and bands of numeric ones), the
scores; and the checks that these fit the table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd

from fairdash.engine.groups import group_labels
from fairdash.engine.warnings import AuditWarning
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.values import match_label, value_text

__all__ = [
    "SMALL_GROUP_SIZE",
    "MAX_CLASSES",
    "AuditSpec",
    "BIN_ABOVE",
    "default_bins",
    "needs_bins",
    "bins_used",
    "parse_bins",
    "edge_texts",
    "band_labels",
    "sensitive_frame",
    "POSITIVE_NAMES",
    "default_positive_label",
    "resolve_label",
    "binary_target",
    "numeric_scores",
    "finite_scores",
    "score_warnings",
    "check_column_roles",
    "audit_warnings",
    "small_groups_warning",
    "id_like_columns",
    "validate_spec",
    "default_reference",
]

SMALL_GROUP_SIZE = 30
"""Groups with fewer rows than this are flagged as too small to judge."""


MAX_CLASSES = 20
"""The most classes a target may hold; with more than two, one class is audited against the rest."""


@dataclass(frozen=True)
class AuditSpec:
    """What to audit in a table: the choices a user makes on the Data & model page.

    Attributes
    ----------
    target : str
        The column holding the true outcome.
    positive_label : Any
        The value of ``target`` that counts as the positive (favourable or predicted) class.
    sensitive : tuple of str
        One or more sensitive attributes; several make intersectional groups ``"a | b"``.
    reference : str, optional
        The group others are compared with; ``None`` means the largest group.
    score : str, optional
        A column that already holds the model's scores or 0/1 predictions (a scores-only audit).
    features : tuple of str
        The columns the model takes, when a model is given.
    bins : tuple of (column, edges)
        Band edges for numeric sensitive attributes, e.g. ``(("age", (25.0, 40.0, 65.0)),)`` for the
        bands under 25, 25 to 40, 40 to 65 and 65 and over. A numeric sensitive attribute with more
        than :data:`BIN_ABOVE` distinct values and no edges here is cut into quintiles
        (:func:`sensitive_frame`).
    """

    target: str
    positive_label: Any
    sensitive: tuple[str, ...]
    reference: str | None = None
    score: str | None = None
    features: tuple[str, ...] = field(default_factory=tuple)
    bins: tuple[tuple[str, tuple[float, ...]], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sensitive", tuple(self.sensitive))
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(
            self, "bins", tuple((column, tuple(float(edge) for edge in edges)) for column, edges in dict(self.bins).items())
        )


BIN_ABOVE = 20
"""A numeric sensitive attribute with more distinct values than this is cut into bands by default:
730 ages as 730 groups would make every group too small and every chart unreadable."""


def default_bins(values: pd.Series) -> tuple[float, ...]:
    """Quintile edges of a numeric column (fewer where values repeat), rounded to two significant places of the
    column's spread beyond the integer part (whole numbers for a column of whole numbers): the bands hold about a
    fifth of the rows each.

    Infinite values are left out of the quintiles (they fall in the first or the last band). When one value holds
    most rows, so that every quintile is the smallest value (a count that is mostly 0), the edges are that value
    against the others: one edge, the roundest number above it up to the next value. ``()`` only for a column with fewer than two finite values.
    """
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    numbers = np.sort(numbers[np.isfinite(numbers)])
    if len(numbers) == 0 or numbers[0] == numbers[-1]:
        return ()
    low, high = float(numbers[0]), float(numbers[-1])
    decimals = _edge_decimals(numbers)
    edges = sorted({round(float(edge), decimals) for edge in np.quantile(numbers, [0.2, 0.4, 0.6, 0.8])})
    edges = [edge for edge in edges if low < edge <= high]
    if edges:
        return tuple(edges)
    above = float(numbers[np.searchsorted(numbers, low, side="right")])
    return (_roundest_between(low, above, decimals),)


def _roundest_between(low: float, high: float, decimals: int) -> float:
    """The number with the fewest decimals (from ``decimals``, at most 17 more) above ``low`` and at most ``high``;
    else ``high``: 0 and 5 give 1 (the band ``under 1`` holds the zeros)."""
    for places in range(decimals + 18):
        scale = 10.0**places
        if not math.isfinite(low * scale):
            break
        candidate = (math.floor(low * scale) + 1) / scale
        if low < candidate <= high:
            return candidate
    return high


def _edge_decimals(numbers: np.ndarray) -> int:
    """Decimals edges are rounded to: none for whole numbers; else two significant places of the spread, and at
    least two (tiny floats, at the 1e-9 scale, keep theirs)."""
    if np.all(numbers == np.round(numbers)):
        return 0
    with np.errstate(over="ignore"):
        spread = float(numbers[-1] - numbers[0])
    if not np.isfinite(spread) or spread <= 0:
        return 2
    return max(2, 1 - math.floor(math.log10(spread)))


def needs_bins(values: pd.Series) -> bool:
    """Whether a sensitive column is numeric (not boolean) with more than :data:`BIN_ABOVE` distinct values."""
    return (
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and values.nunique(dropna=True) > BIN_ABOVE
    )


def bins_used(table: pd.DataFrame, sensitive: Sequence[str], bins: Any = ()) -> dict[str, tuple[float, ...]]:
    """The band edges each binned sensitive column is cut at: those given (``{column: edges}`` or
    pairs, as :attr:`AuditSpec.bins`), else quintiles where a column needs bands (:func:`needs_bins`)."""
    given = dict(bins)
    unknown = [column for column in given if column not in sensitive]
    if unknown:
        raise InvalidInputError(f"Bands are given for {brief(unknown[0])}, which is not a chosen sensitive attribute.")
    used = {}
    for column in sensitive:
        if column in given:
            if column in table.columns and not pd.api.types.is_numeric_dtype(table[column]):
                raise InvalidInputError(f"Bands are given for {brief(column)}, but it is not a numeric column.")
            used[column] = _checked_edges(given[column], column)
        elif column in table.columns and needs_bins(table[column]):
            edges = default_bins(table[column])
            if edges:
                used[column] = edges
    return used


def parse_bins(text: str, column: str) -> tuple[float, ...]:
    """Band edges typed by a user (``"25, 40, 65"``) as numbers; raises with a plain message."""
    try:
        edges = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise InvalidInputError(
            f"The band edges for {brief(column)} must be numbers separated by commas, e.g. 25, 40, 65; got {brief(text)}."
        ) from None
    return _checked_edges(edges, column)


def _checked_edges(edges: Sequence[float], column: str) -> tuple[float, ...]:
    edges = tuple(float(edge) for edge in edges)
    if not edges or any(not np.isfinite(edge) for edge in edges) or list(edges) != sorted(set(edges)):
        raise InvalidInputError(
            f"The band edges for {brief(column)} must be finite numbers in increasing order, e.g. 25, 40, 65."
        )
    return edges


def edge_texts(edges: Sequence[float]) -> list[str]:
    """The edges as short text: ``:g`` (six significant digits) where it reads back as the edge, else as many digits
    as it takes (1000000.5, 2.0123456e-10): a band's label names its edge exactly, and the text a user edits parses
    back to the edges the audit used."""
    values = [float(edge) for edge in edges]
    for digits in range(6, 18):
        texts = [f"{value:.{digits}g}" for value in values]
        if all(float(text) == value for text, value in zip(texts, values)):
            return texts
    return [repr(value) for value in values]


def band_labels(edges: Sequence[float]) -> list[str]:
    """Readable names of the bands the edges make: ``under 25``, ``25 to 40``, ..., ``65 and over``; each distinct."""
    shown = edge_texts(edges)
    if not shown:
        return ["all values"]
    return [f"under {shown[0]}"] + [f"{low} to {high}" for low, high in zip(shown, shown[1:])] + [f"{shown[-1]} and over"]


def sensitive_frame(table: pd.DataFrame, sensitive: Sequence[str], bins: Any = ()) -> pd.DataFrame:
    """The sensitive columns as the audit groups them: numeric ones cut into bands (:func:`bins_used`).

    A band is ``[low, high)``; its label is text such as ``25 to 40``; a missing value stays missing; -inf is in
    the first band and +inf in the last.
    The table itself is not changed.
    """
    missing = [column for column in sensitive if column not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {', '.join(brief(column) for column in missing)}.")
    frame = table[list(sensitive)]
    used = bins_used(table, sensitive, bins)
    if not used:
        return frame
    frame = frame.copy()
    for column, edges in used.items():
        numbers = pd.to_numeric(frame[column], errors="coerce").astype(float)
        # The last band [edge, inf) is right-open: +inf, a known value above every edge, belongs in it, not in "(missing)".
        numbers = numbers.where(numbers != np.inf, np.finfo(float).max)
        bands = pd.cut(numbers, [-np.inf, *edges, np.inf], right=False, labels=band_labels(edges))
        frame[column] = bands.astype(object).where(bands.notna(), None)
    return frame


POSITIVE_NAMES = ("1", "1.0", "true", "yes", "y", "positive", "pos", "good", ">50k", "hired", "approved", "accepted")


def default_positive_label(values: pd.Series) -> Any:
    """A usual positive value (``1``, ``True``, ``"yes"``, ``"good"`` ...), else the rarer value."""
    counts = values.value_counts()
    usual = [value for value in counts.index if str(value).strip().lower() in POSITIVE_NAMES]
    chosen = usual[0] if usual else (counts.index[-1] if len(counts) else None)
    return chosen.item() if isinstance(chosen, np.generic) else chosen


def resolve_label(values: pd.Series, label: Any) -> Hashable:
    """The value in ``values`` that equals ``label``, or whose text does (``"1"`` finds ``1``)."""
    present = pd.unique(values.dropna())
    found = match_label(present, label)
    if found is not None:
        return found
    shown = ", ".join(brief(value_text(value)) for value in present[:10])
    raise InvalidInputError(f"The positive label {brief(label)} is not a value of {brief(values.name)}; its values are {shown}.")


def binary_target(table: pd.DataFrame, target: str, positive_label: Any) -> np.ndarray:
    """The target as a boolean array, ``True`` where it equals the positive label.

    A target of more than two classes (up to :data:`MAX_CLASSES`) is audited one class against the
    rest: the positive label's class against all others.

    Raises
    ------
    InvalidInputError
        If the column is missing, has missing values, or holds one class, or more than
        :data:`MAX_CLASSES` (a measurement or an ID, not classes).
    """
    if target not in table.columns:
        raise InvalidInputError(f"The table has no target column {brief(target)}.")
    values = table[target]
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(
            f"The target {brief(target)} is missing in {missing:,} row(s). Remove or fill those rows before auditing."
        )
    classes = pd.unique(values)
    if not 2 <= len(classes) <= MAX_CLASSES:
        shown = ", ".join(brief(value_text(value)) for value in classes[:6])
        more = f" and {len(classes) - 6} more" if len(classes) > 6 else ""
        raise InvalidInputError(
            f"The target {brief(target)} must hold the classes a classifier predicts, from 2 to {MAX_CLASSES}; "
            f"it holds {len(classes)} value(s): {shown}{more}. Choose the column of true outcomes."
        )
    return (values == resolve_label(values, positive_label)).to_numpy(dtype=bool)


def numeric_scores(table: pd.DataFrame, column: str) -> np.ndarray:
    """A score or 0/1 prediction column as floats; raises if it is missing, not numeric, or has gaps."""
    if column not in table.columns:
        raise InvalidInputError(f"The table has no score column {brief(column)}.")
    values = table[column]
    if values.dtype == bool:
        return values.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = values[converted.isna() & values.notna()]
        example = brief(bad.iloc[0]) if len(bad) else "text"
        raise InvalidInputError(
            f"The score column {brief(column)} is not numeric (for example {example}). "
            "Choose a column of scores or 0/1 predictions."
        )
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(f"The score column {brief(column)} is missing in {missing:,} row(s).")
    return finite_scores(values.to_numpy(dtype=float), f"The score column {brief(column)}")


def finite_scores(scores: np.ndarray, source: str) -> np.ndarray:
    """``scores`` as they are; raises naming the first row (counted from 1) whose score is missing or infinite.

    An infinite score would move the default threshold and cannot be written to JSON.
    """
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise InvalidInputError(
            f"{source} holds {len(bad):,} missing or infinite score(s), the first in row {bad[0] + 1:,} ({scores[bad[0]]}). "
            "Scores must be finite numbers."
        )
    return scores


def score_warnings(scores: np.ndarray) -> list[AuditWarning]:
    """A warning (``scores_outside_0_1``) when scores that look like probabilities (nearly all in [0, 1]) have a few
    outside it: how many, and the first with its row number (from 1)."""
    outside = (scores < 0) | (scores > 1)
    count = int(outside.sum())
    if count == 0 or count > 0.01 * len(scores):
        return []
    first = int(np.flatnonzero(outside)[0])
    return [AuditWarning("scores_outside_0_1", count=count, value=float(scores[first]), row=first + 1)]


def check_column_roles(*, target: str, sensitive: Sequence[str], score: str | None = None) -> None:
    """Check that each chosen column plays one role: no sensitive attribute twice, none that is the target,
    and a score column that is neither the target nor a sensitive attribute.

    Parameters
    ----------
    target : str
        The column of true outcomes.
    sensitive : sequence of str
        The sensitive attributes, as chosen.
    score : str, optional
        The column of scores or 0/1 predictions, if any.

    Raises
    ------
    InvalidInputError
        Naming the column chosen for two roles (or twice for one).

    Examples
    --------
    >>> check_column_roles(target="y", sensitive=["race", "sex"], score="score")
    """
    seen: set[str] = set()
    for column in sensitive:
        if column in seen:
            raise InvalidInputError(
                f"The sensitive attribute {brief(column)} is chosen twice. Choose each sensitive attribute once."
            )
        seen.add(column)
    if target in seen:
        raise InvalidInputError(
            f"{brief(target)} is the target; it cannot also be a sensitive attribute. Choose other sensitive attributes."
        )
    if score is not None and score == target:
        raise InvalidInputError(
            f"{brief(score)} is the target; it cannot also be the score column. Choose the column of the model's scores or predictions."
        )
    if score is not None and score in seen:
        raise InvalidInputError(
            f"{brief(score)} is a sensitive attribute; it cannot also be the score column. "
            "Choose the column of the model's scores or predictions."
        )


def small_groups_warning(group_counts: pd.Series, min_group_size: int = SMALL_GROUP_SIZE) -> AuditWarning | None:
    """The warning (``small_groups``) about the groups under ``min_group_size`` rows (the audit's small-group minimum:
    they are left out of the disparities), each with its count, or ``None`` when there are none (always with 0)."""
    small = group_counts[group_counts < min_group_size]
    if not len(small):
        return None
    groups = tuple((label, int(count)) for label, count in small.items())
    return AuditWarning("small_groups", groups=groups, min_group_size=min_group_size)


def audit_warnings(
    table: pd.DataFrame, spec: AuditSpec, group_counts: pd.Series, *, min_group_size: int = SMALL_GROUP_SIZE
) -> list[AuditWarning]:
    """The warnings, as facts: groups under ``min_group_size`` rows (see :func:`small_groups_warning`), missing
    sensitive values, ID-like columns (a feature's or a sensitive attribute's)."""
    small = small_groups_warning(group_counts, min_group_size)
    warnings = [small] if small else []
    if table[list(spec.sensitive)].isna().to_numpy().any():
        warnings.append(AuditWarning("missing_sensitive"))
    for column in id_like_columns(table):
        if column in spec.features:
            warnings.append(AuditWarning("id_feature", column=column))
        elif column in spec.sensitive:
            warnings.append(AuditWarning("id_sensitive", column=column))
    return warnings


def id_like_columns(table: pd.DataFrame) -> list[str]:
    """Columns that look like row IDs: text or integers that (nearly) never repeat.

    Integers count only when named like an ID or when they run nearly consecutively (1, 2, 3 ...),
    so that a measurement with many distinct values (an amount, an income) is not flagged.
    """
    if len(table) < 20:
        return []
    found = []
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        distinct = values.nunique(dropna=True)
        if distinct < 0.95 * len(table):
            continue
        if pd.api.types.is_integer_dtype(values):
            named_like_id = str(column).lower() in {"id", "index", "uuid", "key"} or str(column).lower().endswith("_id")
            span = values.max() - values.min() + 1
            if not (named_like_id or span <= 1.1 * distinct):
                continue
        found.append(column)
    return found


def validate_spec(table: pd.DataFrame, spec: AuditSpec, *, min_group_size: int = SMALL_GROUP_SIZE) -> list[AuditWarning]:
    """Check that ``spec`` can be audited on ``table``.

    Returns the warnings as facts (:class:`~fairdash.engine.warnings.AuditWarning`, in words by
    :func:`fairdash.present.sentences.warning_text`) (an audit can go on; groups under ``min_group_size`` rows are warned
    about, none with 0); raises
    :class:`InvalidInputError` for what makes an audit impossible.
    """
    binary_target(table, spec.target, spec.positive_label)
    if spec.score is not None:
        numeric_scores(table, spec.score)
    # Before the groups are built: a sensitive attribute named twice would break them with no plain message.
    check_column_roles(target=spec.target, sensitive=spec.sensitive, score=spec.score)
    groups = group_labels(sensitive_frame(table, spec.sensitive, spec.bins), spec.sensitive)
    counts = groups.value_counts()
    if len(counts) < 2:
        raise InvalidInputError(
            f"The sensitive attribute {brief(groups.name)} has a single group ({brief(counts.index[0])}); "
            "a fairness audit compares at least two groups."
        )
    if spec.reference is not None and spec.reference not in counts.index:
        raise InvalidInputError(f"The reference group {brief(spec.reference)} does not occur in {brief(groups.name)}.")
    return audit_warnings(table, spec, counts, min_group_size=min_group_size)


def default_reference(groups: pd.Series) -> str:
    """The largest group: the usual reference when the user has not chosen one."""
    return str(groups.value_counts().index[0])
