"""What a new table looks like: a summary (rows, missing values, group sizes), warnings, and a first guess of its roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from fairdash.engine.groups import group_labels
from fairdash.engine.warnings import AuditWarning
from fairdash.engine.spec import (
    SMALL_GROUP_SIZE,
    AuditSpec,
    binary_target,
    default_positive_label,
    sensitive_frame,
    validate_spec,
)

__all__ = ["DataSummary", "summarize", "guess_spec"]


@dataclass(frozen=True)
class DataSummary:
    """What the Data & model page shows about a table and its groups."""

    rows: int
    columns: int
    missing_cells: int
    missing_by_column: pd.Series
    groups: pd.DataFrame  # index: group; columns: count, share, base_rate, too_small
    warnings: tuple[AuditWarning, ...]  # as facts: fairdash.present.sentences.warning_text writes them


def summarize(table: pd.DataFrame, spec: AuditSpec, *, min_group_size: int = SMALL_GROUP_SIZE) -> DataSummary:
    """Rows, columns, missing values, and per-group size and base rate, with warnings; groups under
    ``min_group_size`` rows (the audit's small-group minimum) are marked ``too_small`` and warned about."""
    warnings = validate_spec(table, spec, min_group_size=min_group_size)
    y_true = binary_target(table, spec.target, spec.positive_label)
    groups = group_labels(sensitive_frame(table, spec.sensitive, spec.bins), spec.sensitive)
    frame = pd.DataFrame({"group": groups.to_numpy(), "positive": y_true})
    per_group = frame.groupby("group", sort=True)["positive"].agg(count="size", base_rate="mean")
    per_group.insert(1, "share", per_group["count"] / len(table))
    per_group["too_small"] = per_group["count"] < min_group_size
    per_group = per_group.sort_values("count", ascending=False)
    missing = table.isna().sum()
    return DataSummary(
        rows=len(table),
        columns=table.shape[1],
        missing_cells=int(missing.sum()),
        missing_by_column=missing[missing > 0].sort_values(ascending=False),
        groups=per_group,
        warnings=tuple(warnings),
    )


_TARGET_NAMES = ("target", "label", "y", "outcome", "class", "income", "two_year_recid", "default", "credit")


_SENSITIVE_NAMES = ("sex", "gender", "race", "ethnicity", "age_band", "age_group", "age_cat", "religion", "disability")


_SCORE_NAMES = ("score", "scores", "probability", "proba", "prediction", "y_pred", "y_score", "decile_score")


def guess_spec(table: pd.DataFrame, *, feature_names: Sequence[str] | None = None, with_model: bool = True) -> AuditSpec:
    """Sensible first choices for a new table, which the user then corrects.

    The target is a two-valued column with a usual name (else the last two-valued column); the
    positive label is a usual positive value (``1``, ``"yes"``, ``"good"`` ...), else the less
    frequent value; sensitive attributes are columns with usual names (else the first text column
    with few values); without a model, the score is a numeric column with a usual name.
    """
    columns = list(table.columns)
    by_lower = {str(column).lower(): column for column in columns}
    two_valued = [column for column in columns if table[column].nunique(dropna=True) == 2]
    target = next((by_lower[name] for name in _TARGET_NAMES if name in by_lower and by_lower[name] in two_valued), None)
    if target is None:
        target = two_valued[-1] if two_valued else columns[-1]
    positive_label = default_positive_label(table[target])

    sensitive = [by_lower[name] for name in _SENSITIVE_NAMES if name in by_lower and by_lower[name] != target]
    if not sensitive:
        few_valued = [
            column
            for column in columns
            if column != target and not pd.api.types.is_float_dtype(table[column]) and 2 <= table[column].nunique() <= 10
        ]
        sensitive = few_valued[:1] or [column for column in columns if column != target][:1]

    score = None
    if not with_model:
        numeric = [column for column in columns if column != target and pd.api.types.is_numeric_dtype(table[column])]
        score = next((by_lower[name] for name in _SCORE_NAMES if name in by_lower and by_lower[name] in numeric), None)
        if score is None and numeric:
            score = numeric[-1]
    if feature_names is not None:
        features = tuple(feature_names)
    else:
        features = tuple(column for column in columns if column not in (target, score))
    return AuditSpec(target=target, positive_label=positive_label, sensitive=tuple(sensitive[:2]), score=score, features=features)
