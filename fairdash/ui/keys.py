"""Every session-state key of the dashboard, declared once, with what Streamlit must do with it.

Pages and ``fairdash.ui`` modules name a key only through this module: a key string written anywhere else is a bug
(``tests/test_session_keys.py`` checks it). Each key is declared by one call that says its kind:

- :func:`kept`: a widget holding the user's choice. Streamlit forgets a widget's value when a page without that widget
  runs, so :func:`fairdash.ui.state.keep_widget_values` (app.py, on every run) re-saves every kept key, and the choice
  survives a trip to another page;
- :func:`widget`: a widget whose value is not to be kept (an uploader, a button, a data editor, a component: their
  value cannot be set), or an element's identity (a chart, a form);
- :func:`stored`: a value the code keeps in the session (an uploaded file's bytes, the audit a link opened...).

Families of keys (one per column, group or audit) are declared by their prefix (:func:`family`); their kind applies to
every key the prefix starts. The kind is read when it is used (:func:`is_kept`), so no declaration can come too late.
"""

from __future__ import annotations

__all__ = [
    "KEPT",
    "WIDGET",
    "STORED",
    "kept",
    "widget",
    "stored",
    "family",
    "declared",
    "families",
    "kind_of",
    "is_kept",
    "bins_key",
    "group_threshold_key",
    "confirm_delete_key",
    "what_if_key",
    # The Data & model page.
    "SOURCE",
    "DEMO",
    "DATA_UPLOADER",
    "MODEL_UPLOADER",
    "SCORE_MODE",
    "MLFLOW_MODEL",
    "TRUST_PICKLE",
    "TRUST_SKOPS",
    "TARGET",
    "POSITIVE_LABEL",
    "SENSITIVE",
    "REFERENCE",
    "SCORE_COLUMN",
    "FEATURES",
    "SELECTION_KEYS",
    "BINS_PREFIX",
    "SOURCE_DEMO",
    "SOURCE_UPLOAD",
    "MODE_MODEL",
    "MODE_MLFLOW",
    "MODE_COLUMN",
    # The Fairness page.
    "THRESHOLD_MODE",
    "MODE_GLOBAL",
    "MODE_PER_GROUP",
    "THRESHOLD",
    "GROUP_THRESHOLD_PREFIX",
    "SUGGEST_CONSTRAINT",
    "SUGGEST_TOLERANCE",
    "MIN_GROUP_SIZE",
    "TOLERANCE",
    "CHART",
    "NORMALIZE_MATRICES",
    "TRADEOFF_DISPARITY",
    "SHOW_CALIBRATION",
    "THRESHOLD_PREVIEW",
    "RATE_BARS_CHART",
    "CONFUSION_MATRICES_CHART",
    "ROC_CHART",
    "TRADEOFF_CHART",
    "CALIBRATION_CHART",
    # The Explain page.
    "EXPLAIN_ON",
    "EXPLAIN_ROWS",
    "EXPLAIN_VIEW",
    "GAP_GROUPS",
    "ROW_SOURCE",
    "ROW_GROUP",
    "ROW",
    "PERMUTATION_ON",
    "FLIP_SENSITIVE",
    "CF_COUNT",
    "CF_HELD",
    "CF_INCREASE",
    "CF_DECREASE",
    "CF_RANGES",
    "RECOURSE_ON",
    "RECOURSE_ROWS",
    "WHAT_IF_FORM",
    "WHAT_IF_PREFIX",
    "IMPORTANCE_CHART",
    "PERMUTATION_CHART",
    "BEESWARM_CHART",
    "BY_GROUP_CHART",
    "GAP_CHART",
    "WATERFALL_CHART",
    "LIME_CHART",
    # The Rules page.
    "RULES_TARGET",
    "RULES_FOR_DECISIONS",
    "RULES_FOR_OUTCOMES",
    "RULES_DEPTH",
    "RULES_MIN_LEAF",
    "FIDELITY_CHART",
    # The Subgroups page.
    "SUBGROUP_CONDITIONS",
    "SUBGROUP_MIN_SIZE",
    "SUBGROUP_CHOSEN",
    "SUBGROUP_METRIC",
    "AUDIT_SUBGROUP_BUTTON",
    "STOP_AUDITING_SUBGROUP_BUTTON",
    "SUBGROUP_GAPS_CHART",
    "AUDITED_SUBGROUP",
    "PAGE_REQUEST",
    # The Fixes page.
    "TRAIN_UPLOADER",
    "OTHER_MODEL_UPLOADER",
    "TRUST_OTHER_PICKLE",
    "TRUST_OTHER_SKOPS",
    "FIXES_CONSTRAINT",
    "FIXES_SCORE",
    "FIXES_CHOSEN",
    "FIXES_RUN_REFITS",
    "FIXES_RUN_REDUCTIONS",
    "FIXES_TRADEOFF_CHART",
    "ORIGINAL_MATRICES_CHART",
    "FIX_MATRICES_CHART",
    "REFITS_ASKED",
    "FIXES_COMPARED",
    # The Data balance view (Data & model page) and the Fairness page's control.
    "BALANCE_CONTROL",
    "BALANCE_SHARES",
    "BALANCE_TARGET",
    "BALANCE_POSITIVE",
    "BALANCE_SENSITIVE",
    "FAIRNESS_CONTROL",
    "BALANCE_GROUPS_TABLE",
    "BALANCE_REPRESENTATION_TABLE",
    "BALANCE_FEATURES_TABLE",
    "CDD_TABLE_PREFIX",
    "STRATA_TABLE_PREFIX",
    "cdd_table_key",
    "strata_table_key",
    # The Over time page.
    "LOG_SOURCE",
    "LOG_UPLOADER",
    "LOG_TIME",
    "LOG_TARGET",
    "LOG_POSITIVE",
    "LOG_SENSITIVE",
    "LOG_DECISIONS",
    "LOG_SCORE",
    "LOG_WINDOW",
    "LOG_ENGINE",
    "LOG_BASELINE",
    "LOG_THRESHOLD",
    "LOG_DISPARITY",
    "LOG_SHOWN_WINDOW",
    "LOG_COLUMN_KEYS",
    "OVER_TIME_CHART",
    "GROUP_MIX_CHART",
    "SCORE_DRIFT_CHART",
    # The Report and Saved audits pages.
    "REPORT_RULES",
    "REPORT_CALIBRATION",
    "REPORT_SUBGROUPS",
    "SAVE_TITLE",
    "SAVE_FILES",
    "COMPARE_BEFORE",
    "COMPARE_AFTER",
    "RENAME_TITLE",
    "SAVED_AUDIT",
    "RENAME_OF",
    "CONFIRM_DELETE_PREFIX",
    "SHARE_WITH",
    "OPEN_BY_ID",
    # Sign-in and what the session was given.
    "SIGNED_IN_AS",
    "GIVEN_AUDITS",
    # Stored values.
    "UPLOADED_TABLE",
    "UPLOADED_MODEL",
    "UPLOADED_TRAIN",
    "UPLOADED_OTHER_MODEL",
    "UPLOADED_LOG",
    "PREVIEW_REVISION",
    "THRESHOLDS_BELONG_TO",
    "SUGGESTION",
    "PENDING_THRESHOLDS",
    "OPENED_AUDIT",
    "OPENED_AS",
    "LINKED_VIEW",
    "SAVE_OUTCOME",
    "DRAFT",
    "OFFERED_DRAFT",
    "DRAFT_BINDING",
    "FRAME_RUN",
]

