"""Why the model decides: SHAP, LIME, permutation importance and the what-if flips (:mod:`~fairdash.explain.attributions`),
rules from a surrogate decision tree (:mod:`~fairdash.explain.rules`), counterfactuals of one row
(:mod:`~fairdash.explain.counterfactuals`) and recourse by group (:mod:`~fairdash.explain.recourse`).

Its public names are importable from here too (the stable paths of DESIGN.md)."""

from fairdash.explain.attributions import (  # noqa: F401
    DEFAULT_BACKGROUND,
    Output,
    ShapResult,
    explainer_method,
    flip_rates,
    gap_decomposition,
    lime_missing_filled,
    lime_weights,
    mean_abs_by_group,
    model_output,
    permutation_importance_table,
    rank_agreement,
    shap_values,
    transformed_columns,
)
from fairdash.explain.counterfactuals import (  # noqa: F401
    DISTANCE,
    Candidates,
    Counterfactual,
    Counterfactuals,
    NearestRow,
    SearchSpace,
    check_constraints,
    find_counterfactuals,
    nearest_real_row,
    search_rows,
    search_space,
)
from fairdash.explain.recourse import RECOURSE_NAMES, RECOURSE_ROWS, Recourse, recourse_by_group, recourse_rules  # noqa: F401
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

__all__ = ["Output", "DEFAULT_BACKGROUND", "ShapResult", "explainer_method", "transformed_columns", "shap_values", "model_output", "mean_abs_by_group", "gap_decomposition", "permutation_importance_table", "lime_missing_filled", "lime_weights", "rank_agreement", "flip_rates", "MAX_FIT_ROWS", "PROXY_STRENGTH", "SELECTED", "NOT_SELECTED", "Condition", "Surrogate", "assign_rules", "surrogate_columns", "proxy_strength", "surrogate_tree", "fidelity_by_depth",
           "DISTANCE", "SearchSpace", "search_space", "Candidates", "search_rows", "Counterfactual", "NearestRow", "Counterfactuals",
           "find_counterfactuals", "nearest_real_row", "check_constraints", "RECOURSE_NAMES", "RECOURSE_ROWS", "Recourse", "recourse_rules",
           "recourse_by_group"]
