"""The audit's warnings as facts (numbers inside, words at the edge): a code and what a sentence about it needs (the
groups with their counts, the column, the rows). :func:`fairdash.present.sentences.warning_text` writes each in words,
once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["AuditWarning", "WarningCode", "WARNING_CODES"]

WarningCode = Literal["small_groups", "missing_sensitive", "id_feature", "id_sensitive", "scores_outside_0_1", "model_classes"]

WARNING_CODES: tuple[WarningCode, ...] = (
    "small_groups",
    "missing_sensitive",
    "id_feature",
    "id_sensitive",
    "scores_outside_0_1",
    "model_classes",
)
"""What an audit warns about: groups under ``min_group_size`` rows, each with its count, in ``groups``
(``small_groups``); rows with no value for a sensitive attribute (``missing_sensitive``); a feature (``id_feature``) or
a sensitive attribute (``id_sensitive``) that looks like a row ID, in ``column``; ``count`` scores outside [0, 1] while
the others look like probabilities, the first ``value`` in row number ``row`` (from 1; ``scores_outside_0_1``); a model
that predicts the ``classes`` 0 and 1, not the table's labels, its class 1 taken as ``positive_label``
(``model_classes``)."""


@dataclass(frozen=True)
class AuditWarning:
    """One warning about an audit's data or model (an audit goes on): its ``code`` (one of :data:`WARNING_CODES`) and
    the facts a sentence about it says."""

    code: WarningCode
    groups: tuple[tuple[Any, int], ...] = ()
    min_group_size: int = 0
    column: Any = None
    count: int = 0
    value: float = 0.0
    row: int = 0
    classes: tuple[Any, ...] = ()
    positive_label: Any = None
