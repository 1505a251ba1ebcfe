"""The table and the audit's choices: stable import paths (see DESIGN.md); the code lives in :mod:`fairdash.intake` and :mod:`fairdash.audit`."""

from fairdash.audit.groups import (  # noqa: F401
    GROUP_SEPARATOR,
    MISSING_GROUP,
    GroupCodes,
    group_codes,
    group_keys,
    group_label,
    group_labels,
    plain_value,
    value_text,
)
from fairdash.audit.spec import (  # noqa: F401
    BIN_ABOVE,
    MAX_CLASSES,
    POSITIVE_NAMES,
    SMALL_GROUP_SIZE,
    AuditSpec,
    audit_warnings,
    band_labels,
    binary_target,
    bins_used,
    check_column_roles,
    default_bins,
    default_positive_label,
    default_reference,
    finite_scores,
    id_like_columns,
    match_label,
    needs_bins,
    numeric_scores,
    parse_bins,
    resolve_label,
    score_warnings,
    sensitive_frame,
    validate_spec,
)
from fairdash.errors import brief  # noqa: F401
from fairdash.intake.guess import (  # noqa: F401
    DataSummary,
    guess_spec,
    summarize,
)
from fairdash.intake.tables import (  # noqa: F401
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    read_table,
)

__all__ = ["MAX_TABLE_BYTES", "MAX_ROWS", "MAX_COLUMNS", "read_table", "MISSING_GROUP", "GROUP_SEPARATOR", "GroupCodes", "group_codes", "group_keys", "group_label", "plain_value", "group_labels", "value_text", "DataSummary", "summarize", "guess_spec", "SMALL_GROUP_SIZE", "MAX_CLASSES", "AuditSpec", "BIN_ABOVE", "default_bins", "needs_bins", "bins_used", "parse_bins", "band_labels", "sensitive_frame", "match_label", "POSITIVE_NAMES", "default_positive_label", "resolve_label", "binary_target", "numeric_scores", "finite_scores", "score_warnings", "check_column_roles", "audit_warnings", "id_like_columns", "validate_spec", "default_reference", "brief"]
