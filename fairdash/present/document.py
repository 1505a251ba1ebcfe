"""Results as JSON documents any parser reads: numbers (NaN as null), an audit result's numbers, the versions."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from typing import Any, Mapping

import numpy as np
import pandas as pd

from fairdash.engine.metrics import METRIC_COLUMNS
from fairdash.engine.result import AuditResult
from fairdash.present.sentences import finding_sentence, undefined_text

__all__ = ["versions", "json_number", "json_text", "result_json", "groups_json"]

_LIBRARIES = ("numpy", "pandas", "scikit-learn", "plotly", "shap", "lime", "skops", "fairlearn", "streamlit")


def versions() -> dict[str, str]:
    """fairdash's version, Python's, and those of the libraries it uses (without importing them); each from its installed
    package's metadata (fairdash's from pyproject.toml, as ``fairdash.__version__``)."""
    found = {"fairdash": _installed("fairdash") or "unknown", "python": platform.python_version()}
    found.update({name: version for name in _LIBRARIES if (version := _installed(name)) is not None})
    return found


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def json_number(value: Any) -> Any:
    """A JSON-safe number: NaN (and infinity) become null, numpy scalars plain Python."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def json_text(document: Any) -> str:
    """JSON text that any parser reads: no NaN or Infinity (they are not JSON), values that are not
    JSON types as text."""
    return json.dumps(document, indent=2, default=str, allow_nan=False, ensure_ascii=False)


def result_json(result: AuditResult) -> dict[str, Any]:
    """An audit result's numbers as JSON: ``groups``, ``overall``, ``intervals`` (group -> rate -> [lower, upper]),
    ``overall_intervals``, ``disparities``, ``disparity_intervals`` and ``findings`` (name -> value, rule, passed,
    conclusive, sentence, undefined); the same keys in the audit's JSON, each monitor window's and each fix's."""

    def pair(row: Mapping[str, Any]) -> list[Any]:
        return [json_number(row["lower"]), json_number(row["upper"])]

    intervals = result.intervals
    return {
        "groups": groups_json(result.by_group),
        "overall": {column: json_number(result.overall[column]) for column in METRIC_COLUMNS},
        "intervals": {
            str(label): {
                rate: [json_number(intervals.lower.loc[label, rate]), json_number(intervals.upper.loc[label, rate])]
                for rate in intervals.lower.columns
            }
            for label in intervals.lower.index
        },
        "overall_intervals": {rate: pair(row) for rate, row in intervals.overall.iterrows()},
        "disparities": {name: json_number(value) for name, value in result.disparities.items()},
        "disparity_intervals": {name: pair(row) for name, row in intervals.disparities.iterrows()},
        "findings": {
            name: {
                "value": json_number(row["value"]),
                "rule": row["rule"],
                "passed": row["passed"],
                "conclusive": row["conclusive"],
                "sentence": finding_sentence(name, row),
                "undefined": undefined_text(row["undefined"]),
            }
            for name, row in result.findings.to_dict("index").items()
        },
    }


def groups_json(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A metric table as group label -> {metric -> number or null}."""
    return {str(label): {column: json_number(row[column]) for column in METRIC_COLUMNS} for label, row in table.iterrows()}
