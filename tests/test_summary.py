"""The Summary (the report's first section and its own page) and the model card, against the audit's own findings."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from fairdash.engine.findings import HEADLINE
from fairdash.engine.metrics import verdict, verdict_rules
from fairdash.run import run_audit
from fairdash.engine.spec import AuditSpec
from fairdash.cli import main
from fairdash.fixes.compare import Fix
from fairdash.engine.demo import load_demo
from fairdash.engine.undefined import RateUndefined, Undefined
from fairdash.present.document import json_text
from fairdash.present.model_card import markdown_text, model_card
from fairdash.present.report import audit_html, audit_json
from fairdash.present.summary import GLOSSARY, audit_summary, summary_of

HOSTILE = ("<script>alert(1)</script>", "**bold** | _it_ [l](http://e.x)", "a | b")


def _expected_verdict(finding) -> str:
    if finding["undefined"]:
        return "undefined"
    if finding["conclusive"] is False:
        return "inconclusive"
    return "pass" if finding["passed"] else "fail"


def _numbers(text: str) -> list[float]:
    return [float(number) for number in re.findall(r"(?<![\w.])\d+\.\d+(?!%)\b(?!%)", text)]


@pytest.fixture(scope="module", params=["adult", "compas", "german"])
def demo_audit(request):
    demo = load_demo(request.param)
    return run_audit(demo.data, demo.spec, demo.model, data_name=request.param, explain_rows=0, with_rules=False)


def test_each_headline_sentence_says_the_findings_value_and_verdict(demo_audit):
    summary = audit_summary(demo_audit)
    findings, bounds = demo_audit.findings, demo_audit.intervals.disparities
    assert [line.name for line in summary.headline] == list(HEADLINE)
    for line in summary.headline:
        finding = findings.loc[line.name]
        assert line.value == finding["value"] or (np.isnan(line.value) and np.isnan(finding["value"]))
        assert line.verdict == _expected_verdict(finding)
        words = {
            "pass": ": passes.",
            "fail": ": fails.",
            "inconclusive": ": inconclusive (the value",
            "undefined": "undefined, because",
        }
        assert words[line.verdict] in line.sentence, line.sentence
        if line.verdict == "inconclusive":
            assert ("the value passes" if finding["passed"] else "the value fails") in line.sentence
        if line.verdict != "undefined":
            low, high = bounds.loc[line.name, ["lower", "upper"]]
            shown = _numbers(line.sentence.split("95% interval")[0])[-1]  # the value, just before its interval
            assert shown == pytest.approx(finding["value"], abs=0.005)
            # the value as shown is on the same side of the bar as the value itself (0.795 is never written 0.80)
            rule = verdict_rules(demo_audit.tolerance)[line.name]
            assert verdict(shown, rule) == finding["passed"]
            interval = re.search(r"95% interval (\d+\.\d+) to (\d+\.\d+)", line.sentence)
            assert float(interval[1]) == pytest.approx(low, abs=0.005) and float(interval[2]) == pytest.approx(high, abs=0.005)
        assert not re.search(r"\b(TPR|FPR|PPV|FNR|TNR)\b", line.sentence)


def test_the_sentences_name_the_groups_at_the_extremes_with_their_rates(demo_audit):
    judged = demo_audit.result.judged
    line = audit_summary(demo_audit).headline[0]  # the demographic parity ratio
    rates = judged["selection_rate"]
    low, high = str(rates.idxmin()), str(rates.idxmax())
    assert line.sentence.startswith(f"{low} is selected at ")
    assert f"{rates.min():.1%} of {low} against {rates.max():.1%} of {high}" in line.sentence
    assert rates.min() / rates.max() == pytest.approx(demo_audit.findings.loc["demographic_parity_ratio", "value"], abs=1e-12)


def test_the_report_opens_on_the_summary_with_the_same_sentences(demo_audit):
    page = audit_html(demo_audit)
    first = page.split("<section>")[1]
    assert first.startswith("<h2>Summary</h2>")
    for line in audit_summary(demo_audit).headline:
        assert html.escape(line.sentence) in first
    assert "What this audit cannot tell" in first and "<dt>True positive rate (TPR)</dt>" in first


def test_the_groups_left_out_are_named_with_their_rows():
    demo = load_demo("compas")
    audit = run_audit(demo.data, demo.spec, thresholds=5, data_name="compas", with_rules=False)
    assert audit.groups_left_out == ("Native American",)
    text = audit_summary(audit).left_out
    assert "Native American (11 rows)" in text and "minimum of 30 rows" in text
    assert "no model" in audit_summary(audit).driver


def _undefined_table() -> pd.DataFrame:
    # group b: nobody selected, so its precision is undefined and so is the predictive parity difference
    rows = [{"group": "a", "y": i % 2, "score": 0.9 if i < 20 else 0.1} for i in range(40)]
    rows += [{"group": "b", "y": i % 2, "score": 0.1} for i in range(40)]
    return pd.DataFrame(rows)


def test_an_undefined_disparity_says_why():
    audit = run_audit(
        _undefined_table(), AuditSpec(target="y", positive_label=1, sensitive=("group",), score="score"), with_rules=False
    )
    lines = {line.name: line for line in audit_summary(audit).headline}
    line = lines["predictive_parity_difference"]
    assert line.verdict == "undefined"
    assert audit.findings.loc["predictive_parity_difference", "undefined"] == Undefined(
        "rates", (RateUndefined("precision", "one_group", ("b",)),)
    )
    assert line.sentence == f"{line.title}: undefined, because only one group has a defined precision (b: no selected rows)."


def test_the_driver_is_the_feature_with_the_largest_share_of_the_gap():
    demo = load_demo("german")
    audit = run_audit(demo.data, demo.spec, demo.model, data_name="german", explain_rows=150, with_rules=False)
    share = [column for column in audit.features.columns if column.startswith("share of the gap")][0]
    top = audit.features[share].abs().idxmax()
    driver = audit_summary(audit).driver
    assert driver.startswith(
        f"The largest driver of the gap between male (selected most often) and female (least often) is {top}: "
    )
    assert f"{audit.features.loc[top, share]:+.3f} of the {audit.features[share].sum():+.3f}" in driver


def _fix(name, disparity, accuracy, *, error=None, in_sample=False):
    return Fix(
        name=name,
        title=name.title(),
        disparities={"demographic_parity_difference": disparity},
        accuracy=accuracy,
        error=error,
        in_sample=in_sample,
    )


def test_the_best_fix_is_the_most_accurate_within_the_tolerance_else_the_closest():
    result = load_demo_result()
    within = [
        _fix("original", 0.30, 0.85),
        _fix("reweighing", 0.08, 0.80),
        _fix("unawareness", 0.05, 0.78),
        _fix("reductions", 0.01, 0.70),
        _fix("other_model", 0.02, 0.9, error="could not"),
    ]
    text = summary_of(result, compared=("demographic_parity", within)).best_fix
    assert (
        text.startswith("Reweighing closes the most of the gap") and "from 0.300 to 0.080" in text and "73% of it closed" in text
    )
    assert (
        "accuracy from 85.0% to 80.0%" in text and "the most accurate of the 3 that bring it within the tolerance of 0.1" in text
    )
    beyond = [_fix("original", 0.30, 0.85), _fix("reweighing", 0.25, 0.84), _fix("thresholds", 0.15, 0.83, in_sample=True)]
    text = summary_of(result, compared=("demographic_parity", beyond)).best_fix
    assert text.startswith("Thresholds closes") and "this one comes closest" in text and "in sample" in text
    worse = [_fix("original", 0.10, 0.85), _fix("reweighing", 0.12, 0.84)]
    assert summary_of(result, compared=("demographic_parity", worse)).best_fix.startswith("None of the 1 fixes compared narrows")


def load_demo_result():
    demo = load_demo("compas")
    return run_audit(demo.data, demo.spec, thresholds=5, with_rules=False).result


def test_every_abbreviation_on_the_summary_is_in_the_glossary(demo_audit):
    summary = audit_summary(demo_audit)
    text = " ".join(
        [*(line.sentence for line in summary.headline), summary.left_out, summary.driver, summary.best_fix, *summary.cannot_tell]
    )
    terms = " ".join(term for term, _ in GLOSSARY)
    for abbreviation in set(re.findall(r"\b[A-Z]{2,}\b", text)):
        assert abbreviation in terms, abbreviation


# ---- Hostile labels ------------------------------------------------------------------------------------------------


def _hostile_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    groups = np.repeat(HOSTILE, 60)
    score = rng.random(len(groups)) * np.select([groups == HOSTILE[0], groups == HOSTILE[1]], [1.0, 0.6], 0.3)
    return pd.DataFrame({"group": groups, "y": rng.integers(0, 2, len(groups)), "score": score.round(3)})


def test_hostile_labels_are_escaped_in_the_reports_summary():
    audit = run_audit(
        _hostile_table(),
        AuditSpec(target="y", positive_label=1, sensitive=("group",), score="score"),
        data_name="t",
        with_rules=False,
    )
    first = audit_html(audit).split("<section>")[1].split("</section>")[0]
    assert "<script>" not in first and "&lt;script&gt;alert(1)&lt;/script&gt;" in first
    summary = audit_summary(audit)
    assert any(HOSTILE[0] in line.sentence for line in summary.headline)  # the labels as they are in the data
    for line in summary.headline:
        assert html.escape(line.sentence) in first


def _app_with(table: pd.DataFrame) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value(("t.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.selectbox(key="target").set_value("y").run()
    at.multiselect(key="sensitive").set_value(["group"]).run()
    at.selectbox(key="score_column").set_value("score").run()
    return at


def test_hostile_labels_are_escaped_on_the_summary_page():
    at = _app_with(_hostile_table())
    at.switch_page("pages/summary.py").run()
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]
    assert at.title[0].value == "Summary"
    shown = "\n".join(element.value for element in at.markdown)
    assert r"\<script\>alert\(1\)\</script\>" in shown
    assert r"\*\*bold\*\* \| \_it\_ \[l\]\(http" in shown
    unescaped = re.sub(r"\\.", "", shown)
    for raw in ("<script>", "**bold**", "[l](", " | "):
        assert raw not in unescaped


@pytest.mark.parametrize("demo", ["adult", "compas", "german"])
def test_the_summary_page_shows_the_fairness_pages_findings(demo):
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.selectbox(key="demo").set_value(demo).run()
    at.switch_page("pages/summary.py").run()
    assert not at.exception and not at.error
    loaded = load_demo(demo)
    audit = run_audit(loaded.data, loaded.spec, loaded.model, explain_rows=0, with_rules=False)
    expected = audit_summary(audit)
    shown = [re.sub(r"\\(.)", r"\1", element.value) for element in at.markdown]
    for line in expected.headline:
        assert any(text.endswith(line.sentence) and f"{line.verdict}]" in text for text in shown), line.sentence
    assert [header.value for header in at.subheader] == [
        "Groups left out",
        "The largest driver of the gap",
        "The best fix found",
        "What this audit cannot tell",
    ]
    assert at.expander[0].label.startswith("Glossary")


# ---- The model card ------------------------------------------------------------------------------------------------


def _front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    front, _, body = card[4:].partition("\n---\n")
    assert body.lstrip().startswith("# Model card: ")
    return yaml.safe_load(front)


def test_the_model_card_carries_every_disparity_of_the_json(demo_audit):
    document = json.loads(json_text(audit_json(demo_audit)))
    card = model_card(document, summary=audit_summary(demo_audit))
    meta = _front_matter(card)
    (entry,) = meta["model-index"]
    (result,) = entry["results"]
    metrics = {metric["type"]: metric for metric in result["metrics"]}
    assert list(metrics) == list(document["disparities"])
    for name, value in document["disparities"].items():
        assert metrics[name]["value"] == value  # equal, not merely close: the JSON's own number
    for name, finding in document["findings"].items():
        assert metrics[name]["args"]["interval_95"] == document["disparity_intervals"][name]
        assert metrics[name]["args"]["verdict"] == (
            _expected_verdict(finding) if finding["passed"] is not None or finding["undefined"] else None
        )
    for section in (
        "## Model details",
        "## Uses",
        "## Evaluation",
        "### Testing data",
        "### Factors: the groups",
        "### Results",
        "## Model examination",
        "## Bias, risks, and limitations",
        "## Glossary",
        "[More Information Needed]",
    ):
        assert section in card


def test_the_model_card_escapes_hostile_text_in_markdown_and_yaml():
    table = _hostile_table()
    audit = run_audit(
        table,
        AuditSpec(target="y", positive_label=1, sensitive=("group",), score="score"),
        data_name="x\n---\nevil: 1 | <b>",
        with_rules=False,
    )
    document = json.loads(json_text(audit_json(audit)))
    card = model_card(document, summary=audit_summary(audit))
    meta = _front_matter(card)
    assert set(meta) == {"tags", "model-index"}  # the data's name did not end the front matter nor add a key
    assert meta["model-index"][0]["results"][0]["dataset"]["type"] == "x\n---\nevil: 1 | <b>"
    body = card.split("\n---\n", 1)[1]
    assert "<script>" not in body and "<b>" not in body and markdown_text(HOSTILE[0]) in body
    groups = body.split("### Factors: the groups")[1].split("###")[0]
    rows = [line for line in groups.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(HOSTILE)
    for row in rows:  # a label's " | " never adds a cell
        assert len(re.split(r"(?<!\\)\|", row)) == len(re.split(r"(?<!\\)\|", rows[0]))


def test_markdown_text_escapes_what_markdown_reads():
    assert markdown_text("**a** _b_ <i> [l](u) `c` | #\n1.") == r"\*\*a\*\* \_b\_ \<i\> \[l\]\(u\) \`c\` \| \# 1\."


@pytest.fixture(scope="module")
def compas_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("card") / "compas.csv"
    assert main(["demo", "compas", "--out", str(path)]) == 0
    return path


COMPAS = ["--target", "two_year_recid", "--sensitive", "race", "--score", "decile_score", "--threshold", "5"]


def test_the_cli_writes_the_model_card_and_refuses_to_overwrite_the_input(compas_csv, tmp_path, capsys):
    card, out_json = tmp_path / "MODEL_CARD.md", tmp_path / "a.json"
    assert main(["audit", "--data", str(compas_csv), *COMPAS, "--json", str(out_json), "--model-card", str(card)]) == 0
    assert f"wrote {card}" in capsys.readouterr().out
    document = json.loads(out_json.read_text())
    metrics = _front_matter(card.read_text())["model-index"][0]["results"][0]["metrics"]
    assert {metric["type"]: metric["value"] for metric in metrics} == document["disparities"]
    before = compas_csv.read_bytes()
    assert main(["audit", "--data", str(compas_csv), *COMPAS, "--model-card", str(compas_csv)]) == 2
    error = capsys.readouterr().err
    assert "--model-card" in error and "is the file given to --data" in error and len(error.strip().splitlines()) == 1
    assert compas_csv.read_bytes() == before
    assert main(["audit", "--data", str(compas_csv), *COMPAS, "--json", str(card), "--model-card", str(card)]) == 2
    assert "is the file given to --json" in capsys.readouterr().err


def test_the_report_page_offers_the_model_card():
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.selectbox(key="demo").set_value("german").run()
    at.switch_page("pages/report.py").run()
    assert not at.exception and not at.error
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Download the model card (Markdown)" in labels
