"""Fixes compared on the audited rows: thresholds per group, reweighing, Fairlearn's reductions, unawareness and another
model, each judged as the audit is (:mod:`~fairdash.fixes.compare`).

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.fixes.compare import (  # noqa: F401
    CONSTRAINT_DISPARITY,
    Fix,
    compare_fixes,
    constraint_met,
    made_fixes,
    refittable,
)

__all__ = [
    "CONSTRAINT_DISPARITY",
    "Fix",
    "compare_fixes",
    "constraint_met",
    "made_fixes",
    "refittable",
]
