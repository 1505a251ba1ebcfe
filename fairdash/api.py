"""The functions an analyst types in a notebook: :func:`audit` on a DataFrame and a fitted model, and :func:`show`, the
dashboard opened on that very audit.

``audit`` takes the objects as they are in memory (a column name or an aligned Series or array for the target, the
sensitive attributes and the scores; any fitted classifier or a model file), checks that they line up, and runs the one
audit (:func:`fairdash.run.run_audit`) with nothing heavy unless asked. Its :class:`Audit` shows itself in a notebook
and writes JSON, HTML and the store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Mapping, NamedTuple, Sequence, cast

import numpy as np
import pandas as pd

from fairdash.engine.metrics import DEFAULT_TOLERANCE
from fairdash.engine.result import AuditResult
from fairdash.engine.spec import SMALL_GROUP_SIZE, AuditSpec, resolve_label
from fairdash.errors import InvalidInputError, ModelError, brief
from fairdash.intake.models import MODEL_SUFFIXES, ScoreModel, load_model
from fairdash.intake.values import value_text
from fairdash.run import Audit as FullAudit
from fairdash.run import run_audit
from fairdash.store.db import StoredFile

__all__ = [
    "Audit",
    "audit",
    "handover_files",
    "aligned_column",
    "model_of",
    "infer_positive_label",
    "RECOURSE_ROWS",
    "EXPLAIN_ROWS",
]

EXPLAIN_ROWS = 500
"""The rows ``audit(..., explain=True)`` explains (SHAP where it applies)."""
RECOURSE_ROWS = 200
"""The turned-down rows ``audit(..., recourse=True)`` searches recourse for."""

_NOT_A_MODEL = (
    "model= takes a fitted classifier with predict_proba, decision_function or predict (a scikit-learn "
    "estimator or Pipeline, XGBoost, LightGBM or CatBoost's scikit-learn classifier), or the path of a model "
    "file ({suffixes}); got {what}."
)
_ONE_SCORE_SOURCE = "Pass model= (a fitted classifier) or score= (a column name or an array of scores), not both."
_NO_SCORE_SOURCE = "Pass model= (a fitted classifier, or a model file's path) or score= (a column name or an array of scores)."


@dataclass(frozen=True, repr=False)
class Audit:
    """One audit of a table and a model, as :func:`audit` returns it.

    Attributes
    ----------
    details : fairdash.run.Audit
        Everything the run computed: the spec, the inputs, the threshold curves, the rules and explanations when asked.
    table : DataFrame
        The table audited: the data, with the target, sensitive attributes or scores given as arrays added as columns.
    model : ScoreModel or None
        The model the scores came from.
    model_path : Path or None
        The file the model was read from, when it was given as a path.
    """

    details: FullAudit
    table: pd.DataFrame
    model: ScoreModel | None = None
    model_path: Path | None = None

    @property
    def result(self) -> AuditResult:
        """The one result: every number of the audit (:func:`fairdash.engine.result.judge`)."""
        return self.details.result

    @property
    def disparities(self) -> dict[str, Any]:
        """Each disparity over the judged groups (``audit.disparities["demographic_parity_ratio"]``), NaN where undefined."""
        return self.details.result.disparities

    @property
    def by_group(self) -> pd.DataFrame:
        """The metric table, one row per group: counts and rates (``selection_rate``, ``tpr``, ``fpr``, ...)."""
        return self.details.result.by_group

    @property
    def findings(self) -> pd.DataFrame:
        """Each disparity's value, rule, verdict (``passed``) and whether its interval supports it (``conclusive``); why
        it is undefined (``undefined``: a :class:`fairdash.engine.undefined.Undefined`, or None). In words:
        :func:`fairdash.present.sentences.with_sentences`."""
        return self.details.result.findings

    @property
    def spec(self) -> AuditSpec:
        """The columns audited and their roles, as the dashboard and the command line take them."""
        return self.details.spec

    @property
    def warnings(self) -> tuple[str, ...]:
        """The audit's warnings in plain words (the facts: ``details.warnings``, written by
        :func:`fairdash.present.sentences.warning_text`)."""
        from fairdash.present.sentences import warning_text

        return tuple(warning_text(warning) for warning in self.details.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The audit as the JSON document the command line and the dashboard write (:func:`fairdash.present.report.audit_json`)."""
        from fairdash.present.report import audit_json

        return audit_json(self.details)

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The audit's JSON document as text; also written to ``path`` when given."""
        from fairdash.present.document import json_text

        text = json_text(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_html(self, path: str | os.PathLike) -> Path:
        """Write the audit's self-contained HTML report (the dashboard's and ``audit --html``'s) to ``path``."""
        from fairdash.present.report import audit_html

        target = Path(path)
        target.write_text(audit_html(self.details), encoding="utf-8")
        return target

    def save(self, title: str | None = None, *, keep_data: bool = False) -> str:
        """Keep the audit in the store (``FAIRDASH_HOME``), as ``audit --save`` does; return its id.

        With ``keep_data`` the table (as Parquet) and the model are kept with it, so that its link reopens it live in the
        dashboard; the model is then kept as a joblib file, which the dashboard asks the user to trust before opening."""
        from fairdash.store.db import AuditStore
        from fairdash.store.saving import save_audit

        table, model = handover_files(self) if keep_data else (None, None)
        return save_audit(
            AuditStore(),
            self.details,
            title=title or self.details.data_name,
            source={"kind": "file"},
            table=table,
            model=model,
            keep_files=keep_data,
        )

    def _repr_html_(self) -> str:
        from fairdash.present.notebook import result_html

        model = self.details.model_name or f"scores from {self.spec.score}"
        title = (
            f"fairdash audit of {self.details.data_name} ({model}): {self.spec.target} = {value_text(self.spec.positive_label)}"
        )
        return result_html(self.result, title=title, notes=self.warnings)

    def __repr__(self) -> str:
        verdicts = ", ".join(
            f"{name}={self.disparities[name]:.3f}" for name in ("demographic_parity_ratio", "equalized_odds_difference")
        )
        return f"<fairdash.Audit of {self.details.data_name}: {len(self.by_group)} groups, {verdicts}>"


def audit(
    data: pd.DataFrame,
    *,
    target: Any,
    sensitive: Any,
    model: Any = None,
    score: Any = None,
    positive_label: Any = None,
    reference: str | None = None,
    threshold: float | Mapping[str, float] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    min_group_size: int = SMALL_GROUP_SIZE,
    features: Sequence[str] | None = None,
    bins: Mapping[str, Sequence[float]] | None = None,
    explain: bool = False,
    rules: bool = False,
    calibration: bool = False,
    subgroups: bool = False,
    recourse: bool = False,
    control: Sequence[str] = (),
    trust_pickle: bool = False,
    name: str = "data",
) -> Audit:
    """Audit a classifier's decisions on ``data`` for fairness between the groups of ``sensitive`` (docs/python.md).

    Parameters
    ----------
    data : DataFrame
        The rows to audit (a test set): the model's features and any column named below.
    target, sensitive, score
        A column name of ``data`` or values per row (a Series with ``data``'s index, or an array); ``sensitive`` also a
        list of them or a DataFrame (several make intersectional groups); ``score`` (scores or 0/1 predictions) instead
        of a model.
    model : fitted classifier or path, optional
        Anything with ``predict_proba``, ``decision_function`` or ``predict`` (scikit-learn estimators and Pipelines,
        XGBoost, LightGBM, CatBoost), or a ``.skops``, ``.onnx`` or (with ``trust_pickle``) ``.pkl``/``.joblib`` file.
    positive_label : optional
        The favourable outcome; inferred for 0/1 and boolean targets, required otherwise.
    reference, threshold, tolerance, min_group_size, features, bins
        As the dashboard's settings: the reference group (default the largest), the decision threshold(s), the largest
        difference that passes, the smallest group judged, the model's columns, band edges of numeric attributes.
    explain, rules, calibration, subgroups, recourse, control
        The heavier parts, off unless asked: SHAP, a surrogate tree, calibration within groups, the subgroups with the
        largest gaps, recourse by group, selection rates within the strata of ``control`` columns.

    Returns
    -------
    Audit

    Raises
    ------
    InvalidInputError, ModelError
        Saying what to pass instead.
    """
    found = _inputs_of(data, target, sensitive, model, score, positive_label, reference, features, bins, trust_pickle)
    return _audited(found, threshold, tolerance, min_group_size, name, explain, rules, calibration, subgroups, recourse, control)


class _Inputs(NamedTuple):
    """What :func:`audit` was given, checked: the table, the spec, the model and the file it came from."""

    table: pd.DataFrame
    spec: AuditSpec
    model: ScoreModel | None
    model_path: Path | None


def _inputs_of(
    data: pd.DataFrame,
    target: Any,
    sensitive: Any,
    model: Any,
    score: Any,
    positive_label: Any,
    reference: str | None,
    features: Sequence[str] | None,
    bins: Mapping[str, Sequence[float]] | None,
    trust_pickle: bool,
) -> _Inputs:
    """:func:`audit`'s table, spec and model, checked in the order its errors are raised."""
    if model is not None and score is not None:
        raise InvalidInputError(_ONE_SCORE_SOURCE)
    table, target_name, sensitive_names, score_name = _table_of(data, target, sensitive, score)
    model_path = Path(model) if isinstance(model, (str, os.PathLike)) else None
    score_model = model_of(model, trust_pickle=trust_pickle) if model is not None else None
    if score_model is None and score_name is None:
        raise InvalidInputError(_NO_SCORE_SOURCE)
    label = (
        infer_positive_label(table[target_name]) if positive_label is None else resolve_label(table[target_name], positive_label)
    )
    features = features if features is not None or score_model is None else score_model.feature_names
    spec = AuditSpec(
        target=target_name,
        positive_label=label,
        sensitive=tuple(sensitive_names),
        reference=reference,
        score=score_name,
        features=tuple(features or ()),
        bins=tuple((column, tuple(edges)) for column, edges in (bins or {}).items()),
    )
    return _Inputs(table, spec, score_model, model_path)


def _audited(
    found: _Inputs,
    threshold: float | Mapping[str, float] | None,
    tolerance: float,
    min_group_size: int,
    name: str,
    explain: bool,
    rules: bool,
    calibration: bool,
    subgroups: bool,
    recourse: bool,
    control: Sequence[str],
) -> Audit:
    """The one audit (:func:`fairdash.run.run_audit`) of :func:`audit`'s checked inputs, with the heavier parts asked for."""
    details = run_audit(
        found.table,
        found.spec,
        found.model,
        thresholds=threshold,
        tolerance=tolerance,
        min_group_size=min_group_size,
        data_name=name,
        with_rules=rules,
        explain_rows=EXPLAIN_ROWS if explain else 0,
        calibration=calibration,
        subgroups=subgroups,
        recourse_rows=RECOURSE_ROWS if recourse else None,
        control=tuple(control),
    )
    return Audit(details=details, table=found.table, model=found.model, model_path=found.model_path)


def _table_of(data: Any, target: Any, sensitive: Any, score: Any) -> tuple[pd.DataFrame, str, list[str], str | None]:
    """``data`` with the values given per row added as columns, and the names of the target, sensitive and score columns."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"data= takes a pandas DataFrame (the rows to audit); got a {type(data).__name__}. "
            "Wrap an array with pandas.DataFrame(array, columns=[...])."
        )
    added: dict[str, np.ndarray] = {}
    target_name = aligned_column(data, target, "target", added)
    if isinstance(sensitive, pd.DataFrame):
        parts: list[Any] = [sensitive[column] for column in sensitive.columns]
    elif isinstance(sensitive, (list, tuple)):
        parts = list(sensitive)
    else:
        parts = [sensitive]
    if not parts:
        raise InvalidInputError("sensitive= names no attribute: pass a column name, a list of them, a Series or a DataFrame.")
    sensitive_names = [aligned_column(data, part, "sensitive", added) for part in parts]
    score_name = aligned_column(data, score, "score", added) if score is not None else None
    table = data.assign(**added) if added else data
    return table, target_name, sensitive_names, score_name


def aligned_column(data: pd.DataFrame, value: Any, role: str, added: dict[str, np.ndarray]) -> str:
    """The column of ``data`` that holds ``value`` for its ``role``: its name when ``value`` names one; else ``value``
    (a Series with ``data``'s index, or an array of one value per row) is put in ``added`` under a new name, returned.

    Raises
    ------
    InvalidInputError
        A name ``data`` lacks, a length other than ``data``'s, or a Series whose index is not ``data``'s.
    """
    if isinstance(value, Hashable) and not isinstance(value, (tuple, np.ndarray)) and not isinstance(value, pd.Series):
        if value in data.columns:
            return cast(str, value)  # the table's own name for it (text in any table read from a file)
        shown = ", ".join(brief(str(column)) for column in list(data.columns)[:12])
        raise InvalidInputError(
            f"{role}= names {brief(value)}, which is not a column of data (its columns: {shown}"
            f"{', ...' if len(data.columns) > 12 else ''}). Pass a column name of data, or a Series or array "
            "with one value per row."
        )
    if isinstance(value, pd.Series):
        if len(value) == len(data) and not value.index.equals(data.index):
            raise InvalidInputError(
                f"The {role} Series {brief(str(value.name))} has another index than data (misaligned rows: its first labels are "
                f"{', '.join(brief(str(label)) for label in value.index[:3])}; data's {', '.join(brief(str(label)) for label in data.index[:3])}). "
                f"Pass it reindexed to data's rows (series.reindex(data.index)), or its values in data's order (series.to_numpy())."
            )
        values = value.to_numpy()
    else:
        values = np.asarray(value)
        if values.ndim != 1:
            raise InvalidInputError(
                f"{role}= takes a column name, a Series or a one-dimensional array; got an array of shape {values.shape}."
            )
    if len(values) != len(data):
        raise InvalidInputError(
            f"The {role} has {len(values):,} values and data has {len(data):,} rows: pass one value per row of data."
        )
    name = _free_name(data, added, getattr(value, "name", None), role)
    added[name] = values
    return name


def _free_name(data: pd.DataFrame, added: Mapping[str, Any], wanted: Any, role: str) -> str:
    """``wanted`` (a Series' name) when it is text no column has, else ``role`` (``target``, ``target (2)``, ...)."""
    if isinstance(wanted, str) and wanted and wanted not in data.columns and wanted not in added:
        return wanted
    name, number = role, 2
    while name in data.columns or name in added:
        name, number = f"{role} ({number})", number + 1
    return name


def model_of(model: Any, *, trust_pickle: bool = False) -> ScoreModel:
    """``model`` as a :class:`ScoreModel`: a path read by :func:`fairdash.intake.models.load_model`, a fitted estimator
    wrapped (the positive class's column of ``predict_proba`` is found by its ``classes_``), a ScoreModel as it is."""
    if isinstance(model, ScoreModel):
        return model
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            raise InvalidInputError(
                f"model= names the file {brief(str(path))}, which does not exist. Pass a fitted classifier, "
                f"or the path of a model file ({', '.join(MODEL_SUFFIXES)})."
            )
        return load_model(path, trust_pickle=trust_pickle)
    if not any(callable(getattr(model, method, None)) for method in ("predict_proba", "decision_function", "predict")):
        raise ModelError(_NOT_A_MODEL.format(suffixes=", ".join(MODEL_SUFFIXES), what=f"a {type(model).__name__}"))
    return ScoreModel.wrap(model, name=type(model).__name__)


def infer_positive_label(values: pd.Series) -> Any:
    """The positive outcome of a 0/1 or boolean target (its 1 or True, as the column holds it); any other target must
    name it: raises, listing the values."""
    present = pd.unique(values.dropna())
    plain = {value.item() if isinstance(value, np.generic) else value for value in present}
    if plain and plain <= {0, 1} and not any(isinstance(value, str) for value in plain):
        found = next(value for value in present if value == 1)
        return found.item() if isinstance(found, np.generic) else found
    shown = ", ".join(brief(value_text(value)) for value in present[:10])
    raise InvalidInputError(
        f"Say which value of the target {brief(str(values.name))} is the favourable outcome: pass "
        f"positive_label= one of its values ({shown}{', ...' if len(present) > 10 else ''})."
    )


def handover_files(audit: Audit) -> tuple[StoredFile, StoredFile | None]:
    """The audit's table (Parquet, which keeps its types) and model as files the store keeps and the dashboard reopens:
    a model read from an ``.onnx`` or ``.skops`` file as that file, any other as a joblib file of the fitted object.

    Raises
    ------
    InvalidInputError, ModelError
        A table Parquet cannot hold (column names that are not text), a model that cannot be pickled."""
    import io

    import joblib

    buffer = io.BytesIO()
    try:
        audit.table.to_parquet(buffer, index=False)
    except Exception as error:  # pyarrow's refusals: names that are not text, objects of mixed types
        raise InvalidInputError(
            f"The table could not be kept as Parquet ({type(error).__name__}: {str(error)[:200]}). Give data "
            "text column names and plain column types (numbers, text, booleans, categories)."
        ) from None
    table = StoredFile(name=f"{audit.details.data_name}.parquet", content=buffer.getvalue())
    if audit.model is None:
        return table, None
    path = audit.model_path
    if path is not None and path.suffix.lower() in (".onnx", ".skops"):
        return table, StoredFile(name=path.name, content=path.read_bytes())
    buffer = io.BytesIO()
    try:
        joblib.dump(audit.model.estimator, buffer)
    except Exception as error:
        raise ModelError(
            f"The model {brief(audit.model.name)} could not be kept for the dashboard ({type(error).__name__}: "
            f"{str(error)[:200]}). Save it as .skops or .onnx and pass its path as model=."
        ) from None
    return table, StoredFile(name=f"{audit.model.name}.joblib", content=buffer.getvalue())
