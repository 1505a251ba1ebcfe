"""The numbers: what an audit asks (:mod:`~fairdash.audit.spec`), each row's group (:mod:`~fairdash.audit.groups`), the
inputs checked once (:mod:`~fairdash.audit.inputs`), counts and rates (:mod:`~fairdash.audit.metrics`) at any threshold
(:mod:`~fairdash.audit.thresholds`, and :mod:`~fairdash.audit.score_bins` for counts an engine made), intervals
(:mod:`~fairdash.audit.intervals`), findings (:mod:`~fairdash.audit.findings`), and the one result every page, report
and command presents (:mod:`~fairdash.audit.result`; a whole audit with rules and explanations: :mod:`~fairdash.audit.run`).

The names of :mod:`~fairdash.audit.inputs` are importable from here too (``fairdash.audit.prepare_audit``, the
stable path of DESIGN.md)."""

from fairdash.audit.inputs import (  # noqa: F401
    AuditInputs,
    ScoreKind,
    model_class,
    prepare_audit,
)

__all__ = ["ScoreKind", "AuditInputs", "prepare_audit", "model_class"]
