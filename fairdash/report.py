"""The audit run and handed on (JSON, HTML): stable import paths; the code lives in :mod:`fairdash.audit.run` and :mod:`fairdash.present`."""

from fairdash.audit.run import (  # noqa: F401
    PERMUTATION_ROWS,
    Audit,
    run_audit,
    top_features,
)
from fairdash.present.document import (  # noqa: F401
    groups_json,
    json_number,
    json_text,
    result_json,
    versions,
)
from fairdash.present.fixes_report import (  # noqa: F401
    fixes_content,
    fixes_html,
    fixes_json,
    fixes_table,
)
from fairdash.present.page import (  # noqa: F401
    definition_list,
    findings_html,
    html_page,
    script_json,
    section,
    static_file,
    table_html,
)
from fairdash.present.report import (  # noqa: F401
    REPORT_THRESHOLDS,
    audit_html,
    audit_json,
    slider_payload,
)

__all__ = ["PERMUTATION_ROWS", "Audit", "run_audit", "top_features", "REPORT_THRESHOLDS", "audit_json", "slider_payload", "audit_html", "fixes_json", "fixes_table", "fixes_html", "fixes_content", "html_page", "script_json", "section", "definition_list", "table_html", "findings_html", "static_file", "versions", "json_number", "json_text", "result_json", "groups_json"]
