"""The fixes compared, as a result to hand on: a table, JSON, and a self-contained HTML page."""

from __future__ import annotations

import datetime as _datetime
import html
from typing import Any, Mapping, Sequence

import pandas as pd

from fairdash.engine.intervals import DISPARITY_INTERVAL_METHOD
from fairdash.present import plots
from fairdash.present.document import groups_json, json_number, versions
from fairdash.present.page import definition_list, html_page, section, table_html
from fairdash.present.sentences import suggestion_sentence

__all__ = [
    "fixes_json",
    "fixes_table",
    "fixes_html",
    "fixes_content",
    "learnt_on",
    "LEARNT_ON",
    "IN_SAMPLE_NOTE",
    "estimate_text",
    "fix_error",
    "unmet_message",
]


def fix_error(fix: Any) -> str | None:
    """Why ``fix`` could not be made, in plain words (``None`` when it was): a refit's error as it came, or what the
    thresholds fix's search found (:func:`~fairdash.present.sentences.suggestion_sentence` of its ``suggestion``)."""
    if fix.error is not None and fix.suggestion is not None:
        return suggestion_sentence(fix.suggestion)
    return fix.error


def unmet_message(fixes: Sequence[Any], constraint: str, tolerance: float) -> str | None:
    """A plain sentence when no fix that was made brings the constraint's disparity within ``tolerance``
    (:func:`fairdash.fixes.compare.constraint_met`); ``None`` when one does."""
    from fairdash.fixes.compare import constraint_met, made_fixes

    if constraint_met(fixes, constraint, tolerance):
        return None
    tried = ", ".join(fix.title for fix in made_fixes(fixes)) or "none could be made"
    return (
        f"No fix brings the {constraint.replace('_', ' ')} difference within {tolerance:g} (tried: {tried}). "
        "Look at the chart for the best trade-off, or allow a larger difference."
    )


def fixes_json(
    fixes: Sequence[Any], *, constraint: str, data_name: str = "data", train_name: str | None = None
) -> dict[str, Any]:
    """The comparison of :func:`fairdash.fixes.compare.compare_fixes` as a JSON-ready dict.

    ``settings`` (data, training table, constraint) and ``fixes``: one object per fix with ``name``
    (``original``, ``thresholds``, ``reweighing``, ``reductions``, ``unawareness``, ``other_model``),
    ``title``, ``bound`` (reductions; null for the others), ``accuracy``, ``balanced_accuracy``, ``auc``,
    ``disparities`` and ``disparity_intervals`` (as in the audit's JSON), ``groups`` (the audit's per-group
    table), ``thresholds``, ``training_seconds``, ``in_sample`` (true when the fix was tuned on the very rows it is
    judged on: the thresholds fix without training rows with scores), and ``error`` (why the fix could not be made, or null).
    Every fix has every key: one that could not be made has each figure null, its ``disparities``,
    ``disparity_intervals`` and ``groups`` keeping the names a made fix has (so a reader needs no
    check of ``error`` before looking a figure up).
    """
    figures = [_fix_figures(fix) for fix in fixes]
    # Every fix is judged on the same rows, so a made fix's figures give the shape of those not made.
    shape = next((entry for entry in figures if entry is not None), None)
    entries = [
        {
            "name": fix.name,
            "title": fix.title,
            "bound": json_number(fix.bound),
            "in_sample": bool(fix.in_sample),
            **(entry if entry is not None else _nulled(shape if shape is not None else dict.fromkeys(_FIX_FIGURES))),
            "error": fix_error(fix),
        }
        for fix, entry in zip(fixes, figures)
    ]
    return {
        "settings": {"data": data_name, "train": train_name, "constraint": constraint},
        "fixes": entries,
        "versions": versions(),
        "created": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
    }


_FIX_FIGURES = (
    "accuracy",
    "balanced_accuracy",
    "auc",
    "disparities",
    "disparity_intervals",
    "groups",
    "thresholds",
    "training_seconds",
)


def _fix_figures(fix: Any) -> dict[str, Any] | None:
    """A made fix's figures as JSON (the keys of :data:`_FIX_FIGURES`); ``None`` for a fix not made."""
    if fix.error is not None:
        return None
    return dict(
        accuracy=json_number(fix.accuracy),
        balanced_accuracy=json_number(fix.balanced_accuracy),
        auc=json_number(fix.auc),
        disparities={name: json_number(value) for name, value in fix.disparities.items()},
        disparity_intervals={
            name: [json_number(row["lower"]), json_number(row["upper"])] for name, row in fix.intervals.disparities.iterrows()
        },
        groups=groups_json(fix.table),
        thresholds=(
            {str(k): json_number(v) for k, v in fix.thresholds.items()}
            if isinstance(fix.thresholds, Mapping)
            else json_number(fix.thresholds)
        ),
        training_seconds=json_number(round(fix.seconds, 3)),
    )


