"""Over time: fairness of a decision log by window, counted where the rows are (DuckDB or Spark)."""

import importlib.util
import shutil

import streamlit as st

from fairdash.engine.spec import default_positive_label
from fairdash.engine.result import AuditSettings
from fairdash.monitor.engines import WINDOWS, LogCounts, MonitorSpec
from fairdash.monitor.logs import COMPAS_MONITOR
from fairdash.monitor.windows import Monitor
from fairdash.present import plots
from fairdash.present.document import json_text
from fairdash.present.monitor_report import monitor_html, monitor_json, monitor_notes
from fairdash.present.sentences import alert_text, settings_text
from fairdash.present.text import formatted_table
from fairdash.ui import cache, keys, state, thresholds_state, uploads
from fairdash.ui.threshold_controls import threshold_slider
from fairdash.ui.widgets import chart, inside_frame, md, stop_page, user_errors_shown


@st.fragment
def judged_over_time(counts: LogCounts, counts_key: str, spec: MonitorSpec, engine: str) -> None:
    """Everything the threshold and the baseline decide: a move reruns this part only, never the log's
    reading and counting above it (the counts come in; the rows are not looked at again)."""
    state.keep_widget_values()  # a fragment's rerun forgets other pages' choices unless kept, as app.py keeps them on a full run
    window = spec.window
    with user_errors_shown():
        # 3. The threshold and the baseline: counts only from here on.
        left, right = st.columns(2)
        threshold = None
        if spec.score is not None:
            # The slider offers only thresholds whose decisions the counts hold exactly (each score value, or the grid).
            scale = counts.bins.slider()
            default_threshold = counts.bins.default_threshold
            with left:
                threshold_slider(
                    "Threshold: selected when score >= threshold",
                    keys.LOG_THRESHOLD,
                    scale,
                    scale.snap(default_threshold if default_threshold is not None else (scale.minimum + scale.maximum) / 2),
                )
            threshold = float(state.get(keys.LOG_THRESHOLD))
        starts = [str(start.date()) for start in counts.windows]
        state.ensure_choice(keys.LOG_BASELINE, starts, starts[0])
        baseline = right.selectbox("Baseline window (for the change test and the score drift)", starts, key=keys.LOG_BASELINE)
        settings = thresholds_state.audit_settings(threshold)  # the Fairness page's tolerance and small-group choice
        result = cache.monitored(counts_key, counts, threshold, settings, baseline)

    dropped = {reason: count for reason, count in counts.dropped.items() if count}
    st.caption(
        f"{counts.rows:,} rows in {len(result.windows)} windows of a {window}, counted by {engine}"
        + (f"; left out: {', '.join(f'{count:,} with {reason}' for reason, count in dropped.items())}" if dropped else "")
        + f". Judged as on the Fairness page: {settings_text(settings)} (in each window)."
    )

    for note in monitor_notes(result):
        st.info(md(note), icon=":material/info:")

    # 4. Alerts.
    st.subheader("Alerts")
    if not result.alerts:
        st.success(
            "No alert: every disparity stays within the gate and none changed from the baseline beyond chance.",
            icon=":material/check:",
        )
    for alert in result.alerts:
        st.warning(
            f"**{alert['window'].date()}**, {md(alert['disparity'].replace('_', ' '))}: {md(alert_text(alert['reason']))}",
            icon=":material/notifications:",
        )
    pending = [str(window.start.date()) for window in result.windows if window.pending]
    if pending:
        st.caption(
            f"Outcomes mostly not in yet in {', '.join(pending)}: drawn hollow; their selection rates stand, their outcome-based figures are provisional."
        )

    shown_over_time(result, settings, starts)


def shown_over_time(result: Monitor, settings: AuditSettings, starts: list[str]) -> None:
    """The charts, one window's table and the downloads (inside the fragment: a disparity or window choice reruns it)."""
    # 5. Pictures.
    # Each disparity with a rule, and the limit its gate line is drawn at (the rules the verdicts were decided by).
    names = {name: next(iter(rule.values())) for name, rule in settings.rules.items() if rule is not None}
    state.set_default(keys.LOG_DISPARITY, "demographic_parity_ratio")
    name = (
        st.segmented_control("Disparity", list(names), key=keys.LOG_DISPARITY, format_func=lambda key: key.replace("_", " "))
        or "demographic_parity_ratio"
    )
    chart(plots.disparity_over_time(result, name, gate=names[name]), key=keys.OVER_TIME_CHART)
    st.caption(
        "The band is the disparity's interval (at least 95%); a gap in the line is a window where fewer than two groups "
        + (f"have {settings.min_group_size} rows" if settings.min_group_size else "are present")
        + " (or, for outcome-based disparities, a defined rate), so the disparity is undefined there."
    )
    left, right = st.columns(2)
    chart(plots.group_mix(result), key=keys.GROUP_MIX_CHART, place=left)
    chart(plots.score_drift(result), key=keys.SCORE_DRIFT_CHART, place=right)

    # 6. One window's table.
    state.ensure_choice(keys.LOG_SHOWN_WINDOW, starts, starts[-1])
    shown = st.selectbox("Metrics of the window starting", starts, key=keys.LOG_SHOWN_WINDOW)
    window_result = result.windows[starts.index(shown)]
    st.dataframe(formatted_table(window_result.table.drop(columns=["unknown"])), width="stretch")

    left, right = st.columns(2)
    left.download_button(
        "Download the windows and alerts (JSON)",
        data=json_text(monitor_json(result)),
        file_name="fairdash-over-time.json",
        mime="application/json",
        icon=":material/download:",
    )
    right.download_button(
        "Download the charts (HTML)",
        data=monitor_html(result),
        file_name="fairdash-over-time.html",
        mime="text/html",
        icon=":material/download:",
    )


