"""The data's balance and the disparities given a control factor, as JSON, tables for people, sentences and report
sections: shown, never computed (the numbers come from :mod:`fairdash.engine.balance` and
:mod:`fairdash.engine.conditional`)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from fairdash.engine.balance import DataBalance
from fairdash.engine.conditional import Conditional
from fairdash.engine.intervals import DISPARITY_INTERVAL_METHOD, RATE_INTERVAL_METHOD
from fairdash.engine.spec import band_labels
from fairdash.present.document import json_number, versions
from fairdash.present.page import definition_list, html_page, section, table_html
from fairdash.present.sentences import BALANCE_CORRECTION, CDD_INTERVAL_METHOD
from fairdash.present.text import for_people, percent

__all__ = [
    "RATE_WORDS",
    "balance_html",
    "balance_json",
    "cdd_table",
    "conditional_content",
    "conditional_json",
    "conditional_sentence",
    "conditional_sentences",
    "features_table",
    "groups_table",
    "representation_table",
    "strata_table",
]

RATE_WORDS = {"base_rate": "base rate (the labels' positive rate)", "selection_rate": "selection rate (the decisions')"}


def _pair(low: Any, high: Any) -> list[Any]:
    return [json_number(low), json_number(high)]


def conditional_json(conditional: Conditional) -> dict[str, Any]:
    """``{"control": [columns], "bins", "rate", "strata": {stratum: {group: {"rows", <rate>, "interval"}}}, "cdd": {group:
    value}, "cdd_intervals": {group: [lower, upper]}, "dd": {group: value}, "dd_intervals", "left_out": {stratum: why},
    "rows_used", "sentences": {group: text}, "method"}``."""
    strata: dict[str, dict[str, Any]] = {}
    for (stratum, group), row in conditional.strata.iterrows():
        strata.setdefault(str(stratum), {})[str(group)] = {
            "rows": int(row["rows"]),
            conditional.rate: json_number(row[conditional.rate]),
            "interval": _pair(row["lower"], row["upper"]),
        }
    cdd = conditional.cdd
    return {
        "control": list(conditional.control),
        "bins": {str(column): list(edges) for column, edges in conditional.bins.items()},
        "rate": conditional.rate,
        "strata": strata,
        "cdd": {str(group): json_number(value) for group, value in cdd["cdd"].items()},
        "cdd_intervals": {str(group): _pair(row["lower"], row["upper"]) for group, row in cdd.iterrows()},
        "dd": {str(group): json_number(value) for group, value in cdd["dd"].items()},
        "dd_intervals": {str(group): _pair(row["dd_lower"], row["dd_upper"]) for group, row in cdd.iterrows()},
        "left_out": dict(conditional.left_out),
        "rows_used": conditional.rows_used,
        "sentences": conditional_sentences(conditional),
        "method": f"{conditional.confidence:.0%} interval; {CDD_INTERVAL_METHOD}",
    }


def _points(value: float) -> str:
    return f"{abs(value) * 100:.1f} points"


def _direction(value: float) -> str:
    return "larger" if value > 0 else "smaller"


def conditional_sentence(group: str, row: pd.Series, control: str, confidence: float = 0.95) -> str:
    """Whether ``control`` accounts for ``group``'s gap, in words and without a verdict: the gap over all rows (the
    demographic disparity, DD) and within the same ``control`` (the CDD), each with its interval."""
    if pd.isna(row["cdd"]):
        return (
            f"The gap of {group} given {control} is undefined: no stratum of {control} holds two groups with both "
            "accepted and rejected rows."
        )
    level = f"{confidence:.0%} interval"
    overall = (
        f"Over all rows, {group} make up a share of the rejected {_points(row['dd'])} {_direction(row['dd'])} than of "
        f"the accepted ({level} {row['dd_lower'] * 100:+.1f} to {row['dd_upper'] * 100:+.1f})"
        if row["dd"] != 0
        else f"Over all rows, {group} make up the same share of the rejected as of the accepted"
    )
    within = f"{row['cdd'] * 100:+.1f} points ({level} {row['lower'] * 100:+.1f} to {row['upper'] * 100:+.1f})"
    cdd_zero, dd_zero = row["lower"] <= 0 <= row["upper"], not (row["dd_lower"] > 0 or row["dd_upper"] < 0)
    if cdd_zero and not dd_zero:
        return f"{overall}; within the same {control} the gap is {within}, which includes no gap: {control} accounts for it."
    if cdd_zero:
        return f"{overall}; within the same {control} the gap is {within}: neither shows a gap the data can tell from none."
    if dd_zero:
        return f"{overall}; but within the same {control} a gap of {within} appears, which the figures over all rows hide."
    return f"{overall}; within the same {control} a gap of {within} remains: {control} does not account for all of it."


def conditional_sentences(conditional: Conditional) -> dict[str, str]:
    """:func:`conditional_sentence` of each group."""
    control = " × ".join(map(str, conditional.control))
    return {
        str(group): conditional_sentence(str(group), row, control, conditional.confidence)
        for group, row in conditional.cdd.iterrows()
    }


def strata_table(conditional: Conditional) -> pd.DataFrame:
    """The rate within each stratum, one row per stratum and one column per group: ``rate [lower, upper] (rows)``."""

    def cell(row: pd.Series) -> str:
        return f"{percent(row[conditional.rate])} [{percent(row['lower'])}, {percent(row['upper'])}] ({int(row['rows']):,})"

    cells = conditional.strata.apply(cell, axis=1).unstack("group")
    cells = cells.fillna("")
    cells.index.name = " × ".join(map(str, conditional.control))
    left_out = pd.Series({stratum: why for stratum, why in conditional.left_out.items()}, dtype=object)
    cells["left out of the CDD"] = left_out.reindex(cells.index.astype(str)).fillna("").to_numpy()
    return cells


def cdd_table(conditional: Conditional) -> pd.DataFrame:
    """Each group's DD over all rows and CDD given the control, with intervals, as text."""
    frame = conditional.cdd
    return pd.DataFrame(
        {
            "DD over all rows": frame.apply(lambda r: f"{r['dd']:+.3f} [{r['dd_lower']:+.3f}, {r['dd_upper']:+.3f}]", axis=1),
            "CDD given the control": frame.apply(
                lambda r: "undefined" if pd.isna(r["cdd"]) else f"{r['cdd']:+.3f} [{r['lower']:+.3f}, {r['upper']:+.3f}]", axis=1
            ),
        }
    )


