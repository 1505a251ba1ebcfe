"""The numbers: what an audit asks (:mod:`~fairdash.engine.spec`), each row's group (:mod:`~fairdash.engine.groups`), the
inputs checked once (:mod:`~fairdash.engine.inputs`), counts and rates (:mod:`~fairdash.engine.metrics`) at any threshold
(:mod:`~fairdash.engine.thresholds`, and :mod:`~fairdash.engine.score_bins` for counts an engine made), intervals
(:mod:`~fairdash.engine.intervals`), findings (:mod:`~fairdash.engine.findings`), and the one result every page, report
and command presents (:mod:`~fairdash.engine.result`); a first look at a new table (:mod:`~fairdash.engine.guess`), the
built-in demos with their spec (:mod:`~fairdash.engine.demo`), two audits' documents compared (:mod:`~fairdash.engine.compare`).
A whole audit with rules and explanations sits a layer above, in :mod:`fairdash.run`.

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.engine.balance import (  # noqa: F401
    DataBalance,
    data_balance,
    read_reference_shares,
)
from fairdash.engine.calibration import (  # noqa: F401
    GAP_FINDING,
    Calibration,
    CalibrationRule,
    calibration_by_group,
    group_finding,
)
from fairdash.engine.changes import (  # noqa: F401
    largest_change,
)
from fairdash.engine.compare import (  # noqa: F401
    LEVEL,
    Comparison,
    ComparisonNote,
    Untested,
    compare_audits,
    read_audit_document,
)
from fairdash.engine.conditional import (  # noqa: F401
    CDD_LARGEST,
    Conditional,
    cdd_name,
    cdd_values,
    check_control,
    conditional_disparity,
)
from fairdash.engine.conflict import (  # noqa: F401
    CRITERIA,
    CriteriaConflict,
    criteria_conflict,
)
from fairdash.engine.demo import (  # noqa: F401
    DATA_DIR,
    DEFAULT_DEMO,
    DEMO_TITLES,
    Demo,
    demo_model_bytes,
    load_demo,
    shipped_model_types,
)
from fairdash.engine.findings import (  # noqa: F401
    HEADLINE,
    AgainstReference,
    Extremes,
)
from fairdash.engine.groups import (  # noqa: F401
    MISSING_GROUP,
    group_codes,
    group_labels,
)
from fairdash.engine.guess import (  # noqa: F401
    DataSummary,
    guess_spec,
    summarize,
)
from fairdash.engine.inputs import (  # noqa: F401
    AuditInputs,
    prepare_audit,
)
from fairdash.engine.intervals import (  # noqa: F401
    DISPARITY_INTERVAL_METHOD,
    RATE_INTERVAL_METHOD,
    Intervals,
)
from fairdash.engine.ll144 import (  # noqa: F401
    BiasAuditTables,
    bias_audit_tables,
)
from fairdash.engine.metrics import (  # noqa: F401
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
    DISPARITY_RATES,
    FOUR_FIFTHS,
    METRIC_COLUMNS,
    RATE_NAMES,
    VERDICT_SLACK,
    as_bool,
    check_tolerance,
    confusion_counts,
    drop_small_groups,
    overall_metrics,
    rule_text,
    undefined_reason,
    verdict,
    verdict_rules,
)
from fairdash.engine.preview import (  # noqa: F401
    PREVIEW_POSITIONS,
    PreviewCounts,
    preview_counts,
)
from fairdash.engine.rates import (  # noqa: F401
    RATES,
    rate_definitions,
)
from fairdash.engine.result import (  # noqa: F401
    HTML_VIEWS,
    AuditResult,
    AuditSettings,
    judge,
    judge_many,
)
from fairdash.engine.score_bins import (  # noqa: F401
    VALUE_LIMIT,
    ScoreBins,
)
from fairdash.engine.spec import (  # noqa: F401
    BIN_ABOVE,
    SMALL_GROUP_SIZE,
    AuditSpec,
    band_labels,
    binary_target,
    bins_used,
    check_column_roles,
    default_positive_label,
    id_like_columns,
    parse_bins,
    resolve_label,
    sensitive_frame,
    small_groups_warning,
)
from fairdash.engine.subgroups import (  # noqa: F401
    SUBGROUP_METRICS,
    SUBGROUP_VALUES,
    SubgroupSearch,
    find_subgroups,
    with_subgroup_column,
)
from fairdash.engine.thresholds import (  # noqa: F401
    CONSTRAINTS,
    Constraint,
    SliderScale,
    Suggestion,
    Threshold,
    ThresholdCurves,
    check_threshold,
    decisions_at,
    slider_scale,
    thresholds_per_row,
    thresholds_where_moved,
)
from fairdash.engine.undefined import (  # noqa: F401
    RateUndefined,
    Undefined,
)
from fairdash.engine.warnings import (  # noqa: F401
    AuditWarning,
)

__all__ = [
    "AgainstReference",
    "AuditWarning",
    "AuditInputs",
    "AuditResult",
    "HTML_VIEWS",
    "AuditSettings",
    "AuditSpec",
    "BIN_ABOVE",
    "BiasAuditTables",
    "CDD_LARGEST",
    "CONSTRAINTS",
    "CRITERIA",
    "Calibration",
    "CalibrationRule",
    "Comparison",
    "ComparisonNote",
    "Conditional",
    "Constraint",
    "CriteriaConflict",
    "DATA_DIR",
    "DEFAULT_DEMO",
    "DEFAULT_TOLERANCE",
    "DEMO_TITLES",
    "DISPARITY_INTERVAL_METHOD",
    "DISPARITY_NAMES",
    "DISPARITY_RATES",
    "DataBalance",
    "DataSummary",
    "Demo",
    "Extremes",
    "FOUR_FIFTHS",
    "GAP_FINDING",
    "HEADLINE",
    "Intervals",
    "LEVEL",
    "METRIC_COLUMNS",
    "MISSING_GROUP",
    "PREVIEW_POSITIONS",
    "PreviewCounts",
    "RATE_INTERVAL_METHOD",
    "RATE_NAMES",
    "RATES",
    "SMALL_GROUP_SIZE",
    "SUBGROUP_METRICS",
    "SUBGROUP_VALUES",
    "ScoreBins",
    "SliderScale",
    "SubgroupSearch",
    "Suggestion",
    "Threshold",
    "ThresholdCurves",
    "Undefined",
    "Untested",
    "RateUndefined",
    "VALUE_LIMIT",
    "VERDICT_SLACK",
    "as_bool",
    "band_labels",
    "bias_audit_tables",
    "binary_target",
    "bins_used",
    "calibration_by_group",
    "cdd_name",
    "cdd_values",
    "check_column_roles",
    "check_control",
    "check_threshold",
    "check_tolerance",
    "compare_audits",
    "conditional_disparity",
    "confusion_counts",
    "criteria_conflict",
    "data_balance",
    "decisions_at",
    "default_positive_label",
    "demo_model_bytes",
    "drop_small_groups",
    "find_subgroups",
    "group_codes",
    "group_finding",
    "group_labels",
    "guess_spec",
    "id_like_columns",
    "judge",
    "judge_many",
    "largest_change",
    "load_demo",
    "overall_metrics",
    "parse_bins",
    "prepare_audit",
    "preview_counts",
    "rate_definitions",
    "read_audit_document",
    "read_reference_shares",
    "resolve_label",
    "rule_text",
    "sensitive_frame",
    "shipped_model_types",
    "slider_scale",
    "small_groups_warning",
    "summarize",
    "thresholds_per_row",
    "thresholds_where_moved",
    "undefined_reason",
    "verdict",
    "verdict_rules",
    "with_subgroup_column",
]
