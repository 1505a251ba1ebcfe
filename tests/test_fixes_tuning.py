"""The thresholds fix learns where the refits learn (the training rows) and is judged on the audited rows; without
training rows it says it was tuned in sample. The original decides at the audited thresholds, per group included.
The reductions' scores come from Fairlearn's public API only."""

import ast
import pathlib

import fairlearn
import numpy as np
import pandas as pd
import pytest
import test_fixes
from sklearn.utils import check_random_state
from test_fixes import FEATURES, SPEC, _pipeline

from fairdash.engine.result import AuditSettings, judge
from fairdash.engine.thresholds import ThresholdCurves
from fairdash.fixes.compare import compare_fixes, fit_reductions, mixture_probability
from fairdash.present.fixes_report import fixes_json, fixes_table

ROOT = pathlib.Path(__file__).resolve().parents[1]
loans, fitted = test_fixes.loans, test_fixes.fitted  # test_fixes.py's fixtures (bound here, pytest finds them here)


def _shifted(test: pd.DataFrame) -> pd.DataFrame:
    """The audited rows drift from the training rows: women's incomes are 8 higher, so their scores are too."""
    return test.assign(income=np.where(test["sex"] == "female", test["income"] + 8, test["income"]))


def _tuned(table: pd.DataFrame, model) -> dict[str, float]:
    """The oracle: Suggest run directly on ``table``'s rows and the model's scores of them."""
    y_true = (table["repaid"] == "repaid").to_numpy()
    scores = model.estimator.predict_proba(table[FEATURES])[:, 1]
    return (
        ThresholdCurves(y_true, scores, table["sex"])
        .suggest("demographic_parity", 0.02, baseline=0.5, judged=["female", "male"])
        .thresholds
    )


def test_the_thresholds_fix_is_tuned_on_the_training_rows_and_judged_on_the_audited_ones(loans, fitted):
    train, test = loans
    audited = _shifted(test)
    fixes = compare_fixes(audited, SPEC, fitted, train=train, methods=("thresholds",), tolerance=0.02)
    fix = fixes[1]
    assert fix.name == "thresholds" and not fix.in_sample and fix.error is None
    assert fix.thresholds == _tuned(train, fitted)
    in_sample = _tuned(audited, fitted)
    assert abs(in_sample["female"] - fix.thresholds["female"]) > 0.02  # the drift moves the in-sample choice
    # Judged on the audited rows at those thresholds, as the audit judges.
    y_true = (audited["repaid"] == "repaid").to_numpy()
    decisions = fitted.estimator.predict_proba(audited[FEATURES])[:, 1] >= audited["sex"].map(fix.thresholds).to_numpy()
    assert fix.accuracy == pytest.approx(float((decisions == y_true).mean()), abs=1e-12)
    # Out of sample, the constraint need not hold: here the drift breaks it, which in-sample tuning would hide.
    assert fix.disparities["demographic_parity_difference"] > 0.02
    # Without training rows it is tuned on the audited rows and says so.
    alone = compare_fixes(audited, SPEC, fitted, methods=("thresholds",), tolerance=0.02)[1]
    assert alone.in_sample and alone.thresholds == in_sample
    assert alone.disparities["demographic_parity_difference"] <= 0.02 + 1e-12
    assert fixes_json([alone], constraint="demographic_parity")["fixes"][0]["in_sample"] is True
    assert fixes_json(fixes, constraint="demographic_parity")["fixes"][1]["in_sample"] is False
    table = fixes_table([fixes[0], alone], "demographic_parity_difference")
    assert table.loc["Thresholds per group", "learnt on"] == "the audited rows (in sample)"
    assert table.loc["Original", "learnt on"] == ""


def test_the_original_decides_at_the_audited_per_group_thresholds(loans, fitted):
    _, test = loans
    audited = {"female": 0.4, "male": 0.6}
    original, other = compare_fixes(test, SPEC, fitted, threshold=audited, methods=("other_model",), other_model=fitted)
    assert other.error is None and other.thresholds == 0.5  # another model decides at its own boundary
    scores = fitted.estimator.predict_proba(test[FEATURES])[:, 1]
    counts_at = ThresholdCurves((test["repaid"] == "repaid").to_numpy(), scores, test["sex"]).counts_at(audited)
    audit = judge(counts_at, ["female", "male"], AuditSettings(thresholds=audited))
    assert original.thresholds == audited
    pd.testing.assert_frame_equal(original.table, audit.by_group)
    assert original.disparities == audit.disparities