def conditional_content(conditional: Conditional) -> str:
    """The conditional part as HTML: the sentences, the CDD table, the rates within strata (everything escaped)."""
    sentences = "".join(f"<li>{html.escape(text)}</li>" for text in conditional_sentences(conditional).values())
    bands = "".join(
        f"<p>{html.escape(str(column))} is grouped into bands: {html.escape(', '.join(band_labels(edges)))}.</p>"
        for column, edges in conditional.bins.items()
    )
    return (
        f"<ul>{sentences}</ul>{bands}"
        + table_html(cdd_table(conditional))
        + f"<p>DD: share of the rejected in the group minus share of the accepted; CDD: the strata's DD weighted by their "
        f"rows ({conditional.rows_used:,} rows in the strata kept). Intervals: {html.escape(CDD_INTERVAL_METHOD)}.</p>"
        + f"<p>The {html.escape(RATE_WORDS.get(conditional.rate, conditional.rate))} within each stratum "
        "[exact interval] (rows):</p>" + table_html(strata_table(conditional))
    )


def balance_json(balance: DataBalance, *, data_name: str = "data") -> dict[str, Any]:
    """The data's balance as JSON: ``settings``, ``rows``, ``groups`` (group -> rows, share, base_rate, base_rate_interval,
    missing_share), ``base_rate_disparities`` (difference, ratio), ``base_rate_disparity_intervals``, ``representation``
    (group -> share, reference_share, ratio; when reference shares are given), ``features`` (column -> kind, distance,
    p_value, p_adjusted), ``features_skipped``, ``correction``, ``conditional`` (with a control), ``versions``."""
    document: dict[str, Any] = {
        "settings": {
            "data": data_name,
            "target": balance.target,
            "positive_label": json_number(balance.positive_label)
            if not isinstance(balance.positive_label, str)
            else balance.positive_label,
            "sensitive": list(balance.sensitive),
            "bins": {str(c): list(e) for c, e in balance.bins.items()},
            "confidence": balance.confidence,
            "intervals": {"rates": RATE_INTERVAL_METHOD, "disparities": DISPARITY_INTERVAL_METHOD},
        },
        "rows": balance.rows,
        "groups": {
            str(group): {
                "rows": int(row["rows"]),
                "share": json_number(row["share"]),
                "base_rate": json_number(row["base_rate"]),
                "base_rate_interval": _pair(row["lower"], row["upper"]),
                "missing_share": json_number(row["missing_share"]),
            }
            for group, row in balance.groups.iterrows()
        },
        "base_rate_disparities": {name: json_number(value) for name, value in balance.base_rate_disparities.items()},
        "base_rate_disparity_intervals": {name: _pair(*bounds) for name, bounds in balance.base_rate_intervals.items()},
        "features": {
            str(column): {
                "kind": row["kind"],
                "distance": json_number(row["distance"]),
                "p_value": json_number(row["p_value"]),
                "p_adjusted": json_number(row["p_adjusted"]),
            }
            for column, row in balance.features.iterrows()
        },
        "features_skipped": dict(balance.skipped),
        "correction": BALANCE_CORRECTION,
        "versions": versions(),
    }
    if balance.representation is not None:
        document["representation"] = {
            str(group): {key: json_number(row[key]) for key in ("share", "reference_share", "ratio")}
            for group, row in balance.representation.iterrows()
        }
    if balance.conditional is not None:
        document["conditional"] = conditional_json(balance.conditional)
    return document


