"""fairdash: audit a binary classifier on tabular data for fairness, and see why it decides.

The library computes; the dashboard (``app.py``, ``pages/``) and the command line show. Public entry
points, by module:

- :mod:`fairdash.data`: ``read_table``, ``AuditSpec``, ``group_labels``, ``summarize``
- :mod:`fairdash.models`: ``load_model`` (safe by default), ``ScoreModel``
- :mod:`fairdash.demo`: ``load_demo`` (Adult, COMPAS, German credit; offline)
- :mod:`fairdash.audit`: ``prepare_audit``, ``AuditInputs`` (validated outcomes, scores, groups)
- :mod:`fairdash.metrics`: ``group_metrics``, ``overall_metrics``, ``disparities``, ``metric_intervals``, ``disparity_intervals``, ``disparity_findings``
- :mod:`fairdash.thresholds`: ``ThresholdCurves`` (metrics at any threshold; ``suggest``)
- :mod:`fairdash.explain`: ``shap_values``, ``lime_weights``, ``gap_decomposition``, ``flip_rates``
- :mod:`fairdash.rules`: ``surrogate_tree``
- :mod:`fairdash.monitor`: ``count_log`` (DuckDB or Spark), ``monitor``, ``monitor_json`` (fairness over time)
- :mod:`fairdash.fixes`: ``compare_fixes`` (thresholds, reweighing, reductions, unawareness, another model), ``reweighing_weights``
- :mod:`fairdash.report`: ``run_audit``, ``audit_json``, ``audit_html``, ``fixes_json``, ``fixes_html``; :mod:`fairdash.cli`: ``python -m fairdash``
- :mod:`fairdash.plots`: the plotly figures the pages and the report share
- :mod:`fairdash.errors`: ``FairdashError`` and its subclasses
"""

from fairdash.audit import AuditInputs, prepare_audit
from fairdash.data import AuditSpec, read_table
from fairdash.demo import load_demo
from fairdash.errors import FairdashError, InvalidInputError, ModelError, UntrustedModelError
from fairdash.metrics import disparities, group_metrics, overall_metrics
from fairdash.models import ScoreModel, load_model
from fairdash.thresholds import ThresholdCurves

__version__ = "0.1.0"

__all__ = [
    "AuditInputs",
    "AuditSpec",
    "FairdashError",
    "InvalidInputError",
    "ModelError",
    "ScoreModel",
    "ThresholdCurves",
    "UntrustedModelError",
    "disparities",
    "group_metrics",
    "load_demo",
    "load_model",
    "overall_metrics",
    "prepare_audit",
    "read_table",
]