KEPT = "kept"
WIDGET = "widget"
STORED = "stored"

_KINDS: dict[str, str] = {}
_FAMILIES: dict[str, str] = {}


def _declare(key: str, kind: str) -> str:
    if key in _KINDS or key in _FAMILIES or any(key.startswith(prefix) for prefix in _FAMILIES):
        raise ValueError(f"The session key {key!r} is declared twice: declare each key once, in fairdash/ui/keys.py.")
    _KINDS[key] = kind
    return key


def kept(key: str) -> str:
    """Declare a widget key whose value is kept across pages; returns ``key``."""
    return _declare(key, KEPT)


def widget(key: str) -> str:
    """Declare a widget or element key whose value is not kept (an uploader, a button, a chart...); returns ``key``."""
    return _declare(key, WIDGET)


def stored(key: str) -> str:
    """Declare a key the code keeps a value under; returns ``key``."""
    return _declare(key, STORED)


def family(prefix: str, kind: str) -> str:
    """Declare every key that starts with ``prefix`` (one per column, group, audit), of ``kind``; returns ``prefix``."""
    if prefix in _FAMILIES or any(key.startswith(prefix) for key in _KINDS):
        raise ValueError(f"The session key family {prefix!r} is declared twice, or overlaps a key declared already.")
    _FAMILIES[prefix] = kind
    return prefix


def declared() -> dict[str, str]:
    """Every single key declared, with its kind."""
    return dict(_KINDS)


