"""What the in-page threshold preview is handed: positions, counts, the starting thresholds and the rules.

One payload and one script (``static/preview.js``) for both the HTML report's slider and the dashboard's
preview component; the verdict rules and the rates' definitions arrive in the payload (never written into the script).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from fairdash.engine.metrics import DISPARITY_RATES, VERDICT_SLACK
from fairdash.engine.preview import PreviewCounts
from fairdash.engine.rates import rate_definitions
from fairdash.engine.thresholds import Threshold
from fairdash.present.page import static_file
from fairdash.present.text import verdict_words

__all__ = ["preview_payload", "definitions", "preview_script", "preview_style"]


def preview_payload(
    preview: PreviewCounts,
    labels: Sequence[str],
    thresholds: Threshold | Mapping[str, float],
    *,
    rules: Mapping[str, Any],
    left_out: Sequence[str],
    revision: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The preview's data, JSON-ready.

    ``thresholds`` (one, or ``{group: threshold}``) is where the slider opens; a new ``revision`` tells a
    preview already open to move there (the server set them: Suggest, Reset); with the same revision it
    keeps where the user left it. ``rules``, ``left_out`` and ``confidence`` (the level of the disparities' intervals)
    come from the audit's result, so the page judges as Python does, inconclusive verdicts included. ``rates`` (each
    rate's count cells and label, :func:`fairdash.engine.rates.rate_definitions`) and ``disparity_rates`` (the rates
    each disparity compares) are the definitions the script computes with: it writes none of them; nor the verdicts'
    words (``words``, :func:`fairdash.present.text.verdict_words`)."""
    if isinstance(thresholds, Mapping):
        per_group = [float(thresholds[label]) for label in labels]
        # "One for everyone" opens on a position (the median of the groups' may fall between two).
        middle = float(preview.thresholds[preview.position_of(float(np.median(per_group)))])
        start = {"mode": "per_group", "global": middle, "groups": per_group}
    else:
        start = {"mode": "global", "global": float(thresholds), "groups": [float(thresholds)] * len(labels)}
    return {
        "labels": [str(label) for label in labels],
        "thresholds": [float(value) for value in preview.thresholds],
        "counts": preview.counts.tolist(),
        "start": start,
        "revision": int(revision),
        "rules": dict(rules),
        "slack": VERDICT_SLACK,
        "left_out": list(left_out),
        "confidence": float(confidence),
        "exact": bool(preview.exact),
        "words": verdict_words(),
        **definitions(),
    }


def definitions() -> dict[str, Any]:
    """What the script computes with, JSON-ready: ``rates`` (each rate's count cells and label,
    :func:`fairdash.engine.rates.rate_definitions`) and ``disparity_rates`` (the rates each disparity compares,
    :data:`fairdash.engine.metrics.DISPARITY_RATES`)."""
    return {"rates": rate_definitions(), "disparity_rates": {name: list(rates) for name, rates in DISPARITY_RATES.items()}}


def preview_script() -> str:
    """The preview's script: ``fairdashPreview(root, data, onSettled)``, shared by the report and the dashboard."""
    return static_file("preview.js")


def preview_style() -> str:
    """The preview's style sheet (tables, matrices, slider rows, verdict badges)."""
    return static_file("preview.css")
