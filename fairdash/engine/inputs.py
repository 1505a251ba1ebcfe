"""One audit's inputs, ready for the metrics: true outcomes, scores and groups, checked once.

The dashboard's pages, the report and the command line all start from :func:`prepare_audit`, so that
every one of them validates the same way and audits the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairdash.engine.groups import GROUP_SEPARATOR, GroupCodes, group_codes
from fairdash.engine.spec import (
    AuditSpec,
    binary_target,
    default_reference,
    finite_scores,
    numeric_scores,
    score_warnings,
    sensitive_frame,
    validate_spec,
)
from fairdash.engine.thresholds import default_threshold
from fairdash.engine.warnings import AuditWarning
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.models import ScoreModel
from fairdash.intake.values import match_label

__all__ = ["ScoreKind", "AuditInputs", "prepare_audit", "model_class"]

ScoreKind = Literal["probability", "margin", "prediction", "score"]
_KIND_OF_METHOD: dict[str, ScoreKind] = {"predict_proba": "probability", "decision_function": "margin", "predict": "prediction"}


@dataclass(frozen=True)
class AuditInputs:
    """What every fairness number is computed from.

    Attributes
    ----------
    spec : AuditSpec
        The choices this was prepared from.
    y_true : numpy.ndarray of bool
        ``True`` where the target equals the positive label.
    scores : numpy.ndarray of float
        The model's score for the positive class, or the table's score/prediction column.
    groups : pandas.Series of str
        Each row's group label (intersectional when several sensitive attributes are chosen).
    group_codes : GroupCodes
        The same as codes into the sorted labels: pass it as ``sensitive`` to the metrics functions.
    reference : str
        The reference group (the spec's, or else the largest group).
    binary_scores : bool
        ``True`` when the scores are only 0 and 1: predictions, with no threshold to move.
    model_label : Any
        The class to ask the model about: the positive label, or 1 where the model was trained on
        0/1 codes of the target (a warning says so).
    score_kind : {"probability", "margin", "prediction", "score"}
        What the scores are: a model's ``predict_proba`` (or a column within [0, 1]), a model's
        ``decision_function`` (a margin, whose boundary is 0), 0/1 predictions, or another score.
    warnings : tuple of AuditWarning
        The warnings from validation, as facts (:func:`fairdash.present.sentences.warning_text` writes them).
    """

    spec: AuditSpec
    y_true: np.ndarray
    scores: np.ndarray
    groups: pd.Series
    group_codes: GroupCodes
    reference: str
    binary_scores: bool
    warnings: tuple[AuditWarning, ...]
    score_kind: ScoreKind = "score"
    model_label: Any = None

    @property
    def default_threshold(self) -> float:
        """The model's own decision boundary: 0 for a margin, 0.5 for a probability or a 0/1 prediction
        (so the default decisions are the model's ``predict()``); for another score, see
        :func:`fairdash.engine.thresholds.default_threshold`."""
        if self.score_kind == "margin":
            return 0.0
        if self.score_kind in ("probability", "prediction"):
            return 0.5
        return default_threshold(np.unique(self.scores))


def prepare_audit(table: pd.DataFrame, spec: AuditSpec, model: ScoreModel | None = None) -> AuditInputs:
    """Validate ``spec`` against ``table`` and compute the scores to audit.

    With a ``model``, scores come from it (on ``spec.features``, or the model's own feature names);
    without one, from the column ``spec.score``.

    Raises
    ------
    InvalidInputError, ModelError
        With a message a user can act on.
    """
    # The small groups' warning is left to the audit: it follows its small-group minimum (Audit.warnings).
    warnings = validate_spec(table, spec, min_group_size=0)
    y_true = binary_target(table, spec.target, spec.positive_label)
    model_label = spec.positive_label
    if model is not None:
        model_label, note = model_class(model, spec.positive_label)
        warnings += [note] if note else []
        scores = finite_scores(
            model.scores(table, positive_label=model_label, features=spec.features or None),
            f"The output of the model {brief(model.name)}",
        )
    elif spec.score is not None:
        scores = numeric_scores(table, spec.score)
    else:
        raise InvalidInputError("Give a model, or name the column that holds the model's scores or predictions.")
    codes = group_codes(sensitive_frame(table, spec.sensitive, spec.bins), spec.sensitive)
    groups = codes.per_row(table.index, name=GROUP_SEPARATOR.join(map(str, spec.sensitive)))
    reference = spec.reference if spec.reference is not None else default_reference(groups)
    distinct = np.unique(scores)
    binary = bool(np.isin(distinct, (0.0, 1.0)).all())
    if model is not None:
        kind = _KIND_OF_METHOD[model.method]
    else:
        kind = "prediction" if binary else "probability" if 0 <= distinct[0] and distinct[-1] <= 1 else "score"
    return AuditInputs(
        spec=spec,
        y_true=y_true,
        scores=scores,
        groups=groups,
        group_codes=codes,
        reference=reference,
        binary_scores=binary,
        warnings=tuple(warnings) + tuple(score_warnings(scores) if kind != "margin" else ()),
        score_kind=kind,
        model_label=model_label,
    )


def model_class(model: ScoreModel, positive_label: Any) -> tuple[Any, AuditWarning | None]:
    """The model's class that stands for ``positive_label``, and a warning (``model_classes``) when it is not the label itself.

    A model trained on the target's 0/1 codes (classes 0 and 1, or False and True) while the table
    holds the labels (">50K", "<=50K") is asked about its class 1, taken as the positive label.
    """
    classes = model.classes
    if classes is None or match_label(classes, positive_label) is not None:
        return positive_label, None
    values = [value.item() if isinstance(value, np.generic) else value for value in classes]
    plain = sorted(values)
    if plain != [0, 1]:  # also [False, True]
        return positive_label, None  # scores() will say that the label is not among the classes
    return classes[values.index(plain[1])], AuditWarning("model_classes", classes=tuple(plain), positive_label=positive_label)