def families() -> dict[str, str]:
    """Every family's prefix, with its kind."""
    return dict(_FAMILIES)


def kind_of(key: object) -> str | None:
    """The kind of ``key`` (``None``: a key nobody declared)."""
    text = str(key)
    if text in _KINDS:
        return _KINDS[text]
    return next((kind for prefix, kind in _FAMILIES.items() if text.startswith(prefix)), None)


def is_kept(key: object) -> bool:
    """Whether ``key`` holds a choice kept across pages."""
    return kind_of(key) == KEPT


# The Data & model page.
SOURCE = kept("source")  # SOURCE_DEMO or SOURCE_UPLOAD
DEMO = kept("demo")
DATA_UPLOADER = widget("data")
MODEL_UPLOADER = widget("model")
SCORE_MODE = kept("score_mode")  # MODE_MODEL, MODE_MLFLOW or MODE_COLUMN
MLFLOW_MODEL = kept("mlflow_model")  # an MLflow model's URI: models:/NAME/VERSION or runs:/RUN_ID/PATH
TRUST_PICKLE = kept("trust_pickle")
TRUST_SKOPS = kept("trust_skops")
TARGET = kept("target")
POSITIVE_LABEL = kept("positive_label")
SENSITIVE = kept("sensitive")
REFERENCE = kept("reference")
SCORE_COLUMN = kept("score_column")
FEATURES = kept("features")
BINS_PREFIX = family("bins_for_", KEPT)  # band edges of a numeric sensitive attribute: a text input per column
# Choices that only make sense for one table: forgotten when the table changes.
SELECTION_KEYS = (TARGET, POSITIVE_LABEL, SENSITIVE, REFERENCE, SCORE_COLUMN, FEATURES)
SOURCE_DEMO = "demo"  # option values, not keys
SOURCE_UPLOAD = "upload"
MODE_MODEL = "model"
MODE_MLFLOW = "mlflow"  # offered where a tracking URI is configured (fairdash.ui.saved.mlflow_uri)
MODE_COLUMN = "column"

# The Fairness page.
THRESHOLD_MODE = kept("threshold_mode")  # MODE_GLOBAL or MODE_PER_GROUP
MODE_GLOBAL = "global"
MODE_PER_GROUP = "per_group"
THRESHOLD = kept("threshold")
GROUP_THRESHOLD_PREFIX = family("threshold_for_", KEPT)  # one threshold per group
SUGGEST_CONSTRAINT = kept("suggest_constraint")
SUGGEST_TOLERANCE = kept("suggest_tolerance")
MIN_GROUP_SIZE = kept("min_group_size")  # groups under this many rows are left out of the disparities (0 keeps all)
TOLERANCE = kept("tolerance")
CHART = kept("chart")
NORMALIZE_MATRICES = kept("normalize_matrices")
TRADEOFF_DISPARITY = kept("tradeoff_disparity")
SHOW_CALIBRATION = kept("show_calibration")
THRESHOLD_PREVIEW = widget("threshold_preview")  # the in-browser preview (a component)
RATE_BARS_CHART = widget("rate_bars")
CONFUSION_MATRICES_CHART = widget("confusion_matrices")
ROC_CHART = widget("roc")
TRADEOFF_CHART = widget("tradeoff")
CALIBRATION_CHART = widget("calibration")

# The Explain page (with fairdash/ui/counterfactual_panel.py and what_if.py).
EXPLAIN_ON = kept("explain_on")
EXPLAIN_ROWS = kept("explain_rows")
EXPLAIN_VIEW = kept("explain_view")
GAP_GROUPS = kept("gap_groups")
ROW_SOURCE = kept("row_source")
ROW_GROUP = kept("row_group")
ROW = kept("row")
PERMUTATION_ON = kept("permutation_on")
FLIP_SENSITIVE = kept("flip_sensitive")
CF_COUNT = kept("cf_count")
CF_HELD = kept("cf_held")
CF_INCREASE = kept("cf_increase")
CF_DECREASE = kept("cf_decrease")
CF_RANGES = widget("cf_ranges")  # a data editor's edits
RECOURSE_ON = kept("recourse_on")
RECOURSE_ROWS = kept("recourse_rows")
WHAT_IF_FORM = widget("what_if")
WHAT_IF_PREFIX = family("what_if_", WIDGET)  # the what-if form's inputs: one per column, filled from the row shown
IMPORTANCE_CHART = widget("importance")
PERMUTATION_CHART = widget("permutation")
BEESWARM_CHART = widget("beeswarm")
BY_GROUP_CHART = widget("by_group")
GAP_CHART = widget("gap")
WATERFALL_CHART = widget("waterfall")
LIME_CHART = widget("lime")

