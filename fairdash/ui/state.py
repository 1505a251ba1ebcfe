"""Every session-state key the dashboard uses, and the functions that read and write them.

Pages never write a key string inline: they call these. Two kinds of keys:

- widget keys (``WIDGET_KEYS``): the user's choices. Streamlit forgets a widget's value when a page
  without that widget runs, so :func:`keep_widget_values` (called by ``app.py`` on every run) re-saves
  them and the choices survive a trip to another page.
- stored values: uploaded files' bytes (an uploader's file is gone once its page is left).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from fairdash.audit.metrics import DEFAULT_TOLERANCE
from fairdash.audit.result import AuditSettings
from fairdash.audit.spec import SMALL_GROUP_SIZE

__all__ = [
    "SOURCE", "DEMO", "DATA_UPLOADER", "MODEL_UPLOADER", "SCORE_MODE", "MLFLOW_MODEL", "TRUST_PICKLE",
    "TRUST_SKOPS", "TARGET", "POSITIVE_LABEL", "SENSITIVE", "REFERENCE", "SCORE_COLUMN", "FEATURES", "SOURCE_DEMO",
    "SOURCE_UPLOAD", "MODE_MODEL", "MODE_MLFLOW", "MODE_COLUMN", "SELECTION_KEYS", "WIDGET_KEYS", "THRESHOLD_MODE",
    "MODE_GLOBAL", "MODE_PER_GROUP", "THRESHOLD", "SUGGEST_CONSTRAINT", "SUGGEST_TOLERANCE", "MIN_GROUP_SIZE",
    "TOLERANCE", "CHART", "NORMALIZE_MATRICES", "TRADEOFF_DISPARITY", "FAIRNESS_KEYS", "EXPLAIN_ON", "EXPLAIN_ROWS",
    "EXPLAIN_VIEW", "GAP_GROUPS", "ROW_SOURCE", "ROW_GROUP", "ROW", "PERMUTATION_ON", "FLIP_SENSITIVE",
    "EXPLAIN_KEYS", "RULES_TARGET", "RULES_FOR_DECISIONS", "RULES_FOR_OUTCOMES", "RULES_DEPTH", "RULES_MIN_LEAF",
    "RULES_KEYS", "REPORT_RULES", "REPORT_CALIBRATION", "REPORT_SUBGROUPS", "TRAIN_UPLOADER",
    "OTHER_MODEL_UPLOADER", "TRUST_OTHER_PICKLE", "TRUST_OTHER_SKOPS", "FIXES_CONSTRAINT", "FIXES_SCORE",
    "FIXES_CHOSEN", "FIXES_RUN_REFITS", "FIXES_RUN_REDUCTIONS", "FIXES_KEYS", "LOG_SOURCE", "LOG_UPLOADER", "LOG_TIME", "LOG_TARGET",
    "LOG_POSITIVE", "LOG_SENSITIVE", "LOG_DECISIONS", "LOG_SCORE", "LOG_WINDOW", "LOG_ENGINE", "LOG_BASELINE",
    "LOG_THRESHOLD", "LOG_DISPARITY", "LOG_SHOWN_WINDOW", "LOG_KEYS", "SUBGROUP_CONDITIONS", "SUBGROUP_MIN_SIZE",
    "SUBGROUP_CHOSEN", "SUBGROUP_METRIC", "SUBGROUP_KEYS", "SHOW_CALIBRATION", "CF_COUNT", "CF_HELD", "CF_INCREASE",
    "CF_DECREASE", "CF_RANGES", "RECOURSE_ON", "RECOURSE_ROWS", "COUNTERFACTUAL_KEYS", "UploadedFile",
    "keep_widget_values", "set_default", "get", "set_value", "forget_selections", "bins_key", "chosen_bins",
    "ensure_choice", "ensure_choices", "source", "demo_key", "remember_upload", "forget_removed_upload",
    "forget_model_choices", "forget_trust", "keep_mlflow_model", "mlflow_model_kept", "forget_mlflow_model", "score_mode_changed",
    "uploaded_table", "uploaded_model", "uploader_key", "uploaded", "group_threshold_key",
    "reset_thresholds_if_audit_changed", "reset_thresholds", "set_group_thresholds", "store_settled_thresholds",
    "preview_revision", "chosen_thresholds", "audit_settings", "remember_suggestion", "last_suggestion",
    "remember_fixes", "compared_fixes", "ask_refits", "take_refit_request", "AuditedSubgroup", "audit_subgroup", "audited_subgroup",
    "stop_auditing_subgroup", "request_page", "take_page_request", "SAVE_TITLE", "SAVE_FILES", "COMPARE_BEFORE",
    "COMPARE_AFTER", "RENAME_TITLE", "SAVED_AUDIT", "RENAME_OF", "confirm_delete_key", "delete_confirmed",
    "forget_delete_confirmations", "opened_audit", "opened_audit_as", "request_linked_view", "take_linked_view_request", "remember_opened_audit", "restore_upload", "set_pending_thresholds", "pending_thresholds",
    "pin_thresholds", "set_save_outcome", "pop_save_outcome", "draft", "remember_draft", "offered_draft_id",
]

# Widget keys on the Data & model page.
SOURCE = "source"  # "demo" or "upload"
DEMO = "demo"
DATA_UPLOADER = "data"
MODEL_UPLOADER = "model"
SCORE_MODE = "score_mode"  # "model", "mlflow" or "column"
MLFLOW_MODEL = "mlflow_model"  # an MLflow model's URI: models:/NAME/VERSION or runs:/RUN_ID/PATH
TRUST_PICKLE = "trust_pickle"
TRUST_SKOPS = "trust_skops"
TARGET = "target"
POSITIVE_LABEL = "positive_label"
SENSITIVE = "sensitive"
REFERENCE = "reference"
SCORE_COLUMN = "score_column"
FEATURES = "features"

SOURCE_DEMO = "demo"
SOURCE_UPLOAD = "upload"
MODE_MODEL = "model"
MODE_MLFLOW = "mlflow"  # offered where a tracking URI is configured (fairdash.ui.saved.mlflow_uri)
MODE_COLUMN = "column"

# Choices that only make sense for one table: forgotten when the table changes.
SELECTION_KEYS = (TARGET, POSITIVE_LABEL, SENSITIVE, REFERENCE, SCORE_COLUMN, FEATURES)
WIDGET_KEYS = (SOURCE, DEMO, SCORE_MODE, MLFLOW_MODEL, TRUST_PICKLE, TRUST_SKOPS) + SELECTION_KEYS

# Widget keys on the Fairness page. Per-group sliders are keyed by group_threshold_key(label).
THRESHOLD_MODE = "threshold_mode"
MODE_GLOBAL = "global"
MODE_PER_GROUP = "per_group"
THRESHOLD = "threshold"
_GROUP_THRESHOLD_PREFIX = "threshold_for_"
SUGGEST_CONSTRAINT = "suggest_constraint"
SUGGEST_TOLERANCE = "suggest_tolerance"
MIN_GROUP_SIZE = "min_group_size"  # groups under this many rows are left out of the disparities (0 keeps all)
TOLERANCE = "tolerance"
CHART = "chart"
NORMALIZE_MATRICES = "normalize_matrices"
TRADEOFF_DISPARITY = "tradeoff_disparity"
FAIRNESS_KEYS = (
    THRESHOLD_MODE, THRESHOLD, SUGGEST_CONSTRAINT, SUGGEST_TOLERANCE, MIN_GROUP_SIZE, TOLERANCE, CHART,
    NORMALIZE_MATRICES, TRADEOFF_DISPARITY,
)

# Widget keys on the Explain page.
EXPLAIN_ON = "explain_on"
EXPLAIN_ROWS = "explain_rows"
EXPLAIN_VIEW = "explain_view"
GAP_GROUPS = "gap_groups"
ROW_SOURCE = "row_source"
ROW_GROUP = "row_group"
ROW = "row"
PERMUTATION_ON = "permutation_on"
FLIP_SENSITIVE = "flip_sensitive"
EXPLAIN_KEYS = (EXPLAIN_ON, EXPLAIN_ROWS, EXPLAIN_VIEW, GAP_GROUPS, ROW_SOURCE, ROW_GROUP, ROW, PERMUTATION_ON, FLIP_SENSITIVE)

# Widget keys on the Rules page.
RULES_TARGET = "rules_target"
RULES_FOR_DECISIONS = "decisions"
RULES_FOR_OUTCOMES = "outcomes"
RULES_DEPTH = "rules_depth"
RULES_MIN_LEAF = "rules_min_leaf"
RULES_KEYS = (RULES_TARGET, RULES_DEPTH, RULES_MIN_LEAF)

# Widget keys on the Report page.
REPORT_RULES = "report_rules"
REPORT_CALIBRATION = "report_calibration"
REPORT_SUBGROUPS = "report_subgroups"

# Fixes page
TRAIN_UPLOADER = "fixes_train"
OTHER_MODEL_UPLOADER = "fixes_other_model"
TRUST_OTHER_PICKLE = "trust_other_pickle"
TRUST_OTHER_SKOPS = "trust_other_skops"
FIXES_CONSTRAINT = "fixes_constraint"
FIXES_SCORE = "fixes_score"
FIXES_CHOSEN = "fixes_chosen"
FIXES_RUN_REFITS = "fixes_run_refits"  # buttons: never in WIDGET_KEYS (a button's value cannot be set)
FIXES_RUN_REDUCTIONS = "fixes_run_reductions"
FIXES_KEYS = (TRUST_OTHER_PICKLE, TRUST_OTHER_SKOPS, FIXES_CONSTRAINT, FIXES_SCORE, FIXES_CHOSEN)

# Over time page
LOG_SOURCE = "log_source"  # "demo" or "upload"
LOG_UPLOADER = "log_upload"
LOG_TIME = "log_time"
LOG_TARGET = "log_target"
LOG_POSITIVE = "log_positive"
LOG_SENSITIVE = "log_sensitive"
LOG_DECISIONS = "log_decisions"  # "score" or "decision"
LOG_SCORE = "log_score"
LOG_WINDOW = "log_window"
LOG_ENGINE = "log_engine"
LOG_BASELINE = "log_baseline"
LOG_THRESHOLD = "log_threshold"
LOG_DISPARITY = "log_disparity"
LOG_SHOWN_WINDOW = "log_shown_window"
LOG_KEYS = (LOG_SOURCE, LOG_TIME, LOG_TARGET, LOG_POSITIVE, LOG_SENSITIVE, LOG_DECISIONS, LOG_SCORE, LOG_WINDOW, LOG_ENGINE,
            LOG_BASELINE, LOG_THRESHOLD, LOG_DISPARITY, LOG_SHOWN_WINDOW)

WIDGET_KEYS = WIDGET_KEYS + FAIRNESS_KEYS + EXPLAIN_KEYS + RULES_KEYS + (REPORT_RULES, REPORT_CALIBRATION, REPORT_SUBGROUPS) + FIXES_KEYS + LOG_KEYS

# Subgroups page
SUBGROUP_CONDITIONS = "subgroup_conditions"  # at most 1 or 2 conditions
SUBGROUP_MIN_SIZE = "subgroup_min_size"
SUBGROUP_CHOSEN = "subgroup_chosen"  # the rank of the subgroup to audit against the rest
SUBGROUP_METRIC = "subgroup_metric"  # the rate whose gaps are listed (None: every rate)
SUBGROUP_KEYS = (SUBGROUP_CONDITIONS, SUBGROUP_MIN_SIZE, SUBGROUP_CHOSEN, SUBGROUP_METRIC)
SHOW_CALIBRATION = "show_calibration"  # on the Fairness page
WIDGET_KEYS = WIDGET_KEYS + SUBGROUP_KEYS + (SHOW_CALIBRATION,)
_AUDITED_SUBGROUP = "audited_subgroup"  # the subgroup the session audits against the rest (AuditedSubgroup)
_PAGE_REQUEST = "page_request"  # a page a button's callback asked to open (a callback cannot switch pages itself)
# The Explain page's counterfactuals and recourse by group (fairdash/ui/counterfactual_panel.py).
CF_COUNT = "cf_count"
CF_HELD = "cf_held"
CF_INCREASE = "cf_increase"
CF_DECREASE = "cf_decrease"
CF_RANGES = "cf_ranges"
RECOURSE_ON = "recourse_on"
RECOURSE_ROWS = "recourse_rows"
COUNTERFACTUAL_KEYS = (CF_COUNT, CF_HELD, CF_INCREASE, CF_DECREASE, RECOURSE_ON, RECOURSE_ROWS)  # CF_RANGES: a data editor's edits
WIDGET_KEYS = WIDGET_KEYS + COUNTERFACTUAL_KEYS

# Band edges of numeric sensitive attributes (a text input per column): keyed by bins_key(column).
_BINS_PREFIX = "bins_for_"

# Stored values.
_PREVIEW_REVISION = "preview_revision"
_THRESHOLDS_BELONG_TO = "thresholds_belong_to"  # the audit the threshold values were set for
_SUGGESTION = "suggestion"
_REFITS_ASKED = "fixes_refits_asked"  # the refits the user asked for on the Fixes page, not yet started
_FIXES_COMPARED = "fixes_compared"  # (audit key, constraint, fixes): the Fixes page's last comparison
_UPLOADED_TABLE = "uploaded_table"
_UPLOADED_MODEL = "uploaded_model"
# Each kind of upload: its uploader's key, and where the file is kept beyond its page.
_UPLOADS = {
    "table": (DATA_UPLOADER, _UPLOADED_TABLE),
    "model": (MODEL_UPLOADER, _UPLOADED_MODEL),
    "train": (TRAIN_UPLOADER, "uploaded_train"),
    "other_model": (OTHER_MODEL_UPLOADER, "uploaded_other_model"),
    "log": (LOG_UPLOADER, "uploaded_log"),
}


@dataclass(frozen=True)
class UploadedFile:
    """An uploaded file kept in the session: its name, Streamlit's id for this upload, and its bytes."""

    name: str
    file_id: str
    content: bytes


