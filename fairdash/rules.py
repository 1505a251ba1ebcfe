"""Surrogate rules: a stable import path (see DESIGN.md); the code lives in :mod:`fairdash.explain.rules`."""

from fairdash.explain.rules import (  # noqa: F401
    MAX_FIT_ROWS,
    NOT_SELECTED,
    PROXY_STRENGTH,
    SELECTED,
    Condition,
    Surrogate,
    assign_rules,
    fidelity_by_depth,
    proxy_strength,
    surrogate_columns,
    surrogate_tree,
)

__all__ = ["MAX_FIT_ROWS", "PROXY_STRENGTH", "SELECTED", "NOT_SELECTED", "Condition", "Surrogate", "assign_rules", "surrogate_columns", "proxy_strength", "surrogate_tree", "fidelity_by_depth"]