# The Rules page.
RULES_TARGET = kept("rules_target")  # RULES_FOR_DECISIONS or RULES_FOR_OUTCOMES
RULES_FOR_DECISIONS = "decisions"
RULES_FOR_OUTCOMES = "outcomes"
RULES_DEPTH = kept("rules_depth")
RULES_MIN_LEAF = kept("rules_min_leaf")
FIDELITY_CHART = widget("fidelity")

# The Subgroups page.
SUBGROUP_CONDITIONS = kept("subgroup_conditions")  # at most 1 or 2 conditions
SUBGROUP_MIN_SIZE = kept("subgroup_min_size")
SUBGROUP_CHOSEN = kept("subgroup_chosen")  # the rank of the subgroup to audit against the rest
SUBGROUP_METRIC = kept("subgroup_metric")  # the rate whose gaps are listed (None: every rate)
AUDIT_SUBGROUP_BUTTON = widget("audit_subgroup")
STOP_AUDITING_SUBGROUP_BUTTON = widget("stop_auditing_subgroup")
SUBGROUP_GAPS_CHART = widget("subgroup_gaps")
AUDITED_SUBGROUP = stored("audited_subgroup")  # the subgroup the session audits against the rest (AuditedSubgroup)
PAGE_REQUEST = stored("page_request")  # a page a button's callback asked to open (a callback cannot switch pages)

# The Fixes page.
TRAIN_UPLOADER = widget("fixes_train")
OTHER_MODEL_UPLOADER = widget("fixes_other_model")
TRUST_OTHER_PICKLE = kept("trust_other_pickle")
TRUST_OTHER_SKOPS = kept("trust_other_skops")
FIXES_CONSTRAINT = kept("fixes_constraint")
FIXES_SCORE = kept("fixes_score")
FIXES_CHOSEN = kept("fixes_chosen")
FIXES_RUN_REFITS = widget("fixes_run_refits")  # buttons: a button's value cannot be set
FIXES_RUN_REDUCTIONS = widget("fixes_run_reductions")
FIXES_TRADEOFF_CHART = widget("fixes_tradeoff")
ORIGINAL_MATRICES_CHART = widget("matrices_original")
FIX_MATRICES_CHART = widget("matrices_fix")
REFITS_ASKED = stored("fixes_refits_asked")  # the refits the user asked for, not yet started
FIXES_COMPARED = stored("fixes_compared")  # (audit key, constraint, fixes): the Fixes page's last comparison

# The Over time page.
LOG_SOURCE = kept("log_source")  # "demo" or "upload"
LOG_UPLOADER = widget("log_upload")
LOG_TIME = kept("log_time")
LOG_TARGET = kept("log_target")
LOG_POSITIVE = kept("log_positive")
LOG_SENSITIVE = kept("log_sensitive")
LOG_DECISIONS = kept("log_decisions")  # "score" or "decision"
LOG_SCORE = kept("log_score")
LOG_WINDOW = kept("log_window")
LOG_ENGINE = kept("log_engine")
LOG_BASELINE = kept("log_baseline")
LOG_THRESHOLD = kept("log_threshold")
LOG_DISPARITY = kept("log_disparity")
LOG_SHOWN_WINDOW = kept("log_shown_window")
# Choices that only make sense for one log: forgotten when another log is uploaded.
LOG_COLUMN_KEYS = (LOG_TIME, LOG_TARGET, LOG_POSITIVE, LOG_SENSITIVE, LOG_SCORE, LOG_BASELINE, LOG_THRESHOLD, LOG_SHOWN_WINDOW)
OVER_TIME_CHART = widget("over_time")
GROUP_MIX_CHART = widget("group_mix")
SCORE_DRIFT_CHART = widget("score_drift")

