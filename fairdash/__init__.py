"""fairdash: audit a binary classifier on tabular data for fairness, and see why it decides.

The library computes; the dashboard (``app.py``, ``pages/``) and the command line show. Its folders follow
the flow: :mod:`fairdash.intake` (tables, models, demos) -> :mod:`fairdash.audit` (the spec, groups, counts
and the one result) -> :mod:`fairdash.explain`, :mod:`fairdash.fixes`, :mod:`fairdash.monitor` ->
:mod:`fairdash.present` (text, JSON, HTML, plots) -> :mod:`fairdash.cli`; :mod:`fairdash.ui` holds the
Streamlit helpers, the only code that imports Streamlit. The names below are the documented surface.
"""

__version__ = "0.1.0"  # first: fairdash.present.document reads it while this package is being imported

from fairdash.audit.calibration import calibration_by_group  # noqa: E402
from fairdash.audit.conflict import criteria_conflict  # noqa: E402
from fairdash.audit.inputs import AuditInputs, prepare_audit  # noqa: E402
from fairdash.audit.metrics import disparities, group_metrics, overall_metrics  # noqa: E402
from fairdash.audit.result import AuditResult, AuditSettings, judge  # noqa: E402
from fairdash.audit.run import Audit, run_audit  # noqa: E402
from fairdash.audit.spec import AuditSpec  # noqa: E402
from fairdash.audit.subgroups import find_subgroups  # noqa: E402
from fairdash.audit.thresholds import ThresholdCurves  # noqa: E402
from fairdash.errors import FairdashError, InvalidInputError, ModelError, UntrustedModelError  # noqa: E402
from fairdash.explain.attributions import lime_weights, shap_values  # noqa: E402
from fairdash.explain.counterfactuals import find_counterfactuals  # noqa: E402
from fairdash.explain.recourse import recourse_by_group  # noqa: E402
from fairdash.explain.rules import surrogate_tree  # noqa: E402
from fairdash.fixes.compare import compare_fixes  # noqa: E402
from fairdash.intake.demo import load_demo  # noqa: E402
from fairdash.intake.models import ScoreModel, load_model  # noqa: E402
from fairdash.intake.tables import read_table  # noqa: E402
from fairdash.monitor.engines import MonitorSpec, count_log  # noqa: E402  (not monitor(): fairdash.monitor is the subpackage)

__all__ = [
    "Audit",
    "AuditInputs",
    "AuditResult",
    "AuditSettings",
    "AuditSpec",
    "FairdashError",
    "InvalidInputError",
    "ModelError",
    "MonitorSpec",
    "ScoreModel",
    "ThresholdCurves",
    "UntrustedModelError",
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
    "surrogate_tree",
]
