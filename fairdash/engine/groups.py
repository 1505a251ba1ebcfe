"""Groups: each row's key (a tuple of its original sensitive values), their codes, and labels made only at the edge."""

from __future__ import annotations

import json
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, brief
from fairdash.intake.values import plain_value, value_text

__all__ = [
    "MISSING_GROUP",
    "GROUP_SEPARATOR",
    "GroupCodes",
    "group_codes",
    "group_keys",
    "group_label",
    "group_labels",
]

MISSING_GROUP = "(missing)"
"""The label of rows whose sensitive attribute is missing: they form a group of their own."""


GROUP_SEPARATOR = " | "
"""Joins the values of several sensitive attributes into one intersectional group label."""


class GroupCodes(NamedTuple):
    """Each row's group as a code into ``labels``: what :func:`group_codes` returns. Passed as the
    ``sensitive`` argument of the metrics functions, it is used as it is (no labels made of labels)."""

    codes: np.ndarray
    labels: list[str]

    def per_row(self, index: pd.Index, name: str | None = None) -> pd.Series:
        """Each row's group label, as a Series with ``index``."""
        return pd.Series(np.asarray(self.labels, dtype=object)[self.codes], index=index, name=name)


def group_codes(table: pd.DataFrame, sensitive: Sequence[str] | str) -> GroupCodes:
    """Each row's group as an integer code into a sorted list of group labels.

    A group is the tuple of its original values, one per sensitive column (a missing value is its
    own value, apart from any text). Its label is that tuple as text (:func:`group_label`), and no
    two groups share a label: a value that could be read as something else (one holding the
    separator ``" | "``, the words ``(missing)`` or ``(all)``, or nothing but blanks) is quoted.
    Each column is factorized once and only the distinct combinations are turned into text, so this
    stays fast for millions of rows.

    Returns
    -------
    codes : numpy.ndarray of int64, one per row
    labels : list of str, sorted; ``labels[codes[i]]`` is row ``i``'s group
    """
    codes, keys = group_keys(table, sensitive)
    labels = _unique_labels(keys)
    order = np.argsort(labels, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return GroupCodes(rank[codes], [labels[i] for i in order])


def group_keys(table: pd.DataFrame, sensitive: Sequence[str] | str) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Each row's group as a code into the list of groups present, each a tuple of original values.

    ``None`` stands for a missing value (pandas reads no other value as None). The groups are in no
    particular order; :func:`group_codes` sorts them by label.
    """
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if not columns:
        raise InvalidInputError("Choose at least one sensitive attribute.")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {', '.join(brief(column) for column in missing)}.")
    combined = np.zeros(len(table), dtype=np.int64)
    values_per_column: list[list[Any]] = []
    for column in columns:
        codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
        values_per_column.append([plain_value(value) for value in uniques] + [None])
        codes = np.where(codes < 0, len(uniques), codes)  # the missing value gets the last slot
        combined = combined * (len(uniques) + 1) + codes
    present, inverse = np.unique(combined, return_inverse=True)
    keys = []
    for code in present.tolist():
        parts = []
        for column_values in reversed(values_per_column):
            code, position = divmod(code, len(column_values))
            parts.append(column_values[position])
        keys.append(tuple(reversed(parts)))
    return inverse.reshape(-1).astype(np.int64), keys


def group_label(key: tuple[Any, ...]) -> str:
    """A group's label: its values as text, joined by ``" | "``; a missing value reads ``(missing)``.

    A value whose text could be mistaken for another (it holds the separator, reads ``(missing)`` or
    ``(all)``, starts with a quote, is empty or has blanks at its ends) is quoted, so different
    groups never share a label.
    """
    return GROUP_SEPARATOR.join(_part_text(value) for value in key)


def _part_text(value: Any) -> str:
    if value is None:
        return MISSING_GROUP
    text = value_text(value)
    if text in _RESERVED_TEXTS or "|" in text or text.startswith('"') or text != text.strip() or not text:
        return json.dumps(text, ensure_ascii=False)
    return text


_RESERVED_TEXTS = (MISSING_GROUP, "(all)")


def _unique_labels(keys: list[tuple[Any, ...]]) -> list[str]:
    """:func:`group_label` of each key; where two keys still read alike (``1`` and ``"1"`` in one
    column), their values' Python reprs instead, which tell them apart."""
    labels = [group_label(key) for key in keys]
    if len(set(labels)) < len(labels):
        seen = pd.Series(labels).duplicated(keep=False).to_numpy()
        labels = [
            GROUP_SEPARATOR.join(repr(value) for value in key) if clash else label
            for key, label, clash in zip(keys, labels, seen)
        ]
    return labels


def group_labels(table: pd.DataFrame, sensitive: Sequence[str] | str) -> pd.Series:
    """One group label per row (see :func:`group_codes`); a missing value is a group of its own."""
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    return group_codes(table, columns).per_row(table.index, name=GROUP_SEPARATOR.join(map(str, columns)))
