"""Compare fixes for a disparity on the same held-out rows: thresholds, reweighing, reductions,
unawareness, another model.

Every fix ends as decisions on the audited table, and every figure comes from the same engine as the
Fairness page (:func:`fairdash.engine.metrics.confusion_counts`, :func:`~fairdash.engine.intervals.rate_intervals`),
so a fix and the original are judged alike:

- ``original``: the model as given, at the audit's threshold;
- ``thresholds``: per-group thresholds on the original scores (:meth:`ThresholdCurves.suggest`);
- ``reweighing`` (Kamiran & Calders, pre-processing): each training row weighted by
  P(a) P(y) / P(a, y), the estimator cloned and refitted with those weights;
- ``reductions`` (in-processing): Fairlearn's ``ExponentiatedGradient`` around the estimator, one
  result per constraint bound (a curve);
- ``unawareness``: refitted with the sensitive columns and their proxies held constant;
- ``other_model``: a second model, scored on the same rows.

A fix that cannot be made (no training table, a model that cannot be refitted, training rows that
lack one of the groups judged, a refit that fails) is returned with its ``error`` in plain words; the
others stand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence, cast

import numpy as np
import pandas as pd

from fairdash.engine.groups import group_codes
from fairdash.engine.inputs import AuditInputs, prepare_audit
from fairdash.engine.intervals import Intervals
from fairdash.engine.metrics import DEFAULT_TOLERANCE, as_bool, confusion_counts, drop_small_groups, verdict, verdict_rules
from fairdash.engine.result import AuditSettings, judge
from fairdash.engine.spec import SMALL_GROUP_SIZE, AuditSpec, binary_target, bins_used, sensitive_frame
from fairdash.engine.thresholds import CONSTRAINTS, Constraint, Suggestion, Threshold, ThresholdCurves, decisions_at
from fairdash.errors import InvalidInputError, ModelError, brief
from fairdash.intake.models import ScoreModel, model_input

__all__ = [
    "FIX_NAMES",
    "FIX_TITLES",
    "NEEDS_TRAINING",
    "CONSTRAINT_DISPARITY",
    "DEFAULT_BOUNDS",
    "REDUCTIONS_ITERATIONS",
    "REDUCTIONS_ROWS",
    "Progress",
    "Fix",
    "constraint_met",
    "made_fixes",
    "reweighing_weights",
    "weight_parameter",
    "refittable",
    "compare_fixes",
    "fit_reweighed",
    "fit_unaware",
    "fit_reductions",
    "mixture_probability",
    "refit_fits",
    "RefitEstimate",
    "estimate_refits",
]

FIX_NAMES = ("original", "thresholds", "reweighing", "reductions", "unawareness", "other_model")
FIX_TITLES = {
    "original": "Original",
    "thresholds": "Thresholds per group",
    "reweighing": "Reweighing",
    "reductions": "Reductions",
    "unawareness": "Unawareness",
    "other_model": "Another model",
}
NEEDS_TRAINING = ("reweighing", "reductions", "unawareness")
CONSTRAINT_DISPARITY = {
    "demographic_parity": "demographic_parity_difference",
    "equal_opportunity": "equal_opportunity_difference",
    "equalized_odds": "equalized_odds_difference",
}
"""The disparity each constraint aims to shrink, shown on the trade-off chart."""
DEFAULT_BOUNDS = (0.01, 0.03, 0.06)
"""Constraint bounds (``difference_bound``) of the reductions sweep."""
REDUCTIONS_ITERATIONS = 5
"""``max_iter`` of ExponentiatedGradient: each iteration refits the estimator (twice), so this is the cost."""
REDUCTIONS_ROWS = 10_000
"""Training rows the reductions fit on (a seeded sample beyond): the fit is repeated per iteration and bound."""

Progress = Callable[[float, str], object]


@dataclass(frozen=True)
class Fix:
    """One fix, judged on the audited rows.

    ``table`` is the metric table (one row per group), ``disparities`` the audit's disparity summary
    over the groups judged, ``accuracy`` / ``balanced_accuracy`` / ``auc`` over all rows (``auc`` is
    ``None`` without a score). ``model`` is the refitted estimator, where there is one. ``error``
    says why the fix could not be made (then the figures are empty): the refit's error in plain words or, for the
    thresholds fix, the ``reason`` code of its ``suggestion`` (the search's facts;
    :func:`fairdash.present.fixes_report.fix_error` says both). ``in_sample`` is
    true for a fix tuned on the very rows it is judged on (the thresholds fix without training rows
    with scores), whose figures flatter it beside fixes learnt elsewhere.
    """

    name: str
    title: str
    bound: float | None = None
    table: pd.DataFrame | None = None
    intervals: Intervals | None = None
    disparities: dict[str, Any] = field(default_factory=dict)
    accuracy: float = float("nan")
    balanced_accuracy: float = float("nan")
    auc: float | None = None
    seconds: float = 0.0
    model: Any = None
    thresholds: Threshold | None = None
    error: str | None = None
    in_sample: bool = False
    suggestion: Suggestion | None = None


def constraint_met(fixes: Sequence[Fix], constraint: str, tolerance: float) -> bool:
    """Whether a fix that was made brings the constraint's disparity within ``tolerance`` (an undefined disparity does
    not count as met); :func:`fairdash.present.fixes_report.unmet_message` says it when none does."""
    disparity = CONSTRAINT_DISPARITY[constraint]
    rule = verdict_rules(tolerance)[disparity]
    return any(verdict(fix.disparities.get(disparity, float("nan")), rule) for fix in made_fixes(fixes))


def made_fixes(fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes that were made (no ``error``), the original left out."""
    return [fix for fix in fixes if fix.error is None and fix.name != "original"]


