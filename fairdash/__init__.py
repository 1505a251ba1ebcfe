"""fairdash: audit a binary classifier on tabular data for fairness, and see why it decides.

The library computes; the dashboard (``app.py``, ``pages/``) and the command line show. Its layers import only
downwards: :mod:`fairdash.errors` <- :mod:`fairdash.intake` (tables, models, what a value is) <- :mod:`fairdash.engine`
(the spec, groups, counts, the one result, the demos) <- :mod:`fairdash.explain`, :mod:`fairdash.fixes`,
:mod:`fairdash.monitor` <- :mod:`fairdash.run` (the whole audit, with its explanations) <- :mod:`fairdash.store`,
:mod:`fairdash.present` (text, JSON, HTML, plots) <- :mod:`fairdash.cli`, :mod:`fairdash.ui` (the Streamlit helpers,
the only code that imports Streamlit) <- :mod:`fairdash.api` (:func:`audit` and :func:`show`, what a notebook types).
This file is the library's public surface: the names below.
"""

from importlib import metadata as _metadata

from fairdash.engine.calibration import calibration_by_group
from fairdash.engine.conflict import criteria_conflict
from fairdash.engine.demo import load_demo
from fairdash.engine.inputs import AuditInputs, prepare_audit
from fairdash.engine.metrics import disparities, group_metrics, overall_metrics
from fairdash.engine.result import AuditResult, AuditSettings, judge
from fairdash.engine.spec import AuditSpec
from fairdash.engine.subgroups import find_subgroups
from fairdash.engine.thresholds import ThresholdCurves
from fairdash.errors import FairdashError, InvalidInputError, ModelError, UntrustedModelError
from fairdash.explain.attributions import lime_weights, shap_values
from fairdash.explain.counterfactuals import find_counterfactuals
from fairdash.explain.recourse import recourse_by_group
from fairdash.explain.rules import surrogate_tree
from fairdash.fixes.compare import compare_fixes
from fairdash.intake.models import ScoreModel, load_model
from fairdash.intake.tables import read_table
from fairdash.monitor.engines import MonitorSpec, count_log  # not monitor(): fairdash.monitor is the subpackage
from fairdash.run import run_audit
from fairdash.api import Audit, audit  # the analyst's entry points, above every layer
from fairdash.dashboard import Dashboard, show

try:
    __version__ = _metadata.version("fairdash")  # pyproject.toml says it, once
except _metadata.PackageNotFoundError:  # a source folder never installed (make run and make test install it)
    __version__ = "unknown"

__all__ = [
    "Audit",
    "AuditInputs",
    "AuditResult",
    "AuditSettings",
    "AuditSpec",
    "Dashboard",
    "FairdashError",
    "InvalidInputError",
    "ModelError",
    "MonitorSpec",
    "ScoreModel",
    "ThresholdCurves",
    "UntrustedModelError",
    "audit",
    "calibration_by_group",
    "compare_fixes",
    "count_log",
    "criteria_conflict",
    "disparities",
    "find_counterfactuals",
    "find_subgroups",
    "group_metrics",
    "judge",
    "lime_weights",
    "load_demo",
    "load_model",
    "overall_metrics",
    "prepare_audit",
    "read_table",
    "recourse_by_group",
    "run_audit",
    "shap_values",
    "show",
    "surrogate_tree",
]
