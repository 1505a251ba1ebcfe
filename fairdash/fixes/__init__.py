"""Fixes compared on the audited rows: thresholds per group, reweighing, Fairlearn's reductions, unawareness and another
model, each judged as the audit is (:mod:`~fairdash.fixes.compare`).

Its public names are importable from here too (the stable paths of DESIGN.md)."""

from fairdash.fixes.compare import (  # noqa: F401
    CONSTRAINT_DISPARITY,
    DEFAULT_BOUNDS,
    FIX_NAMES,
    FIX_TITLES,
    NEEDS_TRAINING,
    REDUCTIONS_ITERATIONS,
    REDUCTIONS_ROWS,
    Fix,
    Progress,
    RefitEstimate,
    compare_fixes,
    estimate_refits,
    fit_reductions,
    fit_reweighed,
    fit_unaware,
    mixture_probability,
    refit_fits,
    refittable,
    reweighing_weights,
    unmet_message,
    weight_parameter,
)

__all__ = ["FIX_NAMES", "FIX_TITLES", "NEEDS_TRAINING", "CONSTRAINT_DISPARITY", "DEFAULT_BOUNDS", "REDUCTIONS_ITERATIONS", "REDUCTIONS_ROWS", "Progress", "Fix", "unmet_message", "reweighing_weights", "weight_parameter", "refittable", "compare_fixes", "fit_reweighed", "fit_unaware", "fit_reductions", "mixture_probability", "refit_fits", "RefitEstimate", "estimate_refits"]