def reweighing_weights(y_true: Any, groups: Any, *, positive_label: Any = 1) -> np.ndarray:
    """Kamiran & Calders' weights: P(a) P(y) / P(a, y) for each row's group ``a`` and outcome ``y``.

    With these weights, the outcome is independent of the group: the weighted positive rate of every
    group equals the overall positive rate. ``y_true``: booleans or 0/1, or classes with ``positive_label``
    naming the positive one (:func:`fairdash.engine.metrics.as_bool`); a missing outcome is refused.
    """
    truth = as_bool(y_true, positive_label)
    codes, _ = pd.factorize(np.asarray(groups, dtype=object).ravel(), use_na_sentinel=False)
    n = len(truth)
    cells = np.bincount(codes * 2 + truth, minlength=2 * (codes.max() + 1)).reshape(-1, 2)  # (group, outcome)
    group_share = cells.sum(axis=1) / n
    outcome_share = cells.sum(axis=0) / n
    joint_share = cells / n
    return group_share[codes] * outcome_share[truth.astype(int)] / joint_share[codes, truth.astype(int)]


def weight_parameter(estimator: Any) -> str:
    """The ``fit`` keyword that carries sample weights to the estimator (its last step, in a Pipeline).

    Raises :class:`ModelError` when it takes none.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import has_fit_parameter

    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        if not has_fit_parameter(last, "sample_weight"):
            raise ModelError(
                f"The model's last step, {type(last).__name__}, takes no sample weights, so it cannot be reweighed or reduced."
            )
        return f"{name}__sample_weight"
    if not has_fit_parameter(estimator, "sample_weight"):
        raise ModelError(
            f"The model, a {type(estimator).__name__}, takes no sample weights, so it cannot be reweighed or reduced."
        )
    return "sample_weight"


def refittable(model: ScoreModel | None) -> str | None:
    """Why this model cannot be cloned and refitted, or ``None`` when it can."""
    if model is None:
        return "There is no model to refit: the scores come from a column of the table."
    from sklearn.base import clone

    try:
        clone(model.estimator)
    except Exception:
        return (
            f"The model {brief(model.name)} ({type(model.estimator).__name__}) cannot be cloned and refitted: "
            "refits need a scikit-learn estimator or pipeline (or one with its API), not an ONNX graph."
        )
    return None


def _training_rows(train: pd.DataFrame, spec: AuditSpec, features: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """The training table's features, outcome (True = positive) and groups, checked."""
    needed = list(dict.fromkeys([*features, spec.target, *spec.sensitive]))
    missing = [column for column in needed if column not in train.columns]
    if missing:
        raise InvalidInputError(f"The training table lacks column(s) {', '.join(brief(column) for column in missing)}.")
    y_train = binary_target(train, spec.target, spec.positive_label)
    if y_train.all() or not y_train.any():
        raise InvalidInputError(
            f"Every row of the training table has the same outcome in {brief(spec.target)}: nothing can be learnt from it."
        )
    codes = group_codes(sensitive_frame(train, spec.sensitive, spec.bins), spec.sensitive)
    groups = codes.per_row(train.index, name="group")
    return train[list(features)], y_train, groups