inside_frame()
st.title("Over time")
st.caption(
    "A decision log (a time, the model's score or decision, the sensitive attributes, and the outcome where it is known) "
    "judged window by window. The rows are counted once; moving the threshold re-reads none of them."
)

# 1. Which log.
state.set_default(keys.LOG_SOURCE, "demo")
source = (
    st.segmented_control(
        "Log",
        ["demo", "upload"],
        key=keys.LOG_SOURCE,
        format_func={"demo": "COMPAS by screening date (demo)", "upload": "My own log"}.get,
    )
    or "demo"
)
with user_errors_shown():
    if source == "demo":
        log, log_id, default = cache.compas_log(), "demo:compas", COMPAS_MONITOR
    else:
        uploaded = st.file_uploader(
            "Decision log (CSV or Parquet)",
            type=["csv", "parquet", "gz"],
            key=keys.LOG_UPLOADER,
            on_change=uploads.forget_removed_upload,
            args=("log",),
        )
        uploads.remember_upload("log", uploaded)
        kept = uploads.uploaded("log")
        if kept is None:
            st.info(
                "Upload a log to monitor, or choose the demo. (Logs beyond memory: `python -m fairdash monitor`, which reads "
                "Parquet folders and DuckDB databases in place, or on Spark.)",
                icon=":material/info:",
            )
            stop_page()
        log, log_id = cache.uploaded_table(kept.file_id, kept.name, kept.content), kept.file_id
        guess = cache.guessed_spec(log_id, log, None, None)  # once per upload, not on every threshold move
        times = [column for column in log.columns if "date" in str(column).lower() or "time" in str(column).lower()] or list(
            log.columns
        )
        default = MonitorSpec(
            time=times[0],
            target=guess.target,
            positive_label=guess.positive_label,
            sensitive=guess.sensitive[:1] or (log.columns[0],),
            score=guess.score or log.columns[-1],
        )

    # 2. What is what (the demo's choices are set; an upload's are guessed, then chosen).
    columns = list(log.columns)
    left, middle, right = st.columns(3)
    state.ensure_choice(keys.LOG_TIME, columns, default.time)
    time_column = left.selectbox("Time", columns, key=keys.LOG_TIME)
    state.ensure_choice(keys.LOG_TARGET, columns, default.target)
    target = left.selectbox("Outcome (empty where not known yet)", columns, key=keys.LOG_TARGET)
    outcomes = sorted(cache.column_values(log_id, log, target), key=str)[:50]
    state.ensure_choice(
        keys.LOG_POSITIVE, outcomes, default.positive_label if target == default.target else default_positive_label(log[target])
    )
    positive = left.selectbox("Positive outcome", outcomes, key=keys.LOG_POSITIVE, format_func=md)
    state.ensure_choices(keys.LOG_SENSITIVE, columns, list(default.sensitive))
    sensitive = middle.multiselect("Sensitive attribute(s)", columns, key=keys.LOG_SENSITIVE)
    state.set_default(keys.LOG_DECISIONS, "score")
    kind = middle.radio(
        "The model's output",
        ["score", "decision"],
        key=keys.LOG_DECISIONS,
        horizontal=True,
        format_func={"score": "A score (with a threshold)", "decision": "A 0/1 decision"}.get,
    )
    numeric = [column for column in columns if str(log[column].dtype) not in ("object", "string", "str")] or columns
    state.ensure_choice(keys.LOG_SCORE, numeric, default.score if default.score in numeric else numeric[-1])
    output = middle.selectbox("Score column" if kind == "score" else "Decision column", numeric, key=keys.LOG_SCORE)
    state.set_default(keys.LOG_WINDOW, default.window)
    window = right.selectbox("Window", list(WINDOWS), key=keys.LOG_WINDOW)
    engines = ["duckdb"] + (["spark"] if importlib.util.find_spec("pyspark") and shutil.which("java") else [])
    state.ensure_choice(keys.LOG_ENGINE, engines, "duckdb")
    engine = right.selectbox(
        "Engine",
        engines,
        key=keys.LOG_ENGINE,
        format_func={"duckdb": "DuckDB (embedded)", "spark": "Apache Spark (local)"}.get,
        help="Both run the same query; Spark starts a local JVM (some seconds) and suits logs that live on a cluster.",
    )
    if not sensitive:
        st.info("Choose at least one sensitive attribute.", icon=":material/info:")
        stop_page()
    spec = MonitorSpec(
        time=time_column,
        target=target,
        positive_label=positive,
        sensitive=tuple(sensitive),
        window=window,
        score=output if kind == "score" else None,
        decision=output if kind == "decision" else None,
    )
    counts = cache.log_counts(log_id, log, spec, engine)
    counts_key = f"{log_id}|{spec!r}|{engine}"

judged_over_time(counts, counts_key, spec, engine)
