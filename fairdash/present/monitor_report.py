"""The monitor and the engine's audit as a result to hand on: JSON and a self-contained HTML page."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from fairdash.monitor.windows import Monitor
from fairdash.present.sentences import alert_text, monitor_note_text

__all__ = ["monitor_notes", "monitor_json", "monitor_html", "engine_audit_json", "engine_audit_html"]


def monitor_notes(result: Monitor) -> list[str]:
    """What a reader should know about the log, in words: the monitor's notes, and the windows whose groups each have one
    outcome only (:attr:`Monitor.one_outcome`)."""
    notes = [monitor_note_text(note) for note in result.notes]
    if result.one_outcome:
        starts = [str(start.date()) for start in result.one_outcome]
        listed = ", ".join(starts[:6]) + (f" and {len(starts) - 6} more" if len(starts) > 6 else "")
        notes.append(
            f"In the window(s) starting {listed}, every group's known outcomes are all the same (base rate 0 or 1): "
            "rows chosen by their outcome (a filter, outcomes recorded only one way)? Their outcome-based figures "
            "(true and false positive rates, precision) and any change against them say more about how the rows were "
            "chosen than about the model."
        )
    return notes


def monitor_json(result: Monitor) -> dict[str, Any]:
    """The monitor as a JSON-ready dict: ``settings``, ``windows`` (time order: ``start`` as an ISO date,
    ``rows``, ``pending``, ``groups`` and ``disparities`` as in the audit's JSON, ``disparity_intervals``,
    ``intervals``, ``psi``) and ``alerts`` (``window``, ``disparity``, ``kind``: "gate" where the disparity fails its
    gate, "change" where it changed from the baseline beyond chance, ``value``, ``reason``); ``settings.notes`` in words
    and ``one_outcome_windows`` (the starts of windows whose groups each have one outcome only)."""
    from fairdash.present.document import json_number, result_json

    spec = result.counts.spec
    windows = []
    for window in result.windows:
        windows.append(
            {
                "start": window.start.date().isoformat(),
                "rows": window.rows,
                "pending": window.pending,
                "groups_left_out_of_disparities": list(window.left_out),
                "unknown_outcomes": window.unknown_share,
                **result_json(window.result),
                "psi": {str(label): json_number(value) for label, value in window.psi.items()},
            }
        )
    return {
        "settings": {
            "time": spec.time,
            "window": spec.window,
            "target": spec.target,
            "positive_label": str(spec.positive_label),
            "sensitive": list(spec.sensitive),
            "score": spec.score,
            "decision": spec.decision,
            "threshold": result.threshold,
            "tolerance": result.tolerance,
            "min_group_size": result.windows[0].result.settings.min_group_size if result.windows else None,
            "baseline": result.baseline.date().isoformat(),
            "engine": result.counts.engine,
            "rows": result.counts.rows,
            "rows_left_out": result.counts.dropped,
            "notes": monitor_notes(result),
        },
        "one_outcome_windows": [start.date().isoformat() for start in result.one_outcome],
        "windows": windows,
        "alerts": [
            {
                "window": alert["window"].date().isoformat(),
                "disparity": alert["disparity"],
                "kind": alert["kind"],
                "value": json_number(alert["value"]),
                "reason": alert_text(alert["reason"]),
            }
            for alert in result.alerts
        ],
    }


def monitor_html(result: Monitor) -> str:
    """The monitor as one self-contained HTML page: each disparity over time, the group mix, the score
    drift, and the alerts."""
    from fairdash.present import plots
    from fairdash.present.page import definition_list, html_page, section, table_html

    spec = result.counts.spec
    notes = monitor_notes(result)
    rules = result.windows[0].result.settings.rules  # the rules every window was judged by
    shown = ("demographic_parity_ratio", "demographic_parity_difference", "equalized_odds_difference")
    figures = [
        plots.disparity_over_time(result, name, gate=next(iter(rule.values())) if rule else None)
        for name, rule in ((name, rules[name]) for name in shown)
    ]
    figures += [plots.group_mix(result), plots.score_drift(result)]
    charts = "\n".join(plots.chart_html(figure) for figure in figures)
    alerts = pd.DataFrame(
        [
            {
                "window": str(alert["window"].date()),
                "disparity": alert["disparity"].replace("_", " "),
                "kind": alert["kind"],
                "value": f"{alert['value']:.3f}",
                "reason": alert_text(alert["reason"]),
            }
            for alert in result.alerts
        ]
    )
    settings = [
        ("Log", f"{result.counts.rows:,} rows ({result.counts.engine})"),
        ("Time", f"{spec.time}, by {spec.window}"),
        ("Target", f"{spec.target} = {spec.positive_label}"),
        ("Sensitive", " × ".join(spec.sensitive)),
        ("Decisions", f"{spec.score} >= {result.threshold:g}" if spec.score else f"{spec.decision}"),
        ("Baseline window", str(result.baseline.date())),
    ]
    return html_page(
        "Fairness over time",
        [
            section("Settings", definition_list(settings)),
            section("Alerts", table_html(alerts, index=False) if len(alerts) else "<p>No alert.</p>"),
            *([section("Notes", "".join(f"<p>{escape(note)}</p>" for note in notes))] if notes else []),
            section("Over time", charts),
        ],
        made_by="fairdash monitor",
    )


def engine_audit_json(result: Monitor, *, data_name: str = "data") -> dict[str, Any]:
    """An audit counted by the engine (one window, see :func:`count_table`) as JSON, with the audit's keys
    where they apply: ``settings``, ``data``, ``groups``, ``overall``, ``intervals``, ``overall_intervals``,
    ``disparities``, ``disparity_intervals``, ``findings``, ``thresholds``, ``versions``."""
    from fairdash.present.document import versions

    document = monitor_json(result)
    (window,), settings = document["windows"], document["settings"]
    return {
        "settings": {
            "data": data_name,
            "model": None,
            "target": settings["target"],
            "positive_label": settings["positive_label"],
            "sensitive": settings["sensitive"],
            "score": settings["score"],
            "tolerance": settings["tolerance"],
            "min_group_size": settings["min_group_size"],
            "engine": settings["engine"],
            "groups_left_out_of_disparities": window["groups_left_out_of_disparities"],
        },
        "data": {
            "rows": window["rows"],
            "rows_without_outcome": int(result.windows[0].table["unknown"].sum()),
            "rows_left_out": settings["rows_left_out"],
        },
        **{
            key: window[key]
            for key in ("groups", "overall", "intervals", "overall_intervals", "disparities", "disparity_intervals", "findings")
        },
        "thresholds": result.threshold,
        "versions": versions(),
    }


def engine_audit_html(result: Monitor) -> str:
    """An audit counted by the engine as a self-contained HTML page: the disparities with verdicts and the metric table."""
    from fairdash.present.page import definition_list, findings_html, html_page, section, table_html
    from fairdash.present.text import formatted_table

    spec = result.counts.spec
    (window,) = result.windows
    settings = [
        ("Rows", f"{window.rows:,} (counted by {result.counts.engine}, no row read into memory)"),
        ("Target", f"{spec.target} = {spec.positive_label}"),
        ("Sensitive", " × ".join(spec.sensitive)),
        ("Decisions", f"{spec.score} >= {result.threshold:g}"),
        ("Left out of the disparities (too small)", ", ".join(window.left_out) or "none"),
    ]
    return html_page(
        "Fairness audit",
        [
            section("Settings", definition_list(settings)),
            section("Disparities", findings_html(window.findings, window.disparity_bounds)),
            section("Metrics by group", table_html(formatted_table(window.table.drop(columns=["unknown"])))),
        ],
        made_by="fairdash audit",
        charts=False,
    )