def _judge(
    name: str, inputs: AuditInputs, decisions: np.ndarray, scores: np.ndarray | None, *, min_group_size: int, **extra: Any
) -> Fix:
    """A fix's figures on the audited rows, from its decisions, judged as the audit is (:func:`fairdash.engine.result.judge`).
    A fix keeps figures, not verdicts: :func:`constraint_met` judges them at the tolerance the user chose."""
    from sklearn.metrics import roc_auc_score

    codes, labels = inputs.group_codes.codes, inputs.group_codes.labels
    counts = confusion_counts(inputs.y_true, np.asarray(decisions, dtype=bool), codes, len(labels))
    result = judge(counts, labels, AuditSettings(min_group_size=min_group_size), reference=inputs.reference)
    overall = result.overall
    auc = None
    if scores is not None and 0 < inputs.y_true.sum() < len(inputs.y_true):
        auc = float(roc_auc_score(inputs.y_true, scores))
    return Fix(
        name=name,
        title=extra.pop("title", FIX_TITLES[name]),
        table=result.by_group,
        intervals=result.intervals,
        disparities=result.disparities,
        accuracy=float(overall["accuracy"]),
        balanced_accuracy=float((overall["tpr"] + overall["tnr"]) / 2),
        auc=auc,
        **extra,
    )


