"""Counterfactuals and recourse as they are handed on: JSON documents and the report's section (shown, never computed)."""

from __future__ import annotations

import html
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from fairdash.engine.metrics import rule_text
from fairdash.engine.undefined import Undefined
from fairdash.explain.counterfactuals import Counterfactuals
from fairdash.explain.recourse import Recourse
from fairdash.present.document import json_number
from fairdash.present.page import table_html
from fairdash.present.sentences import recourse_rows, undefined_text
from fairdash.present.text import NO_RULE, verdict_word

__all__ = [
    "counterfactuals_json",
    "recourse_json",
    "recourse_html",
    "recourse_groups_table",
    "time_left",
    "duration_text",
    "SearchPace",
]


def _value(value: Any) -> Any:
    """A data value as JSON: numbers safe (NaN is null), anything else as it is (``json_text`` turns the rest to text)."""
    return json_number(value) if not isinstance(value, str) else value


def _changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    return {str(column): [_value(before), _value(after)] for column, (before, after) in changes.items()}


def counterfactuals_json(result: Counterfactuals) -> dict[str, Any]:
    """``row``, ``score``, ``threshold``, ``decision``, ``counterfactuals`` (each ``{changes: {column: [from, to]}, score,
    distance}``, nearest first), ``nearest_real_row`` (or null), ``held``, ``distance`` (its definition), ``evaluated``
    and ``reason`` (why none was found, or null)."""
    nearest = result.nearest
    return {
        "row": _value(result.row),
        "score": json_number(result.score),
        "threshold": json_number(result.threshold),
        "decision": "selected" if result.selected else "not selected",
        "counterfactuals": [
            {"changes": _changes(found.changes), "score": json_number(found.score), "distance": json_number(found.distance)}
            for found in result.found
        ],
        "nearest_real_row": None
        if nearest is None
        else {
            "row": _value(nearest.row),
            "score": json_number(nearest.score),
            "distance": json_number(nearest.distance),
            "changes": _changes(nearest.changes),
            "same_held_features": nearest.same_held,
        },
        "held": list(result.held),
        "distance": result.distance,
        "evaluated": result.evaluated,
        "reason": result.reason,
    }


def recourse_json(recourse: Recourse) -> dict[str, Any]:
    """``distance`` (its definition), ``rows`` (which rows were searched), ``groups`` (group -> ``denied``, ``searched``,
    ``found``, ``none_found``, ``burden``, ``interval``), ``disparities`` (``recourse_burden_difference``,
    ``recourse_burden_ratio``), ``disparity_intervals`` and ``findings`` (value, rule, passed, undefined)."""
    groups = {
        str(label): {
            "denied": int(row["denied"]),
            "searched": int(row["searched"]),
            "found": int(row["found"]),
            "none_found": json_number(row["none_found"]),
            "burden": json_number(row["burden"]),
            "interval": [json_number(row["lower"]), json_number(row["upper"])],
        }
        for label, row in recourse.groups.iterrows()
    }
    findings = recourse.findings
    return {
        "distance": recourse.distance,
        "rows": {
            "denied": recourse.denied,
            "searched": recourse.searched,
            "sampled": recourse.sampled,
            "seed": recourse.random_state,
            "evaluated": recourse.evaluated,
            "described": recourse_rows(recourse),
        },
        "groups": groups,
        "groups_left_out_of_disparities": list(recourse.left_out),
        "disparities": {name: json_number(value) for name, value in recourse.disparities.items()},
        "disparity_intervals": {
            name: [json_number(row["lower"]), json_number(row["upper"])] for name, row in findings.iterrows()
        },
        "findings": {
            name: {
                "value": json_number(row["value"]),
                "rule": row["rule"] if isinstance(row["rule"], dict) else None,
                "passed": bool(row["passed"]) if isinstance(row["passed"], (bool, np.bool_)) else None,
                "undefined": undefined_text(row["undefined"]) if isinstance(row["undefined"], Undefined) else None,
            }
            for name, row in findings.iterrows()
        },
    }


def recourse_groups_table(recourse: Recourse) -> pd.DataFrame:
    """The per-group table in words and rounded figures (a page or the report shows it)."""
    table = recourse.groups.copy()
    table["none found"] = table.pop("none_found").map(lambda value: "" if value != value else f"{value:.1%}")
    table["burden (95% interval)"] = [
        "undefined (no counterfactual found)" if burden != burden else f"{burden:.3g} ({lower:.3g} - {upper:.3g})"
        for burden, lower, upper in zip(table.pop("burden"), table.pop("lower"), table.pop("upper"))
    ]
    return table.rename(columns={"denied": "turned down"})


def recourse_html(recourse: Recourse) -> str:
    """The report's section: the distance, which rows, the table per group and the two disparities with their verdicts."""
    lines = []
    for name, row in recourse.findings.iterrows():
        if row["undefined"]:
            text = f"undefined: {undefined_text(row['undefined'])}"
        else:
            verdict = verdict_word(row, loud=True, no_rule=NO_RULE)
            rule = f" ({rule_text(row['rule'])})" if row["rule"] else ""
            text = f"{row['value']:.3g} (95% interval {row['lower']:.3g} - {row['upper']:.3g}): {verdict}{rule}"
        lines.append(f"<li><strong>{html.escape(name)}</strong>: {html.escape(text)}</li>")
    left_out = (
        f"<p>Left out of the disparities (under {recourse.min_group_size} rows with a counterfactual found): "
        f"{html.escape(', '.join(recourse.left_out))}</p>"
        if recourse.left_out
        else ""
    )
    return (
        f"<p>Distance: {html.escape(recourse.distance)}. Rows: {html.escape(recourse_rows(recourse))}.</p>"
        + table_html(recourse_groups_table(recourse))
        + f"<ul>{''.join(lines)}</ul>"
        + left_out
        + "<p>A group's burden is the mean distance from its turned-down rows to the nearest counterfactual found "
        "(the sensitive attributes held); rows with none found within the search budget are counted apart.</p>"
    )


def time_left(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the pace measured so far (``elapsed`` seconds for ``done`` of ``total`` rows); None before a row is done."""
    if done <= 0:
        return None
    return elapsed / done * max(0, total - done)


def duration_text(seconds: float) -> str:
    """``7`` -> ``"7 s"``, ``84.4`` -> ``"1 min 24 s"``, ``3720`` -> ``"1 h 2 min"``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class SearchPace:
    """The progress text of a search over rows: the rows done of the total, the time taken, and the time left at the pace
    measured so far (nothing guessed before the first batch is measured). ``clock`` is read at start and at each call."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.clock, self.start = what, clock, clock()

    def __call__(self, done: int, total: int) -> str:
        elapsed = self.clock() - self.start
        left = time_left(done, total, elapsed)
        if left is None:
            return f"Searching {total:,} {self.what}: the time left is measured on the first ones"
        text = f"Searched {done:,} of {total:,} {self.what} in {duration_text(elapsed)}"
        return text + (f"; about {duration_text(left)} left at that pace" if done < total else "")
