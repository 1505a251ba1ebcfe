"""Numbers inside, words at the edge: the audit computes the facts, ``fairdash.present`` writes every sentence and
names every verdict, once; each rate is defined once (``fairdash.engine.rates``)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairdash.engine.conflict import CriteriaConflict, criteria_conflict
from fairdash.engine.findings import disparity_findings
from fairdash.engine.metrics import rates, table_from_counts
from fairdash.engine.rates import RATES, fractions
from fairdash.engine.calibration import Calibration
from fairdash.engine.subgroups import SubgroupSearch
from fairdash.engine.thresholds import SUGGESTION_REASONS, Suggestion
from fairdash.explain.recourse import Recourse
from fairdash.present.sentences import conflict_sentences, finding_sentence, subgroups_correction, suggestion_sentence, with_sentences
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
    paths = [path for layer in _LAYERS for path in sorted((ROOT / "fairdash" / layer).glob("*.py"))] + [ROOT / "fairdash" / "run.py"]
    assert len(paths) > 30  # the layers are where the scan looks (a renamed folder would leave nothing to scan)
    written = [found for path in paths for found in _percentages_written(path)]
    assert [found for found in written if found[:2] not in _KNOWN] == []
    # The findings and the conflict carry facts, not sentences.
    findings = disparity_findings(table_from_counts(np.array([[60, 0, 40, 0], [30, 0, 70, 0]]), ["a", "b"]))
    assert "sentence" not in findings.columns
    assert not {"sentence", "sentences"} & {field.name for field in dataclasses.fields(CriteriaConflict)}
    names = {node.name for path in paths
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.FunctionDef)}
    assert not [name for name in names if "sentence" in name]


def test_the_scan_finds_a_sentence_written_in_the_audit(tmp_path):
    """The negative control: the scan sees the sentence the audit's findings wrote before."""
    path = tmp_path / "findings.py"
    path.write_text('def _sentences(low, value):\n    return f"{low} is selected at {value:.1%}"\n'
                    'def check(value):\n    raise ValueError(f"{value:.1%} is not a rate")\n', encoding="utf-8")
    assert _percentages_written(path) == [("findings.py", "_sentences", 2)]


def test_the_sentences_say_the_audits_numbers():
    """The words are written from the facts: each number in a sentence is the finding's (or its groups')."""
    counts = np.array([[60, 0, 40, 0], [30, 0, 70, 0], [10, 0, 90, 0]])  # selection rates 0.6, 0.3, 0.1
    table = table_from_counts(counts, ["a", "b", "c"])
    findings = disparity_findings(table, reference="b")
    ratio = findings.loc["demographic_parity_ratio"]
    assert ratio["value"] == pytest.approx(0.1 / 0.6)
    assert finding_sentence("demographic_parity_ratio", ratio) == (
        "c is selected at 0.17 times the rate of a (10.0% against 60.0%). Against the reference b, the lowest is c at 0.33 times its rate.")
    assert finding_sentence("demographic_parity_difference", findings.loc["demographic_parity_difference"]) == (
        "Selection rates range from 10.0% (c) to 60.0% (a).")
    undefined = findings.loc["equal_opportunity_ratio"]  # every TPR is 1 here, so defined; an undefined one says why
    assert finding_sentence("equal_opportunity_ratio", undefined).startswith("Of the people who truly are positive")
    lonely = disparity_findings(table.loc[["a"]])
    assert finding_sentence("demographic_parity_ratio", lonely.loc["demographic_parity_ratio"]) == (
        "Undefined: fewer than two groups to compare (groups under the small-group minimum are left out).")
    shown = with_sentences(findings)
    assert list(shown.columns) == ["value", "rule", "passed", "conclusive", "sentence", "undefined"]


def test_the_conflict_is_said_from_its_numbers():
    table = pd.DataFrame({"count": [100, 300], "base_rate": [0.6, 0.3], "precision": [0.7, 0.6], "fnr": [0.2, 0.3],
                          "fpr": [0.8, 0.15]}, index=["x", "y"])
    conflict = criteria_conflict(table, reference="y")
    text = " ".join(conflict_sentences(conflict))
    assert conflict.compared == "x"
    forced = conflict.table.loc["x", "fpr_forced"]
    assert forced == pytest.approx(0.7) and conflict.share == pytest.approx((0.7 - 0.15) / (0.8 - 0.15))
    assert f"alone forces an FPR of {forced:.1%}: {conflict.share:.0%} of the gap comes from the base rates" in text
    assert text.startswith("Base rates differ: 60.0% of x are truly positive, 30.0% of y.")