def _nulled(value: Any) -> Any:
    """``value`` with every number (or text) replaced by null: objects keep their keys, lists their length."""
    if isinstance(value, dict):
        return {key: _nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled(item) for item in value]
    return None


LEARNT_ON = {"training": "the training rows", "in_sample": "the audited rows (in sample)", "none": ""}
"""Where each fix learnt what it changes: the table's column ``learnt on``."""

IN_SAMPLE_NOTE = (
    "The thresholds fix was tuned on the audited rows themselves (there are no training rows with the model's "
    "scores: a table of scores, or no training table), so its figures are in sample and flatter it beside "
    "the refits, which learn on the training rows and are judged on these."
)
"""Said under the comparison when a fix is in sample."""


def learnt_on(fix: Any) -> str:
    """Where ``fix`` learnt (see :data:`LEARNT_ON`): the original and another model learn nothing here."""
    if fix.in_sample:
        return LEARNT_ON["in_sample"]
    return LEARNT_ON["training"] if fix.name in ("thresholds", "reweighing", "reductions", "unawareness") else LEARNT_ON["none"]


def fixes_table(fixes: Sequence[Any], disparity: str) -> pd.DataFrame:
    """One row per fix: where it learnt, accuracy, balanced accuracy, AUC, the chosen disparity with its interval,
    each group's selection rate, training time; a fix that could not be made shows why."""
    rows = []
    for fix in fixes:
        row: dict[str, Any] = {"fix": fix.title, "learnt on": learnt_on(fix)}
        if fix.error is None:
            low, high = fix.intervals.disparities.loc[disparity, ["lower", "upper"]]
            value = fix.disparities[disparity]
            row.update(
                {
                    "accuracy": fix.accuracy,
                    "balanced accuracy": fix.balanced_accuracy,
                    "AUC": float("nan") if fix.auc is None else fix.auc,  # no score to rank by: per-group thresholds
                    disparity.replace("_", " "): "undefined" if pd.isna(value) else f"{value:.3f} [{low:.3f}, {high:.3f}]",
                }
            )
            row.update({f"selected: {label}": rate for label, rate in fix.table["selection_rate"].items()})
            row["training (s)"] = round(fix.seconds, 2) if fix.seconds else None
        else:
            row["not made"] = fix_error(fix)
        rows.append(row)
    return pd.DataFrame(rows).set_index("fix")


def fixes_html(fixes: Sequence[Any], *, constraint: str, data_name: str = "data") -> str:
    """The comparison as one self-contained HTML page: the trade-off chart and the table, for the
    disparity the constraint aims at."""
    from fairdash.fixes.compare import CONSTRAINT_DISPARITY

    disparity = CONSTRAINT_DISPARITY[constraint]
    return html_page(
        f"Fixes compared: {data_name}",
        [
            section(
                "Settings",
                definition_list(
                    [
                        ("Data", data_name),
                        ("Constraint", constraint.replace("_", " ")),
                        ("Disparity shown", disparity.replace("_", " ")),
                    ]
                ),
            ),
            section("Every fix on the same rows", fixes_content(fixes, constraint)),
        ],
        made_by="fairdash fixes",
    )


def fixes_content(fixes: Sequence[Any], constraint: str) -> str:
    """The trade-off chart and the table of fixes, as HTML (plotly.js is on the page already)."""
    from fairdash.fixes.compare import CONSTRAINT_DISPARITY

    disparity = CONSTRAINT_DISPARITY[constraint]
    figure = plots.fixes_tradeoff(fixes, disparity)
    table = fixes_table(fixes, disparity)
    numbers = table.select_dtypes("number").columns
    shown = table.assign(**{column: table[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}") for column in numbers})
    return (
        plots.chart_html(figure)
        + table_html(shown)
        + f"<p>Intervals of the disparity: {html.escape(DISPARITY_INTERVAL_METHOD)}.</p>"
        + (f"<p>{html.escape(IN_SAMPLE_NOTE)}</p>" if any(fix.in_sample for fix in fixes) else "")
    )


def estimate_text(estimate: Any) -> str:
    """A :class:`~fairdash.fixes.compare.RefitEstimate` in words: "about 3 min (estimated from one fit of 12.0 s,
    times 15 fits)"."""
    seconds = estimate.seconds
    about = f"about {max(1, round(seconds / 60))} min" if seconds >= 90 else f"about {max(1, round(seconds))} s"
    return f"{about} (estimated from one fit of {estimate.timed_seconds:.1f} s, times {estimate.fits} fit{'s' if estimate.fits != 1 else ''})"