def compare_fixes(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    *,
    train: pd.DataFrame | None = None,
    constraint: str = "demographic_parity",
    threshold: Threshold | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    other_model: ScoreModel | None = None,
    methods: Sequence[str] = FIX_NAMES,
    bounds: Sequence[float] = DEFAULT_BOUNDS,
    reductions_iterations: int = REDUCTIONS_ITERATIONS,
    reductions_rows: int = REDUCTIONS_ROWS,
    min_group_size: int = SMALL_GROUP_SIZE,
    random_state: int = 0,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[Fix]:
    """Every fix, judged on ``table`` (the held-out rows); the original first, then in :data:`FIX_NAMES` order.

    Parameters
    ----------
    table, spec, model
        The audit, as for :func:`fairdash.engine.inputs.prepare_audit` (``model`` ``None``: the scores' table, thresholds only).
    train : DataFrame, optional
        The rows the model was trained on (the same columns), for the fixes that refit it; the thresholds
        fix is tuned on the model's scores of these rows (for the groups judged on ``table``), and without
        them on ``table`` itself (``in_sample``).
    constraint : {"demographic_parity", "equal_opportunity", "equalized_odds"}
        What the thresholds and the reductions aim for.
    threshold : float or {group: float}, optional
        Where the original decides (``score >= threshold``): the audited thresholds, one or one per group; by
        default the model's own boundary, as in the audit. The refits, another model and the thresholds fix's
        baseline use the one threshold, or the default when the audited thresholds are per group.
    other_model : ScoreModel, optional
        A second model to compare, scored on the same rows at its own default boundary (or ``threshold``).
    methods : names from :data:`FIX_NAMES`
        Which fixes to make (the original is always judged: the others are read against it).
    bounds, reductions_iterations, reductions_rows, random_state
        The reductions sweep: one ExponentiatedGradient per bound, with this ``max_iter``, fitted on at most this many
        training rows (a sample seeded by ``random_state``, which also seeds their randomized decisions).
    min_group_size : int
        Groups with fewer rows are left out of every fix's disparities (as in the audit).
    progress, clock : callable, optional
        ``progress(fraction_done, text)`` is called before each step; ``clock`` gives seconds as a float, which each refit's
        ``seconds`` is measured with (a test passes a fake one).
    """
    _check_fix_options(constraint, methods)
    setting = _setting(table, spec, model, train, threshold, methods, other_model, bounds, min_group_size, progress)
    sweep = _Sweep(constraint, tuple(bounds), reductions_iterations, reductions_rows, random_state)
    return _every_fix(setting, constraint, tolerance, sweep, other_model, threshold, clock)


@dataclass(frozen=True)
class _Setting:
    """What the steps of one comparison share: the audit's inputs, the spec with its bands fixed, the thresholds audited
    and the one threshold of the refits (``chosen``), the fixes wanted and the progress."""

    inputs: AuditInputs
    table: pd.DataFrame
    spec: AuditSpec
    model: ScoreModel | None
    train: pd.DataFrame | None
    audited: Threshold
    chosen: float
    wanted: list[str]
    min_group_size: int
    steps: _Steps


def _setting(
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    train: pd.DataFrame | None,
    threshold: Threshold | None,
    methods: Sequence[str],
    other_model: ScoreModel | None,
    bounds: Sequence[float],
    min_group_size: int,
    progress: Progress | None,
) -> _Setting:
    """:func:`compare_fixes`' audit prepared, the thresholds it judges at and the fixes it makes."""
    inputs = prepare_audit(table, spec, model)
    spec = replace(spec, bins=tuple(bins_used(table, spec.sensitive, spec.bins).items()))  # the training rows get the same bands
    audited = inputs.default_threshold if threshold is None else threshold
    chosen = float(audited) if not isinstance(audited, Mapping) else inputs.default_threshold
    wanted = [name for name in FIX_NAMES[1:] if name in methods and (name != "other_model" or other_model is not None)]
    steps = _Steps(progress, total=1 + sum(_cost(name, bounds) for name in wanted))
    return _Setting(inputs, table, spec, model, train, audited, chosen, wanted, min_group_size, steps)


def _every_fix(
    setting: _Setting,
    constraint: str,
    tolerance: float,
    sweep: _Sweep,
    other_model: ScoreModel | None,
    threshold: Threshold | None,
    clock: Callable[[], float],
) -> list[Fix]:
    """The original and each fix wanted, in :data:`FIX_NAMES` order; then the progress says it is done."""
    inputs, table, spec, model, train = setting.inputs, setting.table, setting.spec, setting.model, setting.train
    wanted, chosen, min_group_size, steps = setting.wanted, setting.chosen, setting.min_group_size, setting.steps
    fixes = _original_and_thresholds(
        inputs,
        setting.audited,
        "thresholds" in wanted,
        train,
        spec,
        model,
        constraint=constraint,
        tolerance=tolerance,
        baseline=chosen,
        min_group_size=min_group_size,
        steps=steps,
    )
    refits = [name for name in wanted if name in NEEDS_TRAINING]
    if refits:
        fixes += _refit_fixes(
            refits,
            inputs,
            table,
            spec,
            model,
            train,
            original=fixes[0],
            threshold=chosen,
            sweep=sweep,
            min_group_size=min_group_size,
            steps=steps,
            clock=clock,
        )
    if "other_model" in wanted and other_model is not None:
        other, at = other_model, None if threshold is None else chosen
        steps.report(f"Scoring {other.name}")
        fixes.append(
            _attempt(
                "other_model",
                lambda: _other_model_fix(table, spec, other, at, min_group_size),
                title=f"Another model: {other.name}",
            )
        )
    if steps.progress is not None:
        steps.progress(1.0, "Done")
    return fixes


def _original_and_thresholds(
    inputs: AuditInputs,
    audited: Threshold,
    with_thresholds: bool,
    train: pd.DataFrame | None,
    spec: AuditSpec,
    model: ScoreModel | None,
    *,
    constraint: str,
    tolerance: float,
    baseline: float,
    min_group_size: int,
    steps: _Steps,
) -> list[Fix]:
    """The original at the ``audited`` thresholds and, when asked, the thresholds fix for the groups it judges."""
    steps.report("Scoring the original model")
    fixes = [
        _judge(
            "original",
            inputs,
            decisions_at(inputs.scores, inputs.groups, audited),
            inputs.scores,
            min_group_size=min_group_size,
            thresholds=audited,
        )
    ]
    steps.advance(1)
    if with_thresholds:
        steps.report("Searching per-group thresholds")
        judged = drop_small_groups(fixes[0].table, min_count=min_group_size)[0].index.tolist()
        fixes.append(
            _thresholds_fix(
                inputs, _tuning_rows(train, spec, model, judged), constraint, tolerance, baseline, min_group_size, judged
            )
        )
        steps.advance(1)
    return fixes


def refit_fits(name: str, *, bounds: Sequence[float] = DEFAULT_BOUNDS, iterations: int = REDUCTIONS_ITERATIONS) -> int:
    """How many times the fix ``name`` fits the model: once for reweighing and unawareness; for the reductions at most
    ``iterations`` per bound (ExponentiatedGradient fits the estimator once per iteration, and may stop early)."""
    return len(bounds) * iterations if name == "reductions" else 1 if name in NEEDS_TRAINING else 0


@dataclass(frozen=True)
class RefitEstimate:
    """How long refits will take, from one fit measured: ``fits`` fits of ``rows`` rows each, from a fit that took
    ``timed_seconds`` on ``timed_rows`` rows.

    Each fit is taken to cost the timed one, even on fewer rows: a fit's time is far from proportional to its rows
    (on the Adult demo, one fit of its boosted model on 30,162 rows took 24 s, and each ExponentiatedGradient
    iteration, a fit on 10,000 rows with its bookkeeping, 27 s).
    """

    fits: int
    rows: int
    timed_seconds: float
    timed_rows: int

    @property
    def seconds(self) -> float:
        return self.fits * self.timed_seconds


def estimate_refits(
    name: str,
    timed: Fix,
    *,
    train_rows: int,
    bounds: Sequence[float] = DEFAULT_BOUNDS,
    iterations: int = REDUCTIONS_ITERATIONS,
    rows: int = REDUCTIONS_ROWS,
) -> RefitEstimate:
    """The time the fix ``name`` will take, from a refit already made (``timed``: reweighing or unawareness, one fit
    on all ``train_rows`` training rows, measured in its ``seconds``). The reductions fit on at most ``rows`` rows."""
    fit_rows = min(train_rows, rows) if name == "reductions" else train_rows
    return RefitEstimate(
        fits=refit_fits(name, bounds=bounds, iterations=iterations),
        rows=fit_rows,
        timed_seconds=float(timed.seconds),
        timed_rows=train_rows,
    )


def _check_fix_options(constraint: str, methods: Sequence[str]) -> None:
    """Raise :class:`InvalidInputError` for an unknown constraint or fix name, before any slow step."""
    if constraint not in CONSTRAINTS:
        raise InvalidInputError(f"The constraint must be one of {', '.join(CONSTRAINTS)}; got {brief(constraint)}.")
    unknown = sorted(set(methods) - set(FIX_NAMES))
    if unknown:
        raise InvalidInputError(f"Unknown fix(es) {', '.join(map(brief, unknown))}; the fixes are {', '.join(FIX_NAMES)}.")


def _cost(name: str, bounds: Sequence[float]) -> int:
    """A fix's share of the progress bar: the reductions refit the model several times per bound, the others once."""
    return 4 * max(1, len(bounds)) if name == "reductions" else 1


class _Steps:
    """The progress of one comparison: ``progress(fraction_done, text)`` before each step, when one is given."""

    def __init__(self, progress: Progress | None, *, total: float) -> None:
        self.progress, self.total = progress, total
        self.done = 0.0

    def report(self, text: str) -> None:
        if self.progress is not None:
            self.progress(self.done / self.total, text)

    def advance(self, amount: float) -> None:
        self.done += amount


@dataclass(frozen=True)
class _Sweep:
    """The reductions sweep: one ExponentiatedGradient per bound (see :func:`fit_reductions`)."""

    constraint: str
    bounds: tuple[float, ...]
    iterations: int
    rows: int
    random_state: int


def _refit_fixes(
    names: Sequence[str],
    inputs: AuditInputs,
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel | None,
    train: pd.DataFrame | None,
    *,
    original: Fix,
    threshold: float,
    sweep: _Sweep,
    min_group_size: int,
    steps: _Steps,
    clock: Callable[[], float],
) -> list[Fix]:
    """The fixes of ``names`` that refit the model on ``train`` (reweighing, the reductions sweep, unawareness),
    in that order; one that cannot be made (no model to refit, no training rows, or none of a judged group)
    carries its error, and a refit that fails carries the failure."""
    why_not, training = _refit_training(model, train, spec)
    judged = drop_small_groups(original.table, min_count=min_group_size)[0].index
    lacking = [] if training is None else [label for label in judged if label not in set(training[2])]
    fixes = []
    for name in names:
        if training is None or model is None or lacking:
            error = _lacking_groups_message(name, lacking, training[2]) if training is not None and lacking else why_not
            fixes.append(Fix(name, FIX_TITLES[name], error=error))
            continue
        refitted, (X_train, y_train, groups_train) = model, training
        if name == "reductions":
            fixes += _reductions_fixes(
                inputs, table, refitted, X_train, y_train, groups_train, sweep, min_group_size, steps, clock
            )
            continue
        else:
            steps.report(f"{FIX_TITLES[name]}: refitting the model")
            fixes.append(
                _attempt(
                    name,
                    lambda: _refit(
                        name, inputs, table, spec, refitted, X_train, y_train, groups_train, threshold, min_group_size, clock
                    ),
                )
            )
        steps.advance(_cost(name, sweep.bounds))
    return fixes


def _reductions_fixes(
    inputs: AuditInputs,
    table: pd.DataFrame,
    refitted: ScoreModel,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    groups_train: pd.Series,
    sweep: _Sweep,
    min_group_size: int,
    steps: _Steps,
    clock: Callable[[], float],
) -> list[Fix]:
    """The reductions sweep: one fix per bound of ``sweep``, each carrying its failure if it fails."""
    fixes: list[Fix] = []
    name = "reductions"
    for position, bound in enumerate(sweep.bounds):
        steps.report(f"Reductions (ExponentiatedGradient), bound {bound:g}: {position + 1} of {len(sweep.bounds)}")
        fixes.append(
            _attempt(
                name,
                lambda: _reductions(
                    inputs,
                    table,
                    refitted,
                    X_train,
                    y_train,
                    groups_train,
                    sweep.constraint,
                    bound,
                    sweep.iterations,
                    sweep.rows,
                    sweep.random_state,
                    min_group_size,
                    clock,
                ),
                title=f"Reductions (bound {bound:g})",
                bound=bound,
            )
        )
        steps.advance(_cost(name, sweep.bounds) / max(1, len(sweep.bounds)))
    return fixes


def _refit_training(
    model: ScoreModel | None, train: pd.DataFrame | None, spec: AuditSpec
) -> tuple[str | None, tuple[pd.DataFrame, np.ndarray, pd.Series] | None]:
    """``(None, (features, outcome, groups))`` of the training rows the refits learn from, or ``(why not, None)``."""
    why_not = refittable(model)
    if why_not is None and train is None:
        why_not = "These fixes refit the model: add the table it was trained on (the same columns, with the target)."
    if why_not is not None or model is None or train is None:
        return why_not, None
    features = list(spec.features or model.feature_names or [])
    try:
        training = _training_rows(train, spec, features)  # names the training table's missing columns first
        model.check_features(train, features)
    except (InvalidInputError, ModelError) as error:
        return str(error), None
    return None, training


_LACKING_GROUP_CONSEQUENCE = {
    "reweighing": "reweighing cannot weight them",
    "reductions": "the reductions cannot hold the model to the constraint for them",
    "unawareness": "the columns that stand for membership of them (proxies) cannot be found",
}
"""Why each refit needs rows of every judged group in its training table."""


def _lacking_groups_message(name: str, lacking: Sequence[str], groups_train: pd.Series) -> str:
    """Why the refit ``name`` cannot be made from training rows that hold no row of the ``lacking`` groups.

    Without them the refit learns nothing about those groups, and its result is the plain refit
    under another name; so it is not made, and the message says which groups the rows do hold.
    """
    return (
        f"The training rows lack group(s) {_some(lacking)} (they hold {_some(sorted(pd.unique(groups_train.astype(str))))}), "
        f"so {_LACKING_GROUP_CONSEQUENCE[name]}: add training rows of every group the audit judges."
    )


def _some(labels: Sequence[str], shown: int = 8) -> str:
    """Group labels for a message: the first ``shown``, then how many more (intersections can be many)."""
    text = ", ".join(brief(label) for label in labels[:shown])
    return f"{text} and {len(labels) - shown} more" if len(labels) > shown else text


def _tuning_rows(
    train: pd.DataFrame | None, spec: AuditSpec, model: ScoreModel | None, judged: Sequence[str]
) -> AuditInputs | None:
    """The training rows with the model's scores, where the thresholds fix is tuned; ``None`` when there are none
    to tune on (no training table, no model to score it, a table it cannot score, or one that lacks a judged group)."""
    if train is None or model is None:
        return None
    try:
        rows = prepare_audit(train, replace(spec, reference=None, score=None), model)
    except (InvalidInputError, ModelError):
        return None
    return rows if set(judged) <= set(rows.group_codes.labels) else None


def _thresholds_fix(
    inputs: AuditInputs,
    tuning: AuditInputs | None,
    constraint: str,
    tolerance: float,
    baseline: float,
    min_group_size: int,
    judged: Sequence[str],
) -> Fix:
    """Per-group thresholds for the ``judged`` groups, tuned on the ``tuning`` rows (the training split, as the
    refits learn there) or, without them, on the audited rows themselves (``in_sample``); judged on the audited rows.
    Every other group keeps ``baseline``."""
    rows = inputs if tuning is None else tuning
    curves = ThresholdCurves(rows.y_true, rows.scores, rows.group_codes)
    # compare_fixes checked the constraint is one of CONSTRAINTS
    suggestion = curves.suggest(cast(Constraint, constraint), tolerance=tolerance, baseline=baseline, judged=judged)
    if suggestion.thresholds is None:
        return Fix(
            "thresholds", FIX_TITLES["thresholds"], error=suggestion.reason, in_sample=tuning is None, suggestion=suggestion
        )
    thresholds = {label: suggestion.thresholds.get(label, baseline) for label in inputs.group_codes.labels}
    decisions = decisions_at(inputs.scores, inputs.groups, thresholds)
    return _judge(
        "thresholds", inputs, decisions, None, min_group_size=min_group_size, thresholds=thresholds, in_sample=tuning is None
    )


def _other_model_fix(
    table: pd.DataFrame, spec: AuditSpec, other_model: ScoreModel, threshold: float | None, min_group_size: int
) -> Fix:
    other = prepare_audit(table, spec, other_model)
    at = other.default_threshold if threshold is None else float(threshold)
    return _judge(
        "other_model",
        other,
        other.scores >= at,
        other.scores,
        min_group_size=min_group_size,
        title=f"Another model: {other_model.name}",
        thresholds=at,
    )


def _attempt(name: str, make: Callable[[], Fix], **identity: Any) -> Fix:
    """Run one refit; a failure becomes the fix's error in plain words, and the other fixes stand."""
    try:
        return make()
    except (InvalidInputError, ModelError) as error:
        return Fix(name, identity.get("title", FIX_TITLES[name]), bound=identity.get("bound"), error=str(error))
    except Exception as error:  # the estimator's own failure while refitting
        text = " ".join(str(error).split())[:300]
        return Fix(
            name,
            identity.get("title", FIX_TITLES[name]),
            bound=identity.get("bound"),
            error=f"{'Scoring' if name == 'other_model' else 'Refitting'} failed: {type(error).__name__}: {text}",
        )


def fit_reweighed(estimator: Any, X: pd.DataFrame, target: Any, y_true: Any, groups: Any) -> Any:
    """A clone of ``estimator`` fitted on ``(X, target)`` with the reweighing weights of ``y_true`` and ``groups``."""
    from sklearn.base import clone

    weights = reweighing_weights(y_true, groups)
    return clone(estimator).fit(model_input(estimator, X), target, **{weight_parameter(estimator): weights})


def fit_unaware(estimator: Any, X: pd.DataFrame, target: Any, constant: dict[str, Any]) -> Any:
    """A clone of ``estimator`` fitted with the columns in ``constant`` held at one value each.

    Holding a column constant removes what it tells the model while the model's pipeline (which may
    name the column in an encoder) stays as it is; the audited rows get the same constants.
    """
    from sklearn.base import clone

    return clone(estimator).fit(model_input(estimator, X.assign(**constant)), target)


def fit_reductions(
    estimator: Any,
    X: pd.DataFrame,
    y_true: Any,
    groups: Any,
    *,
    constraint: str,
    bound: float,
    iterations: int = REDUCTIONS_ITERATIONS,
    rows: int = REDUCTIONS_ROWS,
    random_state: int = 0,
) -> Any:
    """Fairlearn's ``ExponentiatedGradient`` around ``estimator``, fitted on at most ``rows`` rows (seeded).

    ``y_true`` is the outcome as True/False (fitted as 1/0), ``groups`` each row's group; ``constraint``
    one of :data:`fairdash.engine.thresholds.CONSTRAINTS` with its ``difference_bound``.
    """
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient, TruePositiveRateParity

    moment = {
        "demographic_parity": DemographicParity,
        "equalized_odds": EqualizedOdds,
        "equal_opportunity": TruePositiveRateParity,
    }[constraint](difference_bound=bound)
    y = np.asarray(y_true, dtype=bool).astype(int)
    groups = np.asarray(groups, dtype=object)
    if len(X) > rows:
        keep = np.sort(np.random.default_rng(random_state).choice(len(X), rows, replace=False))
        X, y, groups = X.iloc[keep], y[keep], groups[keep]
    reduction = ExponentiatedGradient(estimator, moment, max_iter=iterations, sample_weight_name=weight_parameter(estimator))
    return reduction.fit(model_input(estimator, X), y, sensitive_features=groups)


def mixture_probability(reduction: Any, X: Any) -> np.ndarray:
    """A fitted ``ExponentiatedGradient``'s probability of a positive decision on each row of ``X``.

    From its public attributes only, as its ``predict`` documents them: the mixture picks predictor
    ``predictors_[i]`` with probability ``weights_[i]``, so a row's chance of a positive decision is the
    weighted share of the predictors that say positive (``predict`` draws against it).
    """
    weights = reduction.weights_
    chance = np.zeros(len(X))
    for index, weight in weights.items():
        if weight > 0:
            chance = chance + weight * np.asarray(reduction.predictors_[index].predict(X), dtype=float)
    return chance


def _refit_target(model: ScoreModel, model_label: Any, y_true: np.ndarray) -> tuple[np.ndarray, Any]:
    """The training outcome in the model's own classes, and the class to score: its positive class
    keeps its label (the table's, or the 0/1 code the model was trained on) and every other value
    becomes the model's other class; without two classes, True/False."""
    classes = model.classes
    if classes is not None and len(classes) == 2 and any(value == model_label for value in classes):
        other = classes[1] if classes[0] == model_label else classes[0]
        return np.where(y_true, model_label, other), model_label
    return np.asarray(y_true, dtype=bool), True


def _refit(
    kind: str,
    inputs: AuditInputs,
    table: pd.DataFrame,
    spec: AuditSpec,
    model: ScoreModel,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    groups_train: pd.Series,
    threshold: float,
    min_group_size: int,
    clock: Callable[[], float],
) -> Fix:
    """Reweighing or unawareness: refit, score the audited rows at ``threshold``, judge."""
    from fairdash.explain.rules import PROXY_STRENGTH, proxy_strength

    target, positive = _refit_target(model, inputs.model_label, y_train)
    audited, title = table, FIX_TITLES[kind]
    started = clock()
    if kind == "reweighing":
        refit = fit_reweighed(model.estimator, X_train, target, y_train, groups_train)
    else:
        present = [column for column in spec.sensitive if column in X_train.columns]
        strength = proxy_strength(X_train.drop(columns=present), groups_train)
        hidden = present + [column for column, value in strength.items() if value >= PROXY_STRENGTH]
        constant = {column: _most_common(X_train[column]) for column in hidden}
        refit = fit_unaware(model.estimator, X_train, target, constant)
        audited = table.assign(**constant)
        title = f"Unawareness (without {', '.join(map(str, hidden)) if hidden else 'any column'})"
    seconds = clock() - started
    scores = ScoreModel.wrap(refit, name=f"{model.name}, {kind}").scores(
        audited, positive_label=positive, features=list(X_train.columns)
    )
    return _judge(
        kind,
        inputs,
        scores >= threshold,
        scores,
        min_group_size=min_group_size,
        seconds=seconds,
        model=refit,
        thresholds=threshold,
        title=title,
    )


def _most_common(values: pd.Series) -> Any:
    counts = values.value_counts(dropna=True)
    return counts.index[0] if len(counts) else values.iloc[0]


def _reductions(
    inputs: AuditInputs,
    table: pd.DataFrame,
    model: ScoreModel,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    groups_train: pd.Series,
    constraint: str,
    bound: float,
    iterations: int,
    rows: int,
    random_state: int,
    min_group_size: int,
    clock: Callable[[], float],
) -> Fix:
    started = clock()
    fitted = fit_reductions(
        model.estimator,
        X_train,
        y_train,
        groups_train,
        constraint=constraint,
        bound=bound,
        iterations=iterations,
        rows=rows,
        random_state=random_state,
    )
    seconds = clock() - started
    X = model_input(model.estimator, table[list(X_train.columns)])
    decisions = np.asarray(fitted.predict(X, random_state=random_state)).astype(bool)
    scores = mixture_probability(fitted, X)
    return _judge(
        "reductions",
        inputs,
        decisions,
        scores,
        min_group_size=min_group_size,
        seconds=seconds,
        model=fitted,
        title=f"Reductions (bound {bound:g})",
        bound=bound,
    )
