"""Numbers inside, words at the edge: the audit computes the facts, ``fairdash.present`` writes every sentence and
names every verdict, once; each rate is defined once (``fairdash.engine.rates``)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.conflict import CriteriaConflict, criteria_conflict
from fairdash.engine.findings import disparity_findings
from fairdash.engine.metrics import rates, table_from_counts
from fairdash.engine.rates import RATES, fractions
from fairdash.engine.calibration import CALIBRATION_NOTES, Calibration, CalibrationRule, calibration_by_group
from fairdash.engine.compare import ComparisonNote, Untested
from fairdash.engine.subgroups import SubgroupSearch
from fairdash.engine.thresholds import SUGGESTION_REASONS, Suggestion
from fairdash.engine.warnings import WARNING_CODES, AuditWarning
from fairdash.engine.undefined import RATE_UNDEFINED_CODES, UNDEFINED_CODES, RateUndefined, Undefined
from fairdash.explain.recourse import Recourse, why_recourse_undefined
from fairdash.monitor.windows import ChangeAlert, GateAlert, Monitor, MonitorNote
from fairdash.present.document import result_json
from fairdash.present.sentences import (
    settings_text,
    alert_text,
    calibration_notes,
    calibration_rule_text,
    comparison_notes,
    monitor_note_text,
    conflict_sentences,
    untested_text,
    finding_sentence,
    subgroups_correction,
    suggestion_sentence,
    undefined_text,
    with_sentences,
    warning_text,
)
from fairdash.present.text import inconclusive_note, verdict_word, verdict_words

ROOT = Path(__file__).resolve().parents[1]

# The computation layers: none writes a sentence about what it found (present/ does). The one exception is named here so
# that no new one slips in: the rule tree's Graphviz source, a drawing format whose node labels carry shares of rows.
_LAYERS = ("engine", "explain", "fixes", "monitor")
_KNOWN = {("rules.py", "_dot")}


def _percentages_written(path: Path) -> list[tuple[str, str | None, int]]:
    """Each f-string value formatted as a percentage (``{rate:.1%}``: a number written for people) outside a ``raise``
    (an error's message is words for the user, and belongs where the error is found), with its function."""
    found = []

    def walk(node: ast.AST, function: str | None, raising: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            raised = raising or isinstance(child, ast.Raise)
            if isinstance(child, ast.FormattedValue) and child.format_spec is not None and not raised:
                spec = "".join(part.value for part in child.format_spec.values if isinstance(part, ast.Constant))
                if spec.endswith("%"):
                    found.append((path.name, inside, child.lineno))
            walk(child, inside, raised)

    walk(ast.parse(path.read_text(encoding="utf-8")), None, False)
    return found


def test_the_audit_writes_no_sentence_about_its_findings():
    paths = [path for layer in _LAYERS for path in sorted((ROOT / "fairdash" / layer).glob("*.py"))] + [
        ROOT / "fairdash" / "run.py"
    ]
    assert len(paths) > 30  # the layers are where the scan looks (a renamed folder would leave nothing to scan)
    written = [found for path in paths for found in _percentages_written(path)]
    assert [found for found in written if found[:2] not in _KNOWN] == []
    # The findings and the conflict carry facts, not sentences.
    findings = disparity_findings(table_from_counts(np.array([[60, 0, 40, 0], [30, 0, 70, 0]]), ["a", "b"]))
    assert "sentence" not in findings.columns
    assert not {"sentence", "sentences"} & {field.name for field in dataclasses.fields(CriteriaConflict)}
    names = {
        node.name
        for path in paths
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }
    assert not [name for name in names if "sentence" in name]


def test_the_scan_finds_a_sentence_written_in_the_audit(tmp_path):
    """The negative control: the scan sees the sentence the audit's findings wrote before."""
    path = tmp_path / "findings.py"
    path.write_text(
        'def _sentences(low, value):\n    return f"{low} is selected at {value:.1%}"\n'
        'def check(value):\n    raise ValueError(f"{value:.1%} is not a rate")\n',
        encoding="utf-8",
    )
    assert _percentages_written(path) == [("findings.py", "_sentences", 2)]


def test_the_sentences_say_the_audits_numbers():
    """The words are written from the facts: each number in a sentence is the finding's (or its groups')."""
    counts = np.array([[60, 0, 40, 0], [30, 0, 70, 0], [10, 0, 90, 0]])  # selection rates 0.6, 0.3, 0.1
    table = table_from_counts(counts, ["a", "b", "c"])
    findings = disparity_findings(table, reference="b")
    ratio = findings.loc["demographic_parity_ratio"]
    assert ratio["value"] == pytest.approx(0.1 / 0.6)
    assert finding_sentence("demographic_parity_ratio", ratio) == (
        "c is selected at 0.17 times the rate of a (10.0% against 60.0%). Against the reference b, the lowest is c at 0.33 times its rate."
    )
    assert finding_sentence("demographic_parity_difference", findings.loc["demographic_parity_difference"]) == (
        "Selection rates range from 10.0% (c) to 60.0% (a)."
    )
    undefined = findings.loc["equal_opportunity_ratio"]  # every TPR is 1 here, so defined; an undefined one says why
    assert finding_sentence("equal_opportunity_ratio", undefined).startswith("Of the people who truly are positive")
    lonely = disparity_findings(table.loc[["a"]])
    assert finding_sentence("demographic_parity_ratio", lonely.loc["demographic_parity_ratio"]) == (
        "Undefined: fewer than two groups to compare (groups under the small-group minimum are left out)."
    )
    shown = with_sentences(findings)
    assert list(shown.columns) == ["value", "rule", "passed", "conclusive", "sentence", "undefined"]


def test_the_conflict_is_said_from_its_numbers():
    table = pd.DataFrame(
        {"count": [100, 300], "base_rate": [0.6, 0.3], "precision": [0.7, 0.6], "fnr": [0.2, 0.3], "fpr": [0.8, 0.15]},
        index=["x", "y"],
    )
    conflict = criteria_conflict(table, reference="y")
    text = " ".join(conflict_sentences(conflict))
    assert conflict.compared == "x"
    forced = conflict.table.loc["x", "fpr_forced"]
    assert forced == pytest.approx(0.7) and conflict.share == pytest.approx((0.7 - 0.15) / (0.8 - 0.15))
    assert f"alone forces an FPR of {forced:.1%}: {conflict.share:.0%} of the gap comes from the base rates" in text
    assert text.startswith("Base rates differ: 60.0% of x are truly positive, 30.0% of y.")


@pytest.mark.parametrize(
    ("finding", "plain", "loud"),
    [
        ({"passed": True, "undefined": None}, "pass", "pass"),
        ({"passed": False, "undefined": None}, "fail", "FAIL"),
        ({"passed": None, "undefined": "no groups"}, "undefined", "undefined"),
        ({"passed": None, "undefined": None}, "", ""),
        ({"passed": True}, "pass", "pass"),  # a saved audit's headline has no reason
    ],
)
def test_one_function_names_every_verdict(finding, plain, loud):
    assert verdict_word(finding) == plain and verdict_word(finding, loud=True) == loud
    assert verdict_words() == {
        "pass": "pass",
        "fail": "fail",
        "undefined": "undefined",
        "inconclusive": "inconclusive: the interval crosses {bar}",
    }
    crossing = {**finding, "conclusive": False, "rule": ">= 0.8"}
    assert inconclusive_note(crossing) == ("" if finding["passed"] is None else "inconclusive: the interval crosses 0.8")


def _verdict_words_made(path: Path) -> list[tuple[str, int, str]]:
    """String constants that are a verdict word (``pass``, ``fail``, ``no rule``; any case, in parentheses or spaces),
    except those a presenter only reads (a dict key, a value compared with)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            read.update(id(key) for key in node.keys if key is not None)
        if isinstance(node, ast.Compare):
            read.update(id(part) for comparator in node.comparators for part in ast.walk(comparator))
    return [
        (path.name, node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in read
        and node.value.strip(" (),").lower() in {"pass", "fail", "no rule"}
    ]


def test_every_verdict_word_comes_from_one_function(tmp_path):
    files = [*(ROOT / "fairdash").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    made = [found for path in files if path != ROOT / "fairdash" / "present" / "text.py" for found in _verdict_words_made(path)]
    assert made == []
    script = (ROOT / "fairdash" / "present" / "static" / "preview.js").read_text(encoding="utf-8")
    assert ">pass<" not in script and ">fail<" not in script and "inconclusive: the" not in script
    control = tmp_path / "saved.py"  # the negative control: the words the saved audits' list wrote itself
    control.write_text(
        'def verdict(found):\n    return {True: " pass", False: " FAIL", None: ""}[found["passed"]]\n', encoding="utf-8"
    )
    assert [word for _, _, word in _verdict_words_made(control)] == [" pass", " FAIL"]


def test_each_rate_is_its_cells_over_its_cells():
    """Every rate of the metric table is its definition's numerator over its denominator, in counts of four cells
    and of six (the selection rate counts the rows without an outcome; no other rate does)."""
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 50, size=(5, 6))
    counts[0, :4] = 0  # only rows without an outcome: every rate but the selection rate is undefined
    tp, fp, tn, fn, unknown_selected, unknown = counts.T
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = {
            "selection_rate": (tp + fp + unknown_selected) / (tp + fp + tn + fn + unknown_selected + unknown),
            "tpr": tp / (tp + fn),
            "fpr": fp / (fp + tn),
            "precision": tp / (tp + fp),
            "base_rate": (tp + fn) / (tp + fp + tn + fn),
        }
        found = rates(counts)
        for name, values in expected.items():
            np.testing.assert_allclose(found[name], values, rtol=0, atol=0)
        assert np.isnan(found["tpr"][0]) and not np.isnan(found["selection_rate"][0])
    assert set(fractions(counts)) == set(RATES) and RATES["tpr"].count_columns == ("tp", "fn")
    assert RATES["selection_rate"].count_columns == ("count",)


def test_suggest_carries_a_reason_and_present_says_it():
    """Suggest returns facts (a reason code, the accuracies and differences); the sentence is written from them."""
    unmet = Suggestion(
        constraint="equal_opportunity",
        tolerance=0.05,
        thresholds=None,
        accuracy=float("nan"),
        disparity=float("nan"),
        baseline_threshold=0.5,
        baseline_accuracy=0.8,
        baseline_disparity=0.2,
        reason="beyond_tolerance",
        left_out=tuple("abcdefgh"),
    )
    assert suggestion_sentence(unmet) == (
        "No suggestion: no per-group thresholds bring the true-positive-rate (equal opportunity) difference within 0.05. "
        "a, b, c, d, e, f and 2 more are too small to judge, so left out of the search: they keep the one threshold of 0.5."
    )
    assert set(SUGGESTION_REASONS) == {"too_few_groups", "beyond_tolerance"}
    assert not {"message", "sentence"} & {field.name for field in dataclasses.fields(Suggestion)}
    met = dataclasses.replace(unmet, thresholds={"a": 0.4}, accuracy=0.75, disparity=0.03, reason=None, left_out=())
    assert suggestion_sentence(met) == (
        "These thresholds bring the true-positive-rate (equal opportunity) difference from 0.200 to 0.030 (tolerance 0.05); "
        "accuracy goes from 80.0% to 75.0% (-5.0 points) against one threshold of 0.5."
    )


def test_the_methods_in_words_are_written_from_their_numbers():
    """Calibration's method, the subgroups' correction and the recourse rows: present writes them from the result's counts."""
    search = SubgroupSearch(
        results=pd.DataFrame(),
        tested=40,
        tests=100,
        passing=0,
        columns=("a",),
        skipped={},
        max_conditions=2,
        min_size=30,
        confidence=0.95,
    )
    assert subgroups_correction(search) == (
        "Bonferroni over 100 tests (40 subgroups of 1 to 2 conditions, each in up to 3 rates): p_adjusted = min(1, p x 100); "
        "intervals hold for all tests at once at 95% (each at 0.9995)"
    )
    for cls in (Calibration, SubgroupSearch, Recourse):
        assert not [
            name
            for name, value in vars(cls).items()
            if isinstance(value, property) and name in {"method", "correction", "described"}
        ]


# Why a figure is undefined: sentences the computation layers still write, each to move to present/ (the list only shrinks).
_UNDEFINED_KNOWN: set[tuple[str, str | None]] = set()
_UNDEFINED_WORDS = ("undefined", "fewer than", "only one group", "no group has")


def _undefined_sentences(path: Path) -> list[tuple[str, str | None]]:
    """Each string (an f-string as a whole, its values as ``{}``) outside a docstring and a ``raise`` that says why a
    figure is undefined, with its function."""
    return _strings_written(path, lambda text: any(words in text.lower() for words in _UNDEFINED_WORDS))


def _sentence(text: str) -> bool:
    """A sentence for people: five words or more, ending in a full stop (a warning such as "Some rows have no value for
    a sensitive attribute; they form a group of their own, {}.")."""
    return len(text.split()) >= 5 and text.rstrip().endswith(".")


def _strings_written(path: Path, said: Callable[[str], bool]) -> list[tuple[str, str | None]]:
    """Each string (an f-string as a whole, its values as ``{}``) outside a docstring and a ``raise`` for which ``said``
    holds, with its function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    docstrings |= {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}  # attribute docstrings
    found = []

    def walk(node: ast.AST, function: str | None, raising: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            raised = raising or isinstance(child, ast.Raise)
            text = None
            if isinstance(child, ast.JoinedStr):
                text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in child.values)
                for part in child.values:  # the values' own strings
                    walk(part, inside, raised)
            elif isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in docstrings:
                text = child.value
            else:
                walk(child, inside, raised)
            if text is not None and " " in text.strip() and not raised and said(text):
                found.append((path.name, inside))

    walk(tree, None, False)
    return found


def test_the_audit_says_why_a_figure_is_undefined_in_facts_not_words():
    """The computation layers return reason codes and facts (:class:`Undefined`); present/ writes the sentence."""
    paths = [path for layer in _LAYERS for path in sorted((ROOT / "fairdash" / layer).glob("*.py"))] + [
        ROOT / "fairdash" / "run.py"
    ]
    found = {where for path in paths for where in _undefined_sentences(path)}
    assert found - _UNDEFINED_KNOWN == set()
    assert _UNDEFINED_KNOWN - found == set()  # a sentence moved out: take it off the list


# Sentences the computation layers write that are not about what an audit found: error messages built before their
# ``raise`` (or kept for one), and the demos' descriptions (data, not a finding). The warnings are not among them: they
# are facts (:class:`fairdash.engine.warnings.AuditWarning`), written by ``present.sentences.warning_text``.
_SENTENCES_KNOWN = {
    ("compare.py", None),  # an error message (engine: not an audit's JSON; fixes: no model to refit)
    ("compare.py", "refittable"),  # error messages
    ("compare.py", "_refit_training"),  # an error message
    ("compare.py", "_lacking_groups_message"),  # an error message
    ("demo.py", "_adult"),  # the demos' descriptions
    ("demo.py", "_compas"),
    ("demo.py", "_german"),
    ("thresholds.py", None),  # an error message (the curves cannot change)
    ("counterfactuals.py", None),  # error messages
    ("counterfactuals.py", "_none_found"),  # an error message
    ("rules.py", "beyond_tree_range"),  # an error message
}


def test_the_audit_warns_in_facts_not_words():
    """The warnings (small groups, missing sensitive values, ID-like columns, scores outside [0, 1], the model's 0/1
    classes) are :class:`AuditWarning` values; no computation layer writes a sentence but the known ones."""
    paths = [path for layer in _LAYERS for path in sorted((ROOT / "fairdash" / layer).glob("*.py"))] + [
        ROOT / "fairdash" / "run.py"
    ]
    found = {where for path in paths for where in _strings_written(path, _sentence)}
    assert found - _SENTENCES_KNOWN == set()
    assert _SENTENCES_KNOWN - found == set()  # a sentence moved out: take it off the list


def test_the_sentence_scan_finds_the_warnings_the_audit_wrote(tmp_path):
    """The negative control: the warnings ``audit_warnings`` and ``score_warnings`` returned before are found; a
    docstring, an error and a short label are left alone."""
    path = tmp_path / "spec.py"
    path.write_text(
        '''def audit_warnings(table, column):
    """Plain-words warnings."""
    warnings = ["Some rows have no value for a sensitive attribute; they form a group of their own, (missing)."]
    warnings.append(f"The model takes {column}, which looks like a row ID; a model should not learn from IDs.")
    return warnings
def score_warnings(count):
    return [f"{count:,} score(s) lie outside [0, 1] though the others look like probabilities. They are audited as they are."]
def label(column):
    return f"{column} (ref.)"
def check(value):
    raise ValueError(f"{value} is not a score. Give a number between 0 and 1.")
''',
        encoding="utf-8",
    )
    assert _strings_written(path, _sentence) == [("spec.py", "audit_warnings")] * 2 + [("spec.py", "score_warnings")]


def test_each_warning_is_said_from_its_facts():
    """Each warning code has its words, which say the warning's numbers (the sentences the audit printed before)."""
    small = AuditWarning("small_groups", groups=tuple((f"g{i}", i) for i in range(12)), min_group_size=30)
    assert warning_text(small) == (
        "12 group(s) have fewer than 30 rows, too few to judge: g0 (0), g1 (1), g2 (2), g3 (3), g4 (4), g5 (5), g6 (6), "
        "g7 (7), g8 (8), g9 (9) and 2 more. Their rates swing widely by chance."
    )
    assert warning_text(AuditWarning("scores_outside_0_1", count=1234, value=1.5, row=1018)) == (
        "1,234 score(s) lie outside [0, 1] (the first, 1.5, in row 1,018) though the others look like probabilities. "
        "They are audited as they are, and the default threshold is then the middle score, not 0.5."
    )
    assert warning_text(AuditWarning("model_classes", classes=(0, 1), positive_label="yes")).startswith(
        "The model predicts classes 0 and 1, not the table's labels: its class 1 is taken as the positive label 'yes'."
    )
    assert warning_text(AuditWarning("id_sensitive", column="code")) == (
        "The sensitive attribute 'code' looks like a row ID (nearly every value is different)."
    )
    assert warning_text(AuditWarning("id_feature", column="cust_id")).startswith("The model takes 'cust_id'")
    assert warning_text(AuditWarning("missing_sensitive")).endswith("a group of their own, (missing).")
    assert len({warning_text(AuditWarning(code, classes=(0, 1))) for code in WARNING_CODES}) == len(WARNING_CODES)


def test_the_undefined_scan_finds_the_reason_the_metrics_wrote(tmp_path):
    """The negative control: the sentences ``why_undefined`` returned before, and a docstring and an error left alone."""
    path = tmp_path / "metrics.py"
    path.write_text(
        '''def why_undefined(table, name):
    """Why it is undefined, in words."""
    if len(table) < 2:
        return "fewer than two groups to compare (groups under the small-group minimum are left out)"
    return f"the highest {name} is 0, and a ratio to 0 is undefined"
def count(label, rate):
    return f"{label} has a defined {rate}"
def only(count, rate):
    return f"{'only one group' if count else 'no group'} has a defined {rate}"
def check(value):
    raise ValueError(f"{value} is undefined")
''',
        encoding="utf-8",
    )
    assert _undefined_sentences(path) == [("metrics.py", "why_undefined")] * 2 + [("metrics.py", "only")]


_UNDEFINED_COUNTS = {  # counts ``tp, fp, tn, fn`` per group, whose disparities are undefined for each reason
    "lonely": (np.array([[5, 5, 5, 5]]), ["a"]),
    "nobody selected": (np.array([[0, 0, 5, 5], [0, 0, 3, 7]]), ["a", "b"]),
    "no positives but in a": (np.array([[5, 5, 5, 5]] + [[0, 3, 7, 0]] * 7), ["a", *"bcdefgh"]),
}


def _undefined_tables() -> dict[str, pd.DataFrame]:
    return {name: table_from_counts(*counts) for name, counts in _UNDEFINED_COUNTS.items()}


def test_the_findings_carry_why_a_disparity_is_undefined_as_facts():
    """Every undefined finding holds an :class:`Undefined` (a code, the rates and the groups without a value), never text;
    its words come from :func:`undefined_text`, in the findings shown, the JSON and the sentence, the same in each."""
    tables = _undefined_tables()
    lonely = disparity_findings(tables["lonely"])
    assert set(lonely["undefined"]) == {Undefined("too_few_groups")}
    nobody = disparity_findings(tables["nobody selected"])
    assert nobody.loc["demographic_parity_ratio", "undefined"] == Undefined(
        "rates", (RateUndefined("selection_rate", "highest_zero"),)
    )
    assert nobody.loc["predictive_parity_difference", "undefined"] == Undefined(
        "rates", (RateUndefined("precision", "no_group", ("a", "b")),)
    )
    assert nobody.loc["demographic_parity_difference", "undefined"] is None
    many = disparity_findings(tables["no positives but in a"])
    assert many.loc["equal_opportunity_difference", "undefined"] == Undefined(
        "rates", (RateUndefined("tpr", "one_group", tuple("bcdefgh")),)
    )
    reasons = {reason for findings in (lonely, nobody, many) for reason in findings["undefined"] if reason is not None}
    assert {reason.code for reason in reasons} <= set(UNDEFINED_CODES)
    assert {part.code for reason in reasons for part in reason.rates} == set(RATE_UNDEFINED_CODES)
    assert not [
        reason for reason in reasons if any(isinstance(value, str) and " " in value for value in dataclasses.astuple(reason))
    ]
    # The words, as the audit wrote them before it held facts (its JSON and reports keep them byte for byte).
    assert (
        undefined_text(Undefined("too_few_groups"))
        == "fewer than two groups to compare (groups under the small-group minimum are left out)"
    )
    assert undefined_text(nobody.loc["equalized_odds_ratio", "undefined"]) == (
        "the highest true positive rate is 0, and a ratio to 0 is undefined; the highest false positive rate is 0, and a ratio to 0 is undefined"
    )
    assert (
        undefined_text(nobody.loc["predictive_parity_ratio", "undefined"])
        == "no group has a defined precision (a, b: no selected rows)"
    )
    assert undefined_text(many.loc["equal_opportunity_ratio", "undefined"]) == (
        "only one group has a defined true positive rate (b, c, d, e, f and 2 more: no true positives)"
    )
    assert undefined_text(Undefined("too_few_define")) == "fewer than two groups define it"
    assert undefined_text(None) is None


def test_every_presenter_says_the_same_reason():
    """``with_sentences``, the sentence and the audit's JSON say an undefined finding's reason in the same words."""
    from fairdash.engine.result import judge

    result = judge(*_UNDEFINED_COUNTS["nobody selected"])
    shown, document = with_sentences(result.findings), result_json(result)
    for name, reason in result.findings["undefined"].items():
        text = undefined_text(reason)
        assert shown.loc[name, "undefined"] == text == document["findings"][name]["undefined"]
        if text is not None:
            assert finding_sentence(name, result.findings.loc[name]) == f"Undefined: {text}."


def test_the_recourse_says_why_its_burden_is_undefined_in_facts():
    """The recourse burden's reasons are facts too; the words are those the recourse wrote before (its JSON keeps them)."""
    judged = pd.DataFrame({"found": [4, 0, 0]}, index=pd.Index(["a", "b", "c"], name="group"))
    few = why_recourse_undefined(judged)
    assert few == Undefined("recourse_few_found", groups=("b", "c"), count=1)
    assert undefined_text(few) == "only 1 group(s) have a counterfactual found (b, c: none within the search budget)"
    lonely = why_recourse_undefined(judged.loc[["a"]])
    assert lonely == Undefined("recourse_too_few_groups")
    assert undefined_text(lonely) == (
        "fewer than two groups have enough rows with a counterfactual found to compare (groups under the "
        "small-group minimum are left out)"
    )
    assert undefined_text(Undefined("recourse_zero_burden")) == (
        "the largest burden is 0 (every counterfactual at distance 0), and a ratio to 0 is undefined"
    )


def test_calibration_says_why_its_ece_is_undefined_in_facts():
    """Calibration's reasons and notes are codes and counts; the words are those it wrote before (its JSON keeps them)."""
    truth = np.tile([0, 1], 150)
    groups = np.repeat(["a", "b", "c"], [200, 80, 20])
    predictions = calibration_by_group(truth, truth.astype(float), groups)
    assert predictions.undefined == Undefined("scores_are_predictions") and predictions.notes == ("predictions",)
    assert undefined_text(predictions.undefined) == (
        "the score is not a probability (0/1 predictions), so only the observed rate per "
        "score value is shown; an ECE would compare a rank with a rate"
    )
    assert calibration_notes(predictions) == [
        "The scores are 0/1 predictions, not scores: each group's two points are the share of positives among the rows predicted 0 "
        "and among those predicted 1 (its precision). A calibration curve needs a score."
    ]
    scores = np.linspace(0.05, 0.95, 300)
    small = calibration_by_group(truth, scores, groups, min_group_size=100, n_resamples=50)
    assert small.undefined == Undefined("calibration_too_few_groups", count=100)
    assert undefined_text(small.undefined) == "fewer than two groups have 100 rows or more"
    assert small.findings.loc["ece[c]", "undefined"] == Undefined("calibration_small_group", count=100)
    assert undefined_text(small.findings.loc["ece[c]", "undefined"]) == "the group has fewer than 100 rows"
    assert calibration_notes(calibration_by_group(truth, np.full(300, 0.3), groups, n_resamples=50)) == [
        "Every row has the same score: each group has one point, its base rate, and nothing shows how the observed rate "
        "follows the score."
    ]
    assert set(CALIBRATION_NOTES) == {"predictions", "constant"}
    assert small.rule == CalibrationRule(at_most=0.1, alpha=small.rule.alpha, tests=1)  # the gap undefined: one group tested
    assert small.rule.alpha == pytest.approx(0.05)
    assert calibration_rule_text(small.rule) == (
        "at most 0.1 above what calibrated groups with the same rows show (Monte Carlo p >= 0.05, Holm over 1 tests)"
    )


def test_a_comparison_says_why_a_change_is_untested_and_its_notes_in_facts():
    """Why a change was not tested and what to know before reading a comparison are facts; the words are those the
    comparison wrote before (its JSON and the command line keep them)."""
    assert untested_text(Untested("undefined", audits=("before", "after"))) == "the disparity is undefined before and after"
    assert untested_text(Untested("no_difference", rates=("tpr", "fpr"))) == "no two groups differ in tpr or fpr in either audit"
    assert untested_text(Untested("no_variance", rates=("selection_rate",))) == (
        "no two groups have a selection rate in both audits whose change has a variance"
    )
    notes = (
        ComparisonNote("only_groups", audit="after", groups=("a", 3)),
        ComparisonNote("thresholds", before=0.5, after={"a": 0.4}),
        ComparisonNote("min_group_size", before=30, after=20),
        ComparisonNote("tolerance", before=0.1, after=0.05),
    )
    assert comparison_notes(notes) == [
        "Groups only in the after audit: 'a', 3.",
        "The thresholds differ (0.5 before, {'a': 0.4} after).",
        "The small-group minimums differ (30 before, 20 after): the groups judged or the verdicts may differ for that alone.",
        "The tolerances differ (0.1 before, 0.05 after): the groups judged or the verdicts may differ for that alone.",
    ]


def test_the_monitor_says_its_alerts_and_notes_from_facts():
    """The monitor's alerts and notes carry facts (codes, values, groups); the words are those it wrote before."""
    assert (
        alert_text(GateAlert("first", 0.7234, ">= 0.8"))
        == "fails the gate from the first window judged: 0.723, which fails >= 0.8"
    )
    assert alert_text(GateAlert("leaves", 0.2, "<= 0.1")) == "leaves the gate: 0.200, which fails <= 0.1"
    change = ChangeAlert("tpr", "a", "b", 0.25, pd.Timestamp("2024-01-01"), 3.1, 0.0012, 3, 3, 5)
    assert alert_text(change) == (
        "the gap in tpr between 'a' and 'b' changed by +0.250 from the baseline window 2024-01-01 (z = 3.1, "
        "p = 1.2e-03: the largest of 3 pair(s) of 3 groups, Tukey-Kramer; Bonferroni over 5 windows)"
    )
    assert monitor_note_text(
        MonitorNote("gaps", count=8, window="month", starts=tuple(f"2024-0{m}-01" for m in range(2, 8)))
    ) == (
        "No rows in the month(s) starting 2024-02-01, 2024-03-01, 2024-04-01, 2024-05-01, 2024-06-01, 2024-07-01 and 2 more: a gap "
        "in the log, not a window of zeros."
    )
    assert monitor_note_text(MonitorNote("late_groups", groups=(("c", pd.Timestamp("2024-04-01")),))) == (
        "Groups that first appear later: 'c' (2024-04-01)."
    )
    assert monitor_note_text(MonitorNote("no_outcome", target="y")) == (
        "No outcome in 'y' is known yet: only the selection rates and their disparities (demographic parity) can be judged."
    )
    assert "notes" in {field.name for field in dataclasses.fields(Monitor)}


def test_the_settings_and_the_methods_are_said_in_present():
    """The settings that judge an audit, the balance's correction and the CDD's method are words present/ writes: the
    engine's settings and results carry none."""
    import fairdash.engine.balance as balance
    import fairdash.engine.conditional as conditional
    from fairdash.engine.result import AuditSettings

    assert settings_text(AuditSettings(tolerance=0.05, min_group_size=20)) == "tolerance 0.05, groups under 20 rows left out"
    assert settings_text(AuditSettings(min_group_size=0)) == "tolerance 0.1, no group left out for its size"
    assert not hasattr(AuditSettings, "described")
    assert not {"BALANCE_CORRECTION", "CDD_INTERVAL_METHOD"} & (set(vars(balance)) | set(vars(conditional)))
    assert "correction" not in {field.name for field in dataclasses.fields(balance.DataBalance)}
    assert "method" not in {field.name for field in dataclasses.fields(conditional.Conditional)}
