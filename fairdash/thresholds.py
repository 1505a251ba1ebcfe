"""Metrics at any threshold: a stable import path (see DESIGN.md); the code lives in :mod:`fairdash.audit.thresholds`."""

from fairdash.audit.thresholds import (  # noqa: F401
    CONSTRAINTS,
    Constraint,
    SliderScale,
    Suggestion,
    Threshold,
    ThresholdCurves,
    check_threshold,
    decisions_at,
    default_threshold,
    slider_scale,
    thresholds_per_row,
)

__all__ = ["Constraint", "CONSTRAINTS", "Threshold", "Suggestion", "ThresholdCurves", "default_threshold", "SliderScale", "slider_scale", "check_threshold", "thresholds_per_row", "decisions_at"]
