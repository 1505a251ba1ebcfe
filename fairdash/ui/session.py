"""The audit the user has set up, as every page sees it.

The Data & model page writes the choices (through :mod:`fairdash.ui.state`); every page reads the
result through :func:`current_audit`. On a first visit, whatever the page, that is the default demo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from fairdash.engine.inputs import AuditInputs
from fairdash.engine.spec import AuditSpec
from fairdash.engine.subgroups import with_subgroup_column
from fairdash.errors import InvalidInputError, NotGivenYetError
from fairdash.intake.models import ScoreModel
from fairdash.ui import cache, choices, keys, state, uploads

__all__ = [
    "Workspace",
    "SessionAudit",
    "current_workspace",
    "load_uploaded_model",
    "spec_from_choices",
    "current_audit",
]


@dataclass(frozen=True)
class Workspace:
    """The table and model chosen, before the columns are."""

    title: str
    table_id: str
    table: pd.DataFrame
    model_id: str | None
    model: ScoreModel | None
    default_spec: AuditSpec


@dataclass(frozen=True)
class SessionAudit:
    """A workspace with the user's column choices applied and validated."""

    workspace: Workspace
    spec: AuditSpec
    inputs: AuditInputs

    @property
    def title(self) -> str:
        return self.workspace.title

    @property
    def key(self) -> str:
        """Stands for this audit in cache keys: which table, which model, which choices."""
        return f"{self.workspace.table_id}|{self.workspace.model_id}|{self.spec!r}"


def current_workspace() -> Workspace:
    """The chosen demo, or the uploaded table (and model); with a subgroup audited against the rest (from the
    Subgroups page), a copy of the table with the subgroup's column. Raises ``FairdashError`` for bad uploads."""
    workspace = _chosen_workspace()
    subgroup = choices.audited_subgroup()
    if subgroup is None:
        return workspace
    table = _with_subgroup(
        workspace.table_id, workspace.table, subgroup.conditions, subgroup.column
    )  # the column stands for the conditions
    return replace(workspace, table=table, table_id=f"{workspace.table_id}|{subgroup.column}")


@st.cache_resource(max_entries=4, show_spinner=False)
def _with_subgroup(table_id: str, _table: pd.DataFrame, _conditions: tuple, column: str) -> pd.DataFrame:
    """The table with the subgroup's column added to a copy (the user's table is never changed), once per subgroup."""
    table, name = with_subgroup_column(_table, _conditions)
    if name != column:  # the column was named for this table; another table would need another name
        raise InvalidInputError("The subgroup audited belongs to another table: choose it again on the Subgroups page.")
    return table


_NO_MODEL = {
    keys.MODE_MODEL: "Upload the model file (.skops or .onnx, or .pkl/.joblib if you trust it), "
    "or choose 'A column of the table' and name the score column.",
    keys.MODE_MLFLOW: "Enter the MLflow model to audit (models:/NAME/VERSION or runs:/RUN_ID/PATH), "
    "or choose 'A column of the table' and name the score column.",
}


def _chosen_workspace() -> Workspace:
    """The chosen demo, or the uploaded table (and model), as it is."""
    if choices.source() == keys.SOURCE_DEMO:
        demo = cache.demo(choices.demo_key())
        return Workspace(
            title=demo.title,
            table_id=f"demo:{demo.key}",
            table=demo.data,
            model_id=f"demo:{demo.key}" if demo.model is not None else None,
            model=demo.model,
            default_spec=demo.spec,
        )
    upload = uploads.uploaded_table()
    if upload is None:
        raise NotGivenYetError("Upload a table (CSV or Parquet) to audit, or choose a built-in demo.")
    table = cache.uploaded_table(upload.file_id, upload.name, upload.content)
    model, model_id = None, None
    mode = state.get(keys.SCORE_MODE, keys.MODE_MODEL)
    if mode in (keys.MODE_MODEL, keys.MODE_MLFLOW):  # an MLflow model is kept as an uploaded one is
        model_file = uploads.uploaded_model()
        if model_file is None:
            raise NotGivenYetError(_NO_MODEL[mode])
        model = load_uploaded_model(model_file)
        model_id = model_file.file_id
    return Workspace(
        title=upload.name,
        table_id=upload.file_id,
        table=table,
        model_id=model_id,
        model=model,
        default_spec=cache.guessed_spec(upload.file_id, table, model_id, model.feature_names if model else None),
    )


def load_uploaded_model(
    model_file: uploads.UploadedFile, *, trust_pickle_key: str = keys.TRUST_PICKLE, trust_skops_key: str = keys.TRUST_SKOPS
) -> ScoreModel:
    """Load the uploaded model with the trust the user has given to it (none by default), read from
    the widgets keyed ``trust_pickle_key`` and ``trust_skops_key``."""
    trusted = state.get(trust_skops_key) or []
    return cache.uploaded_model(
        model_file.file_id, model_file.name, model_file.content, bool(state.get(trust_pickle_key)), tuple(trusted)
    )


def spec_from_choices(workspace: Workspace) -> AuditSpec:
    """The user's column choices, each falling back to the workspace's default."""
    default = workspace.default_spec
    sensitive = state.get(keys.SENSITIVE) or list(default.sensitive)
    score = None
    if workspace.model is None:
        score = state.get(keys.SCORE_COLUMN, default.score)
    features = state.get(keys.FEATURES) if workspace.model is not None else None
    return AuditSpec(
        target=state.get(keys.TARGET, default.target),
        positive_label=state.get(keys.POSITIVE_LABEL, default.positive_label),
        sensitive=tuple(sensitive),
        reference=state.get(keys.REFERENCE, default.reference),
        score=score,
        features=tuple(features) if features else default.features,
        bins=tuple(choices.chosen_bins(workspace.table, sensitive).items()),
    )


def current_audit() -> SessionAudit:
    """The audit as chosen so far; raises ``FairdashError`` with a message when it cannot be run."""
    workspace = current_workspace()
    spec = spec_from_choices(workspace)
    inputs = cache.audit_inputs(workspace.table_id, workspace.table, workspace.model_id, workspace.model, spec)
    return SessionAudit(workspace=workspace, spec=spec, inputs=inputs)
