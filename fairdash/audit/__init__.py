"""The numbers: what an audit asks (:mod:`~fairdash.audit.spec`), each row's group (:mod:`~fairdash.audit.groups`), the
inputs checked once (:mod:`~fairdash.audit.inputs`), counts and rates (:mod:`~fairdash.audit.metrics`) at any threshold
(:mod:`~fairdash.audit.thresholds`, and :mod:`~fairdash.audit.score_bins` for counts an engine made), intervals
(:mod:`~fairdash.audit.intervals`), findings (:mod:`~fairdash.audit.findings`), and the one result every page, report
and command presents (:mod:`~fairdash.audit.result`); a first look at a new table (:mod:`~fairdash.audit.guess`), the
built-in demos with their spec (:mod:`~fairdash.audit.demo`), two audits' documents compared (:mod:`~fairdash.audit.compare`).
A whole audit with rules and explanations sits a layer above, in :mod:`fairdash.run`.

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.audit.calibration import (  # noqa: F401
    GAP_FINDING,
    Calibration,
    calibration_by_group,
    group_finding,
)
from fairdash.audit.changes import (  # noqa: F401
    largest_change,
)
from fairdash.audit.compare import (  # noqa: F401
    LEVEL,
    Comparison,
    compare_audits,
    read_audit_document,
)
from fairdash.audit.conflict import (  # noqa: F401
    CRITERIA,
    CriteriaConflict,
    criteria_conflict,
)
from fairdash.audit.demo import (  # noqa: F401
    DATA_DIR,
    DEFAULT_DEMO,
    DEMO_TITLES,
    Demo,
    demo_model_bytes,
    load_demo,
    shipped_model_types,
)
from fairdash.audit.findings import (  # noqa: F401
    HEADLINE,
)
from fairdash.audit.groups import (  # noqa: F401
    MISSING_GROUP,
    group_codes,
    group_labels,
)
from fairdash.audit.guess import (  # noqa: F401
    DataSummary,
    guess_spec,
    summarize,
)
from fairdash.audit.inputs import (  # noqa: F401
    AuditInputs,
    prepare_audit,
)
from fairdash.audit.intervals import (  # noqa: F401
    DISPARITY_INTERVAL_METHOD,
    Intervals,
)
from fairdash.audit.metrics import (  # noqa: F401
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
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
from fairdash.audit.preview import (  # noqa: F401
    PREVIEW_POSITIONS,
    PreviewCounts,
    preview_counts,
)
from fairdash.audit.result import (  # noqa: F401
    AuditResult,
    AuditSettings,
    judge,
    judge_many,
)
from fairdash.audit.score_bins import (  # noqa: F401
    VALUE_LIMIT,
    ScoreBins,
)
from fairdash.audit.spec import (  # noqa: F401
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
from fairdash.audit.subgroups import (  # noqa: F401
    SUBGROUP_VALUES,
    SubgroupSearch,
    find_subgroups,
    with_subgroup_column,
)
from fairdash.audit.thresholds import (  # noqa: F401
    CONSTRAINTS,
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

__all__ = ["GAP_FINDING", "Calibration", "calibration_by_group", "group_finding", "largest_change", "LEVEL", "Comparison", "compare_audits", "read_audit_document", "CRITERIA", "CriteriaConflict", "criteria_conflict", "DATA_DIR", "DEFAULT_DEMO", "DEMO_TITLES", "Demo", "demo_model_bytes", "load_demo", "shipped_model_types", "HEADLINE", "MISSING_GROUP", "group_codes", "group_labels", "DataSummary", "guess_spec", "summarize", "AuditInputs", "prepare_audit", "DISPARITY_INTERVAL_METHOD", "Intervals", "DEFAULT_TOLERANCE", "DISPARITY_NAMES", "FOUR_FIFTHS", "METRIC_COLUMNS", "RATE_NAMES", "VERDICT_SLACK", "as_bool", "check_tolerance", "confusion_counts", "drop_small_groups", "overall_metrics", "rule_text", "undefined_reason", "verdict", "verdict_rules", "PREVIEW_POSITIONS", "PreviewCounts", "preview_counts", "AuditResult", "AuditSettings", "judge", "judge_many", "VALUE_LIMIT", "ScoreBins", "BIN_ABOVE", "SMALL_GROUP_SIZE", "AuditSpec", "band_labels", "binary_target", "bins_used", "check_column_roles", "default_positive_label", "id_like_columns", "parse_bins", "resolve_label", "sensitive_frame", "small_groups_warning", "SUBGROUP_VALUES", "SubgroupSearch", "find_subgroups", "with_subgroup_column", "CONSTRAINTS", "SliderScale", "Suggestion", "Threshold", "ThresholdCurves", "check_threshold", "decisions_at", "slider_scale", "thresholds_per_row", "thresholds_where_moved"]