def keep_widget_values() -> None:
    """Stop Streamlit from forgetting the user's choices when they visit another page (app.py, each run) or when a
    fragment reruns alone (its end forgets the widgets it did not draw); a widget already drawn in this run keeps its value."""
    for key in list(st.session_state.keys()):
        if key in WIDGET_KEYS or str(key).startswith((_GROUP_THRESHOLD_PREFIX, _BINS_PREFIX)):
            try:
                st.session_state[key] = st.session_state[key]
            except Exception:  # noqa: BLE001  Streamlit refuses a widget drawn above in this run (a fragment in a full
                pass           # run): it is kept already; its exception class lives in a module that is not public API


def set_default(key: str, value: Any) -> None:
    """Give a widget its first value through session state (never also through the widget's own
    ``value``/``default`` argument, which Streamlit warns about)."""
    if key not in st.session_state:
        st.session_state[key] = value


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def set_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def forget_selections() -> None:
    """Drop the column choices, e.g. when another table is chosen; the page then offers defaults."""
    st.session_state.pop(_AUDITED_SUBGROUP, None)  # its column belongs to the table left
    for key in list(st.session_state.keys()):
        if key in SELECTION_KEYS or str(key).startswith(_BINS_PREFIX):
            st.session_state.pop(key, None)


def bins_key(column: str) -> str:
    return f"{_BINS_PREFIX}{column}"


