"""Why the fairness criteria conflict: the identity that ties a group's error rates to its base rate.

For any group, with ``p`` its base rate, ``PPV`` its precision and ``FNR`` its false negative rate at a threshold::

    FPR = p / (1 - p) * (1 - PPV) / PPV * (1 - FNR)

(it is ``FP / N = P / N * FP / TP * TP / P``; Chouldechova 2017). So when the groups' base rates differ, equal
precision and equal false negative rates force unequal false positive rates, and so on for each pair: of equal
precision (predictive parity), equal false negative rates and equal false positive rates, at most two can hold
together, unless the base rates are equal or the decisions are perfect. :func:`criteria_conflict` computes what
each pair forces on the third, for the groups of one audit (:mod:`fairdash.present.sentences` says it in words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairdash.engine.metrics import DEFAULT_TOLERANCE, verdict, verdict_rules
from fairdash.engine.rates import FLOAT_TOLERANCE

__all__ = ["CRITERIA", "CriteriaConflict", "implied_fpr", "criteria_conflict"]

CRITERIA = {"precision": "equal precision", "fnr": "equal false negative rates", "fpr": "equal false positive rates"}
"""The three criteria the identity ties together, by the rate each equalizes."""


@dataclass(frozen=True)
class CriteriaConflict:
    """What the identity says about one audit's groups.

    ``table``: one row per group, columns ``count, base_rate, precision, fnr, fpr`` (measured), ``fpr_identity`` (the
    identity's FPR from the other three: equal to ``fpr`` wherever it is defined) and ``fpr_forced`` (the FPR each
    group would have with the reference group's precision and false negative rate). ``pairs``: indexed by the third
    rate, for each pair of criteria made to hold at the reference's rates, the gap it forces on the third
    (``forced_gap``), whether the forced rates are rates at all (``possible``: a forced FNR below 0 is not), and
    whether it passes the rule every difference is judged by (``passed``; ``None`` when undefined). ``holding``: whether
    each criterion holds now (within ``tolerance``). ``comparable``: at least two groups have a base rate and the
    reference is among them; ``highest_base``/``lowest_base``: the groups with the highest and lowest base rates;
    ``compared``: the group set against the reference (the largest other one, ``None`` when its forced FPR is
    undefined) and ``share``: the part of their FPR gap the base rates force (NaN without a gap).
    :func:`fairdash.present.sentences.conflict_sentences` says it in words.
    """

    table: pd.DataFrame
    reference: str
    pairs: pd.DataFrame
    holding: dict[str, bool | None]
    tolerance: float
    comparable: bool
    highest_base: Any
    lowest_base: Any
    compared: Any
    share: float


def implied_fpr(base_rate: Any, precision: Any, fnr: Any) -> np.ndarray:
    """The false positive rate the identity gives: ``p/(1-p) * (1-PPV)/PPV * (1-FNR)``; NaN where a factor is
    undefined (no negatives, nobody selected, no true positive selected, or a rate undefined).

    Examples
    --------
    >>> float(implied_fpr(0.5, 0.75, 0.25))
    0.25
    """
    p, ppv, miss = (np.asarray(value, dtype=float) for value in (base_rate, precision, fnr))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = p / (1 - p) * (1 - ppv) / ppv * (1 - miss)
    return np.where(np.isfinite(value), value, np.nan)


def _implied_precision(base_rate: np.ndarray, fpr: float, fnr: float) -> np.ndarray:
    """The precision the identity forces with the given FPR and FNR: ``p(1-FNR) / (p(1-FNR) + (1-p)FPR)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        hits = base_rate * (1 - fnr)
        return hits / (hits + (1 - base_rate) * fpr)


def _implied_fnr(base_rate: np.ndarray, fpr: float, precision: float) -> np.ndarray:
    """The FNR the identity forces with the given FPR and precision: ``1 - FPR (1-p)/p PPV/(1-PPV)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - fpr * (1 - base_rate) / base_rate * precision / (1 - precision)


def _spread(values: np.ndarray) -> float:
    defined = values[np.isfinite(values)]
    return float(defined.max() - defined.min()) if len(defined) >= 2 else np.nan


def _possible(values: np.ndarray) -> bool:
    """Whether forced rates are rates at all: a value below 0 or above 1 means no decisions can give it."""
    defined = values[np.isfinite(values)]
    return bool(((defined >= -FLOAT_TOLERANCE) & (defined <= 1 + FLOAT_TOLERANCE)).all())


def criteria_conflict(
    table: pd.DataFrame, *, reference: str | None = None, tolerance: float = DEFAULT_TOLERANCE
) -> CriteriaConflict:
    """What the identity forces on the groups of a metric table (the judged groups of an audit result).

    Parameters
    ----------
    table : DataFrame
        A metric table (as :func:`fairdash.engine.metrics.group_metrics` returns), one row per group.
    reference : str, optional
        The group whose precision and false negative rate the others are given; by default the largest.
    tolerance : float
        A forced or measured gap passes at this or less (the rule of every difference).
    """
    rule = verdict_rules(tolerance)["equal_opportunity_difference"]  # the one rule of every difference
    if reference is None or reference not in table.index:
        reference = str(table["count"].idxmax()) if len(table) else ""
    p = table["base_rate"].to_numpy(dtype=float)
    shown = table[["count", "base_rate", "precision", "fnr", "fpr"]].copy()
    shown["fpr_identity"] = implied_fpr(p, table["precision"], table["fnr"])
    ref = table.loc[reference] if reference in table.index else None
    ref_precision, ref_fnr, ref_fpr = (float(ref[rate]) if ref is not None else np.nan for rate in ("precision", "fnr", "fpr"))
    shown["fpr_forced"] = implied_fpr(p, ref_precision, ref_fnr)
    forced = {
        "fpr": shown["fpr_forced"].to_numpy(),
        "precision": _implied_precision(p, ref_fpr, ref_fnr),
        "fnr": _implied_fnr(p, ref_fpr, ref_precision),
    }
    pairs = (
        pd.DataFrame(
            [
                {
                    "holding": " and ".join(CRITERIA[other] for other in CRITERIA if other != third),
                    "forces": third,
                    "forced_gap": _spread(forced[third]),
                    "possible": _possible(forced[third]),
                    "passed": verdict(_spread(forced[third]), rule) and _possible(forced[third]),
                }
                for third in ("fpr", "precision", "fnr")
            ]
        )
        .set_index("forces")
        .astype({"passed": object, "possible": object})
    )  # None stays None (undefined), not False
    holding = {rate: verdict(_spread(table[rate].to_numpy(dtype=float)), rule) for rate in CRITERIA}
    base = shown["base_rate"].dropna()
    compared, share = _compared(shown, reference)
    return CriteriaConflict(
        table=shown,
        reference=reference,
        pairs=pairs,
        holding=holding,
        tolerance=tolerance,
        comparable=len(base) >= 2 and reference in shown.index,
        highest_base=base.idxmax() if len(base) else None,
        lowest_base=base.idxmin() if len(base) else None,
        compared=compared,
        share=share,
    )


def _compared(table: pd.DataFrame, reference: str) -> tuple[Any, float]:
    """The group set against the reference (the largest other group with a defined FPR: the comparison a reader makes
    first, where a group of 31 rows can be the most extreme) when its forced FPR is defined, and the share of the FPR
    gap between them that the base rates force; (None, NaN) when there is none."""
    fpr = table["fpr"].dropna()
    other = fpr.drop(index=reference, errors="ignore")
    if reference not in table.index or not len(other) or not np.isfinite(table.loc[reference, "fpr"]):
        return None, np.nan
    far = table.loc[other.index, "count"].idxmax()
    if not np.isfinite(table.loc[far, "fpr_forced"]):
        return None, np.nan
    row, ref = table.loc[far], table.loc[reference]
    gap = row["fpr"] - ref["fpr"]
    return far, float((row["fpr_forced"] - ref["fpr"]) / gap) if abs(gap) > FLOAT_TOLERANCE else np.nan
