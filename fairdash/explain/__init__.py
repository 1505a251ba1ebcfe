"""Why the model decides: SHAP, LIME, permutation importance and the what-if flips (:mod:`~fairdash.explain.attributions`),
and rules from a surrogate decision tree (:mod:`~fairdash.explain.rules`)."""