def groups_table(balance: DataBalance) -> pd.DataFrame:
    """Each group's rows, share, base rate with its interval and share of missing values, as text for people."""
    frame = balance.groups
    shown = for_people(frame[["rows", "share"]], percent_columns=("share",))
    shown["Base rate [interval]"] = [
        f"{percent(r)} [{percent(lo)}, {percent(hi)}]" for r, lo, hi in frame[["base_rate", "lower", "upper"]].to_numpy()
    ]
    shown["Missing values"] = frame["missing_share"].map(lambda value: percent(float(value)))
    return shown.rename(columns={"rows": "Rows"})


def representation_table(balance: DataBalance) -> pd.DataFrame | None:
    """Each group's share against its reference share, as text (None without reference shares)."""
    if balance.representation is None:
        return None
    frame = balance.representation
    return pd.DataFrame(
        {
            "Share": frame["share"].map(percent),
            "Reference share": frame["reference_share"].map(percent),
            "Ratio": frame["ratio"].map(lambda value: "n/a" if pd.isna(value) else f"{value:.2f}"),
        }
    )


def features_table(balance: DataBalance) -> pd.DataFrame:
    """The columns whose distribution differs most between the groups first: kind, distance, p-values."""
    frame = balance.features
    return pd.DataFrame(
        {
            "Kind": frame["kind"],
            "Distance": frame["distance"].map("{:.3f}".format),
            "p": frame["p_value"].map("{:.2g}".format),
            "p (Holm)": frame["p_adjusted"].map("{:.2g}".format),
        },
        index=frame.index.rename("column"),
    )


def balance_html(balance: DataBalance, *, data_name: str = "data", made_by: str = "fairdash balance") -> str:
    """The data's balance as a self-contained HTML page (every text from the data escaped)."""
    difference, ratio = balance.base_rate_disparities["difference"], balance.base_rate_disparities["ratio"]
    (d_low, d_high), (r_low, r_high) = balance.base_rate_intervals["difference"], balance.base_rate_intervals["ratio"]
    settings = [
        ("Data", data_name),
        ("Rows", f"{balance.rows:,}"),
        ("Target", f"{balance.target} = {balance.positive_label}"),
        ("Sensitive", " × ".join(balance.sensitive)),
        *((f"Bands of {column}", ", ".join(band_labels(edges))) for column, edges in balance.bins.items()),
        ("Base rate difference", f"{difference:.3f} ({balance.confidence:.0%} interval {d_low:.3f} to {d_high:.3f})"),
        ("Base rate ratio", f"{ratio:.3f} ({balance.confidence:.0%} interval {r_low:.3f} to {r_high:.3f})"),
    ]
    sections = [
        section("Settings", definition_list(settings)),
        section(
            "Groups",
            table_html(groups_table(balance))
            + f"<p>Base rates: the labels' positive rate; intervals: {html.escape(RATE_INTERVAL_METHOD)}.</p>",
        ),
    ]
    representation = representation_table(balance)
    if representation is not None:
        sections.append(section("Representation against the reference shares", table_html(representation)))
    skipped = "".join(f"<li>{html.escape(column)}: {html.escape(why)}</li>" for column, why in balance.skipped.items())
    sections.append(
        section(
            "Columns whose distribution differs between the groups (likely proxies first)",
            table_html(features_table(balance))
            + f"<p>{html.escape(BALANCE_CORRECTION)}.</p>"
            + (f"<p>Not tested:</p><ul>{skipped}</ul>" if skipped else ""),
        )
    )
    if balance.conditional is not None:
        sections.append(
            section(f"Given {' × '.join(map(str, balance.conditional.control))}", conditional_content(balance.conditional))
        )
    return html_page(f"Data balance: {data_name}", sections, made_by=made_by, charts=False)