def chosen_bins(table: Any, sensitive: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The band edges the user typed for numeric sensitive attributes (``{column: edges}``); columns
    without typed edges get the default bands (see :func:`fairdash.audit.spec.bins_used`)."""
    from fairdash.audit.spec import parse_bins

    return {column: parse_bins(st.session_state[bins_key(column)], column) for column in sensitive
            if str(st.session_state.get(bins_key(column)) or "").strip()}


def ensure_choice(key: str, options: Sequence[Any], default: Any) -> None:
    """Make the stored value of a select widget one of ``options`` (else ``default``) before drawing it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def ensure_choices(key: str, options: Sequence[Any], default: Sequence[Any]) -> None:
    """The same for a multiselect: keep the stored values that are still options, else ``default``."""
    stored = [value for value in st.session_state.get(key) or [] if value in options]
    st.session_state[key] = stored if stored else [value for value in default if value in options]


def source() -> str:
    return st.session_state.get(SOURCE, SOURCE_DEMO)


def demo_key() -> str:
    from fairdash.audit.demo import DEFAULT_DEMO

    return st.session_state.get(DEMO, DEFAULT_DEMO)


def remember_upload(kind: str, uploaded: Any | None) -> None:
    """Keep an uploaded file beyond its page: the table (``kind="table"``), the model (``"model"``),
    the Fixes page's training table (``"train"``) and second model (``"other_model"``).

    ``None`` keeps what was uploaded: an uploader drawn anew, after a visit to another page, is
    empty (a removal by the user is :func:`forget_removed_upload`). A new table forgets the column
    choices; a new model forgets the trust given to the last one.
    """
    key = _UPLOADS[kind][1]
    if uploaded is None:
        return
    current = st.session_state.get(key)
    if current is not None and current.file_id == uploaded.file_id:
        return
    st.session_state[key] = UploadedFile(name=uploaded.name, file_id=uploaded.file_id, content=uploaded.getvalue())
    _forget_what_went_with(kind)


def forget_removed_upload(kind: str) -> None:
    """The uploader's ``on_change``: when the user removed the file, forget it (and what went with it)."""
    widget, key = _UPLOADS[kind]
    if st.session_state.get(widget) is None and key in st.session_state:
        _forget_what_went_with(kind)
        st.session_state.pop(key)


def _forget_what_went_with(kind: str) -> None:
    if kind == "table":
        forget_selections()
    elif kind == "model":
        forget_model_choices()
    elif kind == "other_model":
        forget_trust(TRUST_OTHER_PICKLE, TRUST_OTHER_SKOPS)
    elif kind == "log":  # another log: its columns are chosen anew
        for key in (LOG_TIME, LOG_TARGET, LOG_POSITIVE, LOG_SENSITIVE, LOG_SCORE, LOG_BASELINE, LOG_THRESHOLD, LOG_SHOWN_WINDOW):
            st.session_state.pop(key, None)


def forget_model_choices() -> None:
    """Another model (or none): the trust given to the last one goes, and so do the columns it took (the new model's own
    are offered)."""
    forget_trust()
    st.session_state.pop(FEATURES, None)


def forget_trust(pickle_key: str = TRUST_PICKLE, skops_key: str = TRUST_SKOPS) -> None:
    """Trust is given to one file: another model file (or none) starts untrusted again."""
    st.session_state.pop(pickle_key, None)
    st.session_state.pop(skops_key, None)


_MLFLOW_FILE = "mlflow:"  # how the file id of a model read from MLflow starts


def _mlflow_source(tracking_uri: str, uri: str) -> str:
    return _MLFLOW_FILE + hashlib.sha256(f"{tracking_uri}\n{uri}".encode()).hexdigest()[:32] + ":"


def keep_mlflow_model(tracking_uri: str, uri: str, name: str, content: bytes) -> None:
    """Keep the file of a model read from MLflow (``uri`` in the store ``tracking_uri``) where an uploaded model is kept, so
    that every page, the trust it needs and saving treat it as an upload. The trust given to read it is kept: it was given
    for this model. Its id names its content, as the caches that take it key on it."""
    file_id = _mlflow_source(tracking_uri, uri) + hashlib.sha256(content).hexdigest()
    st.session_state[_UPLOADED_MODEL] = UploadedFile(name=name, file_id=file_id, content=content)


def mlflow_model_kept(tracking_uri: str, uri: str) -> bool:
    """Whether the model kept is the one ``uri`` names in the store ``tracking_uri`` (else it is to be read)."""
    kept = uploaded_model()
    return kept is not None and kept.file_id.startswith(_mlflow_source(tracking_uri, uri))


def forget_mlflow_model() -> None:
    """The MLflow URI's ``on_change``: another model (or none) is meant, so the one read before and the trust given go."""
    kept = uploaded_model()
    if kept is not None and kept.file_id.startswith(_MLFLOW_FILE):
        st.session_state.pop(_UPLOADED_MODEL)
    forget_model_choices()


def score_mode_changed() -> None:
    """The score mode's ``on_change``: a model file and an MLflow model are two sources; choosing one forgets a model of
    the other and its trust (trust given to a file never reads an MLflow model, nor the reverse)."""
    mode, kept = st.session_state.get(SCORE_MODE), uploaded_model()
    if kept is not None and mode in (MODE_MODEL, MODE_MLFLOW) and kept.file_id.startswith(_MLFLOW_FILE) != (mode == MODE_MLFLOW):
        st.session_state.pop(_UPLOADED_MODEL)
        forget_model_choices()


def uploaded_table() -> UploadedFile | None:
    return st.session_state.get(_UPLOADED_TABLE)


def uploaded_model() -> UploadedFile | None:
    return st.session_state.get(_UPLOADED_MODEL)


def uploader_key(kind: str) -> str:
    """The widget key of the uploader for this kind of file (see :func:`remember_upload`)."""
    return _UPLOADS[kind][0]


def uploaded(kind: str) -> UploadedFile | None:
    """The file of this kind uploaded so far (see :func:`remember_upload`), or ``None``."""
    return st.session_state.get(_UPLOADS[kind][1])


def group_threshold_key(label: str) -> str:
    return f"{_GROUP_THRESHOLD_PREFIX}{label}"


def reset_thresholds_if_audit_changed(audit_id: str) -> None:
    """Threshold values belong to one audit (one score scale): a new audit starts from defaults."""
    if st.session_state.get(_THRESHOLDS_BELONG_TO) == audit_id:
        return
    reset_thresholds()
    st.session_state[_THRESHOLDS_BELONG_TO] = audit_id


def reset_thresholds() -> None:
    for key in list(st.session_state.keys()):
        if key == THRESHOLD or str(key).startswith(_GROUP_THRESHOLD_PREFIX) or key in (THRESHOLD_MODE, _SUGGESTION):
            del st.session_state[key]
    _server_moved_thresholds()


def set_group_thresholds(thresholds: dict[str, float]) -> None:
    """Set one threshold per group (Suggest) and switch to per-group mode; the preview moves to them."""
    st.session_state[THRESHOLD_MODE] = MODE_PER_GROUP
    for label, value in thresholds.items():
        st.session_state[group_threshold_key(label)] = value
    _server_moved_thresholds()


def store_settled_thresholds(settled: dict[str, Any], labels: Sequence[str]) -> None:
    """Keep the thresholds a preview settled on (``{mode, global, groups: {label: value}, revision}``) where every page
    reads them; a value that is not a number, or a group that is not one of ``labels``, is ignored, and so is a move
    made before the server last set the thresholds (another ``revision``: Suggest or Reset came after it)."""
    if settled.get("revision") != preview_revision():
        return
    def number(value: Any) -> float | None:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None

    if settled.get("mode") in (MODE_GLOBAL, MODE_PER_GROUP):
        st.session_state[THRESHOLD_MODE] = settled["mode"]
    if number(settled.get("global")) is not None:
        st.session_state[THRESHOLD] = number(settled["global"])
    groups = settled.get("groups") if isinstance(settled.get("groups"), dict) else {}
    for label in labels:
        if number(groups.get(label)) is not None:
            st.session_state[group_threshold_key(label)] = number(groups[label])


def preview_revision() -> int:
    """Bumped each time the server sets the thresholds (Suggest, Reset, another audit): an open preview moves to them."""
    return int(st.session_state.get(_PREVIEW_REVISION, 0))


def _server_moved_thresholds() -> None:
    st.session_state[_PREVIEW_REVISION] = preview_revision() + 1


def chosen_thresholds(labels: list[str], default: float) -> float | dict[str, float]:
    """The thresholds the user has set: one float, or one per group in per-group mode."""
    if st.session_state.get(THRESHOLD_MODE, MODE_GLOBAL) == MODE_PER_GROUP:
        return {label: float(st.session_state.get(group_threshold_key(label), default)) for label in labels}
    return float(st.session_state.get(THRESHOLD, default))


def audit_settings(thresholds: float | dict[str, float] | None = None) -> AuditSettings:
    """The tolerance and the small-group minimum set on the Fairness page (with ``thresholds``), read once: every
    page and cached function takes this one value, so they all judge alike."""
    return AuditSettings(thresholds=thresholds, tolerance=float(st.session_state.get(TOLERANCE, DEFAULT_TOLERANCE)),
                         min_group_size=int(st.session_state.get(MIN_GROUP_SIZE, SMALL_GROUP_SIZE)))


def ask_refits(names: tuple[str, ...]) -> None:
    """A button's callback: the user asks for the refits of ``names`` (kept until :func:`take_refit_request`)."""
    st.session_state[_REFITS_ASKED] = {*st.session_state.get(_REFITS_ASKED, set()), names}


def take_refit_request(names: tuple[str, ...]) -> bool:
    """Whether the user asked for the refits of ``names`` since the last call (the request is used up)."""
    asked = st.session_state.get(_REFITS_ASKED, set())
    st.session_state[_REFITS_ASKED] = asked - {names}
    return names in asked


def remember_suggestion(suggestion) -> None:
    st.session_state[_SUGGESTION] = suggestion


def last_suggestion():
    return st.session_state.get(_SUGGESTION)


def remember_fixes(audit_key: str, constraint: str, fixes: list) -> None:
    """Keep the Fixes page's comparison for the Report page (of the same audit)."""
    st.session_state[_FIXES_COMPARED] = (audit_key, constraint, fixes)


def compared_fixes(audit_key: str) -> tuple[str, list] | None:
    """The constraint and fixes compared for this audit on the Fixes page, or ``None``."""
    kept = st.session_state.get(_FIXES_COMPARED)
    return (kept[1], kept[2]) if kept is not None and kept[0] == audit_key else None


@dataclass(frozen=True)
class AuditedSubgroup:
    """A subgroup the session audits against the rest: its conditions, the column added for it to a copy of the
    table, and the sensitive attributes and reference chosen before (restored when the user goes back)."""

    conditions: tuple[Any, ...]
    column: str
    sensitive_before: tuple[str, ...] | None
    reference_before: Any


def audit_subgroup(subgroup: AuditedSubgroup, *, reference: str) -> None:
    """Audit ``subgroup`` against the rest: its column becomes the sensitive attribute, ``reference`` the reference group."""
    st.session_state[_AUDITED_SUBGROUP] = subgroup
    st.session_state[SENSITIVE] = [subgroup.column]
    st.session_state[REFERENCE] = reference


def audited_subgroup() -> AuditedSubgroup | None:
    """The subgroup audited against the rest, or ``None``."""
    return st.session_state.get(_AUDITED_SUBGROUP)


def stop_auditing_subgroup() -> None:
    """Go back to the audit chosen before the subgroup (its sensitive attributes and reference)."""
    subgroup = st.session_state.pop(_AUDITED_SUBGROUP, None)
    if subgroup is None:
        return
    for key, value in ((SENSITIVE, list(subgroup.sensitive_before) if subgroup.sensitive_before else None),
                       (REFERENCE, subgroup.reference_before)):
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value


def request_page(name: str) -> None:
    """Ask, from a widget's callback, for the page ``name`` to open in the next run (see :func:`take_page_request`)."""
    st.session_state[_PAGE_REQUEST] = name


def take_page_request() -> str | None:
    """The page a callback asked for, once (``None`` when none was)."""
    return st.session_state.pop(_PAGE_REQUEST, None)


# Saved audits (fairdash.ui.saved): the Report page's save form, and the saved audit this session opened.
SAVE_TITLE = "save_title"
SAVE_FILES = "save_files"
COMPARE_BEFORE = "compare_before"
COMPARE_AFTER = "compare_after"
RENAME_TITLE = "rename_title"
SAVED_AUDIT = "saved_audit"  # the audit chosen on the Saved audits page
RENAME_OF = "rename_of"  # the saved audit the rename box was filled for
WIDGET_KEYS = WIDGET_KEYS + (SAVE_TITLE, SAVE_FILES, COMPARE_BEFORE, COMPARE_AFTER, RENAME_TITLE, SAVED_AUDIT)
# A delete confirmation belongs to one audit (confirm_delete_key): one given for an audit never deletes another. It is not
# kept beyond its page (not a WIDGET_KEYS key), and every audit's is forgotten when another audit is chosen
# (forget_delete_confirmations, the Audit box's on_change): Streamlit forgets an unshown widget only after a run that
# finished, and a run the page stops (two audits that cannot be compared) kept it.
_CONFIRM_DELETE_PREFIX = "confirm_delete_for_"
_OPENED_AUDIT = "opened_audit"  # the saved audit's id this session opened (from ?audit=ID), kept in the URL
_OPENED_AS = "opened_audit_as"  # (how it opened, the data the session showed then)
_LINKED_VIEW = "linked_view"  # a link to an audit shown read-only asked for the Saved audits page
_SAVE_OUTCOME = "save_outcome"  # what the last "Save this audit" / "Log to MLflow" click did, shown once
_PENDING_THRESHOLDS = "pending_thresholds"  # a saved audit's thresholds, until its audit can run (a model awaiting trust)


def confirm_delete_key(audit_id: str) -> str:
    """The widget key of the Saved audits page's delete confirmation for the audit ``audit_id``."""
    return f"{_CONFIRM_DELETE_PREFIX}{audit_id}"


def delete_confirmed(audit_id: str) -> bool:
    """Whether the user confirmed deleting this very audit."""
    return bool(st.session_state.get(confirm_delete_key(audit_id)))


def forget_delete_confirmations() -> None:
    """The Saved audits page's Audit box's ``on_change``: every audit's delete confirmation is forgotten (coming back to an
    audit, its Delete is disabled until confirmed again)."""
    for key in [key for key in st.session_state.keys() if str(key).startswith(_CONFIRM_DELETE_PREFIX)]:
        del st.session_state[key]


def opened_audit() -> str | None:
    """The id of the saved audit this session opened, or ``None``."""
    return st.session_state.get(_OPENED_AUDIT)


def remember_opened_audit(audit_id: str | None, *, status: str = "live", identity: str | None = None) -> None:
    """The link this session follows (``None``: none), how it opened (``"live"``, ``"read_only"``, ``"unknown"``) and
    the data the session showed then (:func:`fairdash.ui.saved.data_identity`)."""
    st.session_state[_OPENED_AUDIT] = audit_id
    st.session_state[_OPENED_AS] = (status, identity) if audit_id is not None else (None, None)


def request_linked_view() -> None:
    """Ask for the Saved audits page to open before the next page runs (a link to an audit shown read-only)."""
    st.session_state[_LINKED_VIEW] = True


def take_linked_view_request() -> bool:
    """Whether a link asked for the Saved audits page, once."""
    return bool(st.session_state.pop(_LINKED_VIEW, False))


def opened_audit_as() -> tuple[str | None, str | None]:
    """How the followed link opened and the data the session showed then (``(None, None)`` without a link)."""
    return st.session_state.get(_OPENED_AS, (None, None))


def restore_upload(kind: str, name: str, file_id: str, content: bytes) -> None:
    """Put a file kept with a saved audit where an upload of ``kind`` is kept (what went with the last one is forgotten:
    a model restored this way starts untrusted)."""
    _forget_what_went_with(kind)
    st.session_state[_UPLOADS[kind][1]] = UploadedFile(name=name, file_id=file_id, content=content)


def set_pending_thresholds(thresholds: Any, tolerance: float, min_group_size: int) -> None:
    """A saved audit's settings, to apply once its audit runs (:func:`pending_thresholds`)."""
    st.session_state[_PENDING_THRESHOLDS] = (thresholds, tolerance, min_group_size)


def pending_thresholds() -> tuple[Any, float, int] | None:
    return st.session_state.get(_PENDING_THRESHOLDS)


def pin_thresholds(audit_id: str, thresholds: float | dict[str, float], tolerance: float, min_group_size: int) -> None:
    """Set the Fairness page's thresholds, tolerance and small-group minimum, as belonging to the audit ``audit_id``
    (so that :func:`reset_thresholds_if_audit_changed` keeps them)."""
    reset_thresholds()
    if isinstance(thresholds, dict):
        set_group_thresholds({str(label): float(value) for label, value in thresholds.items()})
    else:
        st.session_state[THRESHOLD_MODE] = MODE_GLOBAL
        st.session_state[THRESHOLD] = float(thresholds)
    st.session_state[TOLERANCE] = float(tolerance)
    st.session_state[MIN_GROUP_SIZE] = int(min_group_size)
    st.session_state[_THRESHOLDS_BELONG_TO] = audit_id
    st.session_state.pop(_PENDING_THRESHOLDS, None)


def set_save_outcome(kind: str, text: str) -> None:
    """What a save or log click did (``"saved"`` and the id, ``"logged"`` and a sentence, ``"error"`` and the message)."""
    st.session_state[_SAVE_OUTCOME] = (kind, text)


def pop_save_outcome() -> tuple[str, str] | None:
    """The outcome of the last click, once (the next run shows nothing)."""
    return st.session_state.pop(_SAVE_OUTCOME, None)


_DRAFT = "draft"  # (draft id, the settings last written, the uploads' file ids written): the tab's unsaved work
_OFFERED_DRAFT = "offered_draft"


def draft() -> tuple[str, str, str] | None:
    """The tab's draft (:mod:`fairdash.ui.drafts`): its id, the settings text last written, the uploads written with it."""
    return st.session_state.get(_DRAFT)


def remember_draft(draft_id: str, written: str, files_key: str) -> None:
    st.session_state[_DRAFT] = (draft_id, written, files_key)


def offered_draft_id(new_id: Callable[[], str]) -> str:
    """The draft id this session offers a tab that has none yet (made once, by ``new_id``)."""
    return st.session_state.setdefault(_OFFERED_DRAFT, new_id())
