"""Why a figure is undefined, as facts (numbers inside, words at the edge): a reason code and what a sentence about it
needs (which rates, which groups). :func:`fairdash.present.sentences.undefined_text` writes it in words, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["RateUndefined", "Undefined", "UNDEFINED_CODES", "RATE_UNDEFINED_CODES"]

RateUndefinedCode = Literal["no_group", "one_group", "highest_zero"]

RATE_UNDEFINED_CODES: tuple[RateUndefinedCode, ...] = ("no_group", "one_group", "highest_zero")
"""Why one rate a disparity compares gives it no value: no group defines the rate, only one does, or (a ratio) the
highest rate is 0."""

UndefinedCode = Literal[
    "too_few_groups",
    "rates",
    "too_few_define",
    "recourse_too_few_groups",
    "recourse_few_found",
    "recourse_zero_burden",
    "scores_are_predictions",
    "scores_outside_0_1",
    "calibration_too_few_groups",
    "calibration_small_group",
]

UNDEFINED_CODES: tuple[UndefinedCode, ...] = (
    "too_few_groups",
    "rates",
    "too_few_define",
    "recourse_too_few_groups",
    "recourse_few_found",
    "recourse_zero_burden",
    "scores_are_predictions",
    "scores_outside_0_1",
    "calibration_too_few_groups",
    "calibration_small_group",
)
"""Why a figure is undefined. A disparity: fewer than two groups are judged (``too_few_groups``); a rate it compares
gives no value (``rates``, each in :attr:`Undefined.rates`); fewer than two groups define it otherwise
(``too_few_define``). The recourse burden's: fewer than two groups are judged (``recourse_too_few_groups``); ``count``
judged groups have a counterfactual found, ``groups`` none (``recourse_few_found``); the largest burden is 0, so the
ratio is undefined (``recourse_zero_burden``). Calibration's ECE: the score is not a probability, being 0/1 predictions
(``scores_are_predictions``) or lying outside 0 to 1 (``scores_outside_0_1``); fewer than two groups have ``count`` rows
or more (``calibration_too_few_groups``, the gap); the group has fewer than ``count`` rows (``calibration_small_group``)."""


@dataclass(frozen=True)
class RateUndefined:
    """One rate a disparity compares, and why it gives no value (``code``, one of :data:`RATE_UNDEFINED_CODES`);
    ``without``: the labels of the groups where the rate itself is undefined (no row in its denominator)."""

    rate: str
    code: RateUndefinedCode
    without: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Undefined:
    """Why a figure is undefined: ``code`` (one of :data:`UNDEFINED_CODES`) and the facts its sentence needs: each
    rate's reason (``rates``), the groups concerned (``groups``, labels), a count of groups or rows (``count``).
    A finding's ``undefined`` is one of these, or None when the figure is defined."""

    code: UndefinedCode
    rates: tuple[RateUndefined, ...] = ()
    groups: tuple[Any, ...] = ()
    count: int | None = None
