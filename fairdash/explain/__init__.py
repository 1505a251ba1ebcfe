"""Why the model decides: SHAP, LIME, permutation importance and the what-if flips (:mod:`~fairdash.explain.attributions`),
rules from a surrogate decision tree (:mod:`~fairdash.explain.rules`), counterfactuals of one row
(:mod:`~fairdash.explain.counterfactuals`) and recourse by group (:mod:`~fairdash.explain.recourse`).

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.explain.attributions import (  # noqa: F401
    ShapResult,
    explainer_method,
    flip_rates,
    gap_decomposition,
    lime_weights,
    permutation_importance_table,
    shap_values,
)
from fairdash.explain.counterfactuals import (  # noqa: F401
    DISTANCE,
    Counterfactuals,
    NearestRow,
    directions_of,
    find_counterfactuals,
    search_space,
)
from fairdash.explain.recourse import (  # noqa: F401
    RECOURSE_NAMES,
    RECOURSE_ROWS,
    Recourse,
    recourse_by_group,
)
from fairdash.explain.rules import (  # noqa: F401
    PROXY_STRENGTH,
    Surrogate,
    fidelity_by_depth,
    proxy_strength,
    surrogate_columns,
    surrogate_tree,
)

__all__ = [
    "Counterfactuals",
    "DISTANCE",
    "NearestRow",
    "PROXY_STRENGTH",
    "RECOURSE_NAMES",
    "RECOURSE_ROWS",
    "Recourse",
    "ShapResult",
    "Surrogate",
    "directions_of",
    "explainer_method",
    "fidelity_by_depth",
    "find_counterfactuals",
    "flip_rates",
    "gap_decomposition",
    "lime_weights",
    "permutation_importance_table",
    "proxy_strength",
    "recourse_by_group",
    "search_space",
    "shap_values",
    "surrogate_columns",
    "surrogate_tree",
]
