"""Per-group metrics, disparities, intervals and findings: stable import paths (see DESIGN.md); the code lives in :mod:`fairdash.audit` and :mod:`fairdash.present.text`."""

from fairdash.audit.findings import (  # noqa: F401
    disparity_findings,
)
from fairdash.audit.intervals import (  # noqa: F401
    DISPARITY_INTERVAL_METHOD,
    RATE_INTERVAL_METHOD,
    Intervals,
    disparity_intervals,
    metric_intervals,
    rate_intervals,
)
from fairdash.audit.metrics import (  # noqa: F401
    COUNT_COLUMNS,
    DEFAULT_TOLERANCE,
    DISPARITY_NAMES,
    DISPARITY_RATES,
    FOUR_FIFTHS,
    METRIC_COLUMNS,
    RATE_COLUMNS,
    RATE_NAMES,
    VERDICT_SLACK,
    as_bool,
    check_tolerance,
    checked_inputs,
    compare_to_reference,
    confusion_counts,
    disparities,
    disparities_from_rates,
    disparities_from_table,
    drop_small_groups,
    group_metrics,
    overall_from_counts,
    overall_metrics,
    rates,
    rule_text,
    sensitive_codes,
    table_from_counts,
    undefined_reason,
    verdict,
    verdict_rules,
    why_undefined,
)
from fairdash.present.text import (  # noqa: F401
    formatted_overall,
    formatted_table,
    percent,
    threshold_text,
    verdict_word,
)

__all__ = ["COUNT_COLUMNS", "RATE_COLUMNS", "METRIC_COLUMNS", "RATE_NAMES", "DISPARITY_RATES", "DISPARITY_NAMES", "FOUR_FIFTHS", "as_bool", "sensitive_codes", "confusion_counts", "checked_inputs", "rates", "table_from_counts", "overall_from_counts", "overall_metrics", "group_metrics", "disparities_from_rates", "disparities_from_table", "undefined_reason", "why_undefined", "disparities", "compare_to_reference", "DEFAULT_TOLERANCE", "check_tolerance", "drop_small_groups", "VERDICT_SLACK", "verdict_rules", "verdict", "rule_text", "Intervals", "rate_intervals", "RATE_INTERVAL_METHOD", "DISPARITY_INTERVAL_METHOD", "disparity_intervals", "metric_intervals", "disparity_findings", "formatted_table", "formatted_overall", "percent", "threshold_text", "verdict_word"]