def test_the_mixtures_probability_is_what_fairlearns_predict_draws_against(loans):
    train, test = loans
    y = (train["repaid"] == "repaid").to_numpy()
    reduction = fit_reductions(
        _pipeline(), train[FEATURES], y, train["sex"], constraint="demographic_parity", bound=0.01, iterations=8
    )
    assert (reduction.weights_ > 0).sum() >= 2  # a real mixture, not one model
    chance = mixture_probability(reduction, test[FEATURES])
    assert ((chance > 0) & (chance < 1)).any()
    for seed in (0, 1, 2):  # predict() says positive where the chance reaches a uniform draw of its random_state
        expected = (chance >= check_random_state(seed).rand(len(test))).astype(int)
        np.testing.assert_array_equal(reduction.predict(test[FEATURES], random_state=seed), expected)


def _fairlearn_private_names() -> set[str]:
    names = set()
    for path in pathlib.Path(fairlearn.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            name = (
                node.name
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                else getattr(node, "attr", None)
            )
            if isinstance(name, str) and name.startswith("_") and not name.startswith("__"):
                names.add(name)
    return names


def _private_uses(source: str, private: set[str]) -> list[str]:
    uses = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in private
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            uses.append(node.attr)
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("fairlearn")
            and (
                any(part.startswith("_") for part in node.module.split("."))
                or any(alias.name.startswith("_") for alias in node.names)
            )
        ):
            uses.append(node.module)
    return uses


def test_no_private_fairlearn_name_is_used():
    private = _fairlearn_private_names()
    assert "_pmf_predict" in private
    assert _private_uses("p = reduction._pmf_predict(X)[:, 1]", private) == ["_pmf_predict"]  # the check sees one
    assert _private_uses("from fairlearn.reductions._moments import x", private) == ["fairlearn.reductions._moments"]
    found = {
        str(path.relative_to(ROOT)): _private_uses(path.read_text(), private)
        for path in [*(ROOT / "fairdash").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    }
    assert {path: uses for path, uses in found.items() if uses} == {}


class _FakeClock:
    """Seconds that advance by ``step`` at each reading: a fit timed between two readings takes ``step``."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_the_time_estimate_is_measured_fits_times_the_fits_to_come(loans, fitted):
    from fairdash.fixes.compare import estimate_refits, refit_fits
    from fairdash.present.fixes_report import estimate_text

    train, test = loans
    fixes = compare_fixes(test, SPEC, fitted, train=train, methods=("reweighing",), clock=_FakeClock(12.0))
    reweighed = fixes[1]
    assert reweighed.name == "reweighing" and reweighed.seconds == 12.0  # measured with the clock given
    assert refit_fits("reductions", bounds=(0.01, 0.03, 0.06), iterations=5) == 15 and refit_fits("reweighing") == 1
    # 15 fits of the same 3,000 rows at 12 s each: 180 s.
    estimate = estimate_refits("reductions", reweighed, train_rows=len(train), bounds=(0.01, 0.03, 0.06), iterations=5)
    assert (estimate.fits, estimate.rows, estimate.seconds) == (15, 3000, 180.0)
    assert estimate_text(estimate) == "about 3 min (estimated from one fit of 12.0 s, times 15 fits)"
    # On fewer rows a fit is taken to cost the same (a fit's time is far from proportional to its rows).
    smaller = estimate_refits("reductions", reweighed, train_rows=len(train), rows=1000, bounds=(0.01,), iterations=4)
    assert (smaller.fits, smaller.rows, smaller.timed_rows, smaller.seconds) == (4, 1000, 3000, 48.0)
    assert estimate_text(smaller) == "about 48 s (estimated from one fit of 12.0 s, times 4 fits)"
    assert (
        estimate_text(estimate_refits("reductions", reweighed, train_rows=len(train), iterations=50))
        == "about 30 min (estimated from one fit of 12.0 s, times 150 fits)"
    )
    assert (
        estimate_text(estimate_refits("unawareness", reweighed, train_rows=len(train)))
        == "about 12 s (estimated from one fit of 12.0 s, times 1 fit)"
    )
