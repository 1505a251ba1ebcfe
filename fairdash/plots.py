"""The plotly figures: a stable import path; the code lives in :mod:`fairdash.present.plots`."""

from fairdash.present.plots import (  # noqa: F401
    MAX_GROUPS_DRAWN,
    PALETTE,
    beeswarm,
    confusion_matrices,
    contributions,
    disparity_over_time,
    drawn_groups,
    fidelity_by_depth,
    fixes_tradeoff,
    group_mix,
    grouped_importance,
    importance_bars,
    rate_bars,
    roc_curves,
    score_drift,
    tradeoff_curve,
)

__all__ = ["PALETTE", "MAX_GROUPS_DRAWN", "drawn_groups", "rate_bars", "confusion_matrices", "roc_curves", "tradeoff_curve", "fidelity_by_depth", "importance_bars", "beeswarm", "grouped_importance", "contributions", "fixes_tradeoff", "disparity_over_time", "group_mix", "score_drift"]
