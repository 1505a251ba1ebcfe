"""What people and pipelines see, never computed here: text (:mod:`~fairdash.present.text`), JSON documents
(:mod:`~fairdash.present.document`), self-contained HTML pages (:mod:`~fairdash.present.page`, their template, style and
script in ``static/``) for the audit (:mod:`~fairdash.present.report`), the fixes (:mod:`~fairdash.present.fixes_report`)
and the monitor (:mod:`~fairdash.present.monitor_report`), two audits compared (:mod:`~fairdash.present.comparison`), and
the plotly figures (:mod:`~fairdash.present.plots`).

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.present.balance import (  # noqa: F401
    balance_html,
    balance_json,
    cdd_table,
    conditional_sentences,
    features_table,
    groups_table,
    representation_table,
    strata_table,
)
from fairdash.present.bias_audit import (  # noqa: F401
    bias_audit_frame,
    bias_audit_html,
    bias_audit_json,
    bias_audit_notes,
)
from fairdash.present.comparison import (  # noqa: F401
    comparison_json,
    comparison_table,
)
from fairdash.present.document import (  # noqa: F401
    json_text,
)
from fairdash.present.fixes_report import (  # noqa: F401
    IN_SAMPLE_NOTE,
    fixes_html,
    fixes_json,
    fixes_table,
    unmet_message,
)
from fairdash.present.model_card import (  # noqa: F401
    model_card,
)
from fairdash.present.monitor_report import (  # noqa: F401
    engine_audit_html,
    engine_audit_json,
    monitor_html,
    monitor_json,
    monitor_notes,
)
from fairdash.present.notebook import (  # noqa: F401
    result_html,
)
from fairdash.present.page import (  # noqa: F401
    static_file,
)
from fairdash.present.pdf import (  # noqa: F401
    PAPER_SIZES,
    ChromiumMissingError,
    default_paper,
    find_chromium,
    html_to_pdf,
)
from fairdash.present.preview import (  # noqa: F401
    preview_payload,
    preview_script,
    preview_style,
)
from fairdash.present.recourse import (  # noqa: F401
    SearchPace,
    counterfactuals_json,
    recourse_groups_table,
)
from fairdash.present.report import (  # noqa: F401
    audit_html,
    audit_json,
)
from fairdash.present.sentences import (  # noqa: F401
    BALANCE_CORRECTION,
    CDD_INTERVAL_METHOD,
    alert_text,
    calibration_method,
    calibration_notes,
    comparison_notes,
    conflict_sentences,
    recourse_rows,
    subgroups_correction,
    suggestion_sentence,
    undefined_text,
    warning_text,
)
from fairdash.present.summary import (  # noqa: F401
    NO_MODEL,
    NOT_EXPLAINED,
    Summary,
    audit_summary,
    features_from_json,
    summary_of,
)
from fairdash.present.text import (  # noqa: F401
    NO_VERDICT,
    PER_GROUP_THRESHOLDS_CAUTION,
    findings_as_saved,
    for_people,
    inconclusive_note,
    suggestion_table,
    threshold_text,
    verdict_text,
    verdict_word,
)
from fairdash.present.where_unfair import (  # noqa: F401
    calibration_table,
    conflict_table,
    gap_text,
    observed_by_value,
    subgroups_table,
)

__all__ = [
    "BALANCE_CORRECTION",
    "CDD_INTERVAL_METHOD",
    "ChromiumMissingError",
    "IN_SAMPLE_NOTE",
    "NOT_EXPLAINED",
    "NO_MODEL",
    "NO_VERDICT",
    "PAPER_SIZES",
    "PER_GROUP_THRESHOLDS_CAUTION",
    "SearchPace",
    "Summary",
    "audit_html",
    "audit_json",
    "audit_summary",
    "balance_html",
    "balance_json",
    "bias_audit_frame",
    "bias_audit_html",
    "bias_audit_json",
    "bias_audit_notes",
    "alert_text",
    "calibration_method",
    "calibration_notes",
    "comparison_notes",
    "calibration_table",
    "cdd_table",
    "comparison_json",
    "comparison_table",
    "conditional_sentences",
    "conflict_sentences",
    "conflict_table",
    "counterfactuals_json",
    "default_paper",
    "engine_audit_html",
    "engine_audit_json",
    "features_from_json",
    "features_table",
    "find_chromium",
    "findings_as_saved",
    "fixes_html",
    "fixes_json",
    "fixes_table",
    "for_people",
    "gap_text",
    "groups_table",
    "html_to_pdf",
    "inconclusive_note",
    "json_text",
    "model_card",
    "monitor_html",
    "monitor_json",
    "monitor_notes",
    "observed_by_value",
    "preview_payload",
    "preview_script",
    "preview_style",
    "recourse_groups_table",
    "recourse_rows",
    "representation_table",
    "result_html",
    "static_file",
    "strata_table",
    "subgroups_correction",
    "subgroups_table",
    "suggestion_sentence",
    "suggestion_table",
    "summary_of",
    "threshold_text",
    "undefined_text",
    "warning_text",
    "unmet_message",
    "verdict_text",
    "verdict_word",
]
