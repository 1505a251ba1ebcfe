"""Fixes compared on the audited rows: thresholds per group, reweighing, Fairlearn's reductions, unawareness and another
model, each judged as the audit is (:mod:`~fairdash.fixes.compare`)."""
