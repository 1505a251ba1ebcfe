"""What people and pipelines see, never computed here: text (:mod:`~fairdash.present.text`), JSON documents
(:mod:`~fairdash.present.document`), self-contained HTML pages (:mod:`~fairdash.present.page`, their template, style and
script in ``static/``) for the audit (:mod:`~fairdash.present.report`), the fixes (:mod:`~fairdash.present.fixes_report`)
and the monitor (:mod:`~fairdash.present.monitor_report`), two audits compared (:mod:`~fairdash.present.comparison`), and
the plotly figures (:mod:`~fairdash.present.plots`).

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

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
)
from fairdash.present.monitor_report import (  # noqa: F401
    engine_audit_html,
    engine_audit_json,
    monitor_html,
    monitor_json,
    monitor_notes,
)
from fairdash.present.page import (  # noqa: F401
    static_file,
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
from fairdash.present.text import (  # noqa: F401
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

__all__ = ["comparison_json", "comparison_table", "json_text", "IN_SAMPLE_NOTE", "fixes_html", "fixes_json", "fixes_table", "engine_audit_html", "engine_audit_json", "monitor_html", "monitor_json", "monitor_notes", "static_file", "preview_payload", "preview_script", "preview_style", "SearchPace", "counterfactuals_json", "recourse_groups_table", "audit_html", "audit_json", "PER_GROUP_THRESHOLDS_CAUTION", "findings_as_saved", "for_people", "inconclusive_note", "suggestion_table", "threshold_text", "verdict_text", "verdict_word", "calibration_table", "conflict_table", "gap_text", "observed_by_value", "subgroups_table"]