# The Report and Saved audits pages.
REPORT_RULES = kept("report_rules")
REPORT_CALIBRATION = kept("report_calibration")
REPORT_SUBGROUPS = kept("report_subgroups")
SAVE_TITLE = kept("save_title")
SAVE_FILES = kept("save_files")
COMPARE_BEFORE = kept("compare_before")
COMPARE_AFTER = kept("compare_after")
RENAME_TITLE = kept("rename_title")
SAVED_AUDIT = kept("saved_audit")  # the audit chosen on the Saved audits page
RENAME_OF = stored("rename_of")  # the saved audit the rename box was filled for
# A delete confirmation belongs to one audit (confirm_delete_key): one given for an audit never deletes another. It is
# not kept beyond its page, and every audit's is forgotten when another audit is chosen (the Audit box's on_change):
# Streamlit forgets an unshown widget only after a run that finished, and a run the page stops kept it.
CONFIRM_DELETE_PREFIX = family("confirm_delete_for_", WIDGET)
SHARE_WITH = kept("share_with")  # the addresses typed to share the chosen audit with (emptied once shared)
OPEN_BY_ID = kept("open_by_id")  # an audit's id or link, typed to open it

# Sign-in (fairdash/ui/signin.py) and the audits a session without sign-in was given.
SIGNED_IN_AS = stored("signed_in_as")  # the user the session belongs to: another user's request starts the session afresh
GIVEN_AUDITS = stored("given_audits")  # without sign-in: the ids this session saved or opened (all its Saved audits page lists)

# Stored values.
UPLOADED_TABLE = stored("uploaded_table")
UPLOADED_MODEL = stored("uploaded_model")
UPLOADED_TRAIN = stored("uploaded_train")
UPLOADED_OTHER_MODEL = stored("uploaded_other_model")
UPLOADED_LOG = stored("uploaded_log")
PREVIEW_REVISION = stored("preview_revision")
THRESHOLDS_BELONG_TO = stored("thresholds_belong_to")  # the audit the threshold values were set for
SUGGESTION = stored("suggestion")
PENDING_THRESHOLDS = stored("pending_thresholds")  # a saved audit's thresholds, until its audit can run
OPENED_AUDIT = stored("opened_audit")  # the saved audit's id this session opened (from ?audit=ID), kept in the URL
OPENED_AS = stored("opened_audit_as")  # (how it opened, the data the session showed then)
LINKED_VIEW = stored("linked_view")  # a link to an audit shown read-only asked for the Saved audits page
SAVE_OUTCOME = stored("save_outcome")  # what the last "Save this audit" / "Log to MLflow" click did, shown once
DRAFT = stored("draft")  # (draft id, the settings last written, the uploads' file ids written): the tab's unsaved work
OFFERED_DRAFT = stored("offered_draft")
DRAFT_BINDING = widget("draft_binding")  # the component that says which draft the tab holds (fairdash.ui.drafts)
FRAME_RUN = stored("frame_run")  # set by app.py before the page runs: the page runs inside the frame


# The Data balance view (Data & model page) and the Fairness page's control (fairdash/ui/balance_panel.py).
BALANCE_CONTROL = kept("balance_control")
BALANCE_SHARES = kept("balance_reference_shares")
BALANCE_TARGET = kept("balance_target")  # the choices made before a model, when the page's own cannot be drawn yet
BALANCE_POSITIVE = kept("balance_positive")
BALANCE_SENSITIVE = kept("balance_sensitive")
FAIRNESS_CONTROL = kept("fairness_control")
BALANCE_GROUPS_TABLE = widget("balance_groups")
BALANCE_REPRESENTATION_TABLE = widget("balance_representation")
BALANCE_FEATURES_TABLE = widget("balance_features")
CDD_TABLE_PREFIX = family("cdd_", WIDGET)  # one per rate: base rate (the data) and selection rate (the decisions)
STRATA_TABLE_PREFIX = family("strata_", WIDGET)


def cdd_table_key(rate: str) -> str:
    """The key of the table of each group's conditional demographic disparity, for ``rate`` (base or selection rate)."""
    return f"{CDD_TABLE_PREFIX}{rate}"


def strata_table_key(rate: str) -> str:
    """The key of the table of ``rate`` within each stratum of the control."""
    return f"{STRATA_TABLE_PREFIX}{rate}"


def bins_key(column: str) -> str:
    """The key of the band edges typed for the numeric sensitive attribute ``column``."""
    return f"{BINS_PREFIX}{column}"


def group_threshold_key(label: str) -> str:
    """The key of the threshold of the group ``label`` (per-group mode)."""
    return f"{GROUP_THRESHOLD_PREFIX}{label}"


def confirm_delete_key(audit_id: str) -> str:
    """The widget key of the Saved audits page's delete confirmation for the audit ``audit_id``."""
    return f"{CONFIRM_DELETE_PREFIX}{audit_id}"


def what_if_key(column: str) -> str:
    """The key of the what-if form's input for ``column``."""
    return f"{WHAT_IF_PREFIX}{column}"