@pytest.mark.parametrize(("finding", "plain", "loud"), [
    ({"passed": True, "undefined": None}, "pass", "pass"),
    ({"passed": False, "undefined": None}, "fail", "FAIL"),
    ({"passed": None, "undefined": "no groups"}, "undefined", "undefined"),
    ({"passed": None, "undefined": None}, "", ""),
    ({"passed": True}, "pass", "pass"),  # a saved audit's headline has no reason
])
def test_one_function_names_every_verdict(finding, plain, loud):
    assert verdict_word(finding) == plain and verdict_word(finding, loud=True) == loud
    assert verdict_words() == {"pass": "pass", "fail": "fail", "undefined": "undefined",
                               "inconclusive": "inconclusive: the interval crosses {bar}"}
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
    return [(path.name, node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in read
            and node.value.strip(" (),").lower() in {"pass", "fail", "no rule"}]


def test_every_verdict_word_comes_from_one_function(tmp_path):
    files = [*(ROOT / "fairdash").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    made = [found for path in files if path != ROOT / "fairdash" / "present" / "text.py" for found in _verdict_words_made(path)]
    assert made == []
    script = (ROOT / "fairdash" / "present" / "static" / "preview.js").read_text(encoding="utf-8")
    assert ">pass<" not in script and ">fail<" not in script and "inconclusive: the" not in script
    control = tmp_path / "saved.py"  # the negative control: the words the saved audits' list wrote itself
    control.write_text('def verdict(found):\n    return {True: " pass", False: " FAIL", None: ""}[found["passed"]]\n', encoding="utf-8")
    assert [word for _, _, word in _verdict_words_made(control)] == [" pass", " FAIL"]


def test_each_rate_is_its_cells_over_its_cells():
    """Every rate of the metric table is its definition's numerator over its denominator, in counts of four cells
    and of six (the selection rate counts the rows without an outcome; no other rate does)."""
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 50, size=(5, 6))
    counts[0, :4] = 0  # only rows without an outcome: every rate but the selection rate is undefined
    tp, fp, tn, fn, unknown_selected, unknown = counts.T
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = {"selection_rate": (tp + fp + unknown_selected) / (tp + fp + tn + fn + unknown_selected + unknown),
                    "tpr": tp / (tp + fn), "fpr": fp / (fp + tn), "precision": tp / (tp + fp), "base_rate": (tp + fn) / (tp + fp + tn + fn)}
        found = rates(counts)
        for name, values in expected.items():
            np.testing.assert_allclose(found[name], values, rtol=0, atol=0)
        assert np.isnan(found["tpr"][0]) and not np.isnan(found["selection_rate"][0])
    assert set(fractions(counts)) == set(RATES) and RATES["tpr"].count_columns == ("tp", "fn")
    assert RATES["selection_rate"].count_columns == ("count",)


def test_suggest_carries_a_reason_and_present_says_it():
    """Suggest returns facts (a reason code, the accuracies and differences); the sentence is written from them."""
    unmet = Suggestion(constraint="equal_opportunity", tolerance=0.05, thresholds=None, accuracy=float("nan"), disparity=float("nan"),
                       baseline_threshold=0.5, baseline_accuracy=0.8, baseline_disparity=0.2, reason="beyond_tolerance",
                       left_out=tuple("abcdefgh"))
    assert suggestion_sentence(unmet) == (
        "No suggestion: no per-group thresholds bring the true-positive-rate (equal opportunity) difference within 0.05. "
        "a, b, c, d, e, f and 2 more are too small to judge, so left out of the search: they keep the one threshold of 0.5.")
    assert set(SUGGESTION_REASONS) == {"too_few_groups", "beyond_tolerance"}
    assert not {"message", "sentence"} & {field.name for field in dataclasses.fields(Suggestion)}
    met = dataclasses.replace(unmet, thresholds={"a": 0.4}, accuracy=0.75, disparity=0.03, reason=None, left_out=())
    assert suggestion_sentence(met) == (
        "These thresholds bring the true-positive-rate (equal opportunity) difference from 0.200 to 0.030 (tolerance 0.05); "
        "accuracy goes from 80.0% to 75.0% (-5.0 points) against one threshold of 0.5.")


def test_the_methods_in_words_are_written_from_their_numbers():
    """Calibration's method, the subgroups' correction and the recourse rows: present writes them from the result's counts."""
    search = SubgroupSearch(results=pd.DataFrame(), tested=40, tests=100, passing=0, columns=("a",), skipped={}, max_conditions=2,
                            min_size=30, confidence=0.95)
    assert subgroups_correction(search) == (
        "Bonferroni over 100 tests (40 subgroups of 1 to 2 conditions, each in up to 3 rates): p_adjusted = min(1, p x 100); "
        "intervals hold for all tests at once at 95% (each at 0.9995)")
    for cls in (Calibration, SubgroupSearch, Recourse):
        assert not [name for name, value in vars(cls).items() if isinstance(value, property) and name in {"method", "correction", "described"}]
