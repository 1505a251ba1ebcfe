"""One audit, many presenters: the same audit through the Fairness page, the report's JSON, `audit` (in memory and
counted by DuckDB), `fixes` (its original) and `monitor` (one window) gives the same numbers, with and without the
small groups left out, and they are Fairlearn's on the rows."""

import json

import numpy as np
import pandas as pd
import pytest
import skops.io
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import precision_score
from streamlit.testing.v1 import AppTest

from fairdash.engine.demo import load_demo
from fairdash.engine.groups import group_label
from fairdash.cli import main

SENSITIVE = ["sex", "foreign_worker"]  # German credit: groups of 198, 89, 11 and 2 rows
RATES = ("count", "selection_rate", "tpr", "fpr", "precision")
HEADLINE = (
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "predictive_parity_difference",
)


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    """The demo's rows with its model's score, as Parquet (a table, and a one-day decision log), and the model as .skops."""
    folder = tmp_path_factory.mktemp("one_audit")
    demo = load_demo("german")
    estimator = demo.model.estimator
    scores = estimator.predict_proba(demo.data[list(demo.spec.features)])[:, list(estimator.classes_).index("good")]
    table = demo.data.assign(score=scores, time="2024-01-01")
    table.to_parquet(folder / "german.parquet", index=False)
    skops.io.dump(estimator, folder / "model.skops")
    return folder, table


def _oracle(table: pd.DataFrame, min_group_size: int) -> tuple[dict, dict]:
    """Fairlearn's MetricFrame on the rows at 0.5: each group's rates, and the disparities over the judged groups."""
    y_true, y_pred = (table["credit"] == "good").to_numpy(), (table["score"] >= 0.5).to_numpy()
    frame = MetricFrame(
        metrics={
            "count": lambda t, p: len(t),
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=table[SENSITIVE],
    )
    by_group = {group_label(key): row.to_dict() for key, row in frame.by_group.iterrows()}
    overall = frame.overall.to_dict()
    judged = frame.by_group[frame.by_group["count"] >= min_group_size]
    spread = {rate: judged[rate].dropna() for rate in ("selection_rate", "tpr", "fpr", "precision")}
    disparities = {
        "demographic_parity_ratio": spread["selection_rate"].min() / spread["selection_rate"].max(),
        "equal_opportunity_difference": spread["tpr"].max() - spread["tpr"].min(),
        "equalized_odds_difference": max(spread["tpr"].max() - spread["tpr"].min(), spread["fpr"].max() - spread["fpr"].min()),
        "predictive_parity_difference": spread["precision"].max() - spread["precision"].min(),
    }
    return by_group, disparities, overall


def _documents(folder, min_group_size: int) -> dict[str, tuple[dict, dict]]:
    """(groups, disparities) from each command's JSON."""
    data, model, size = str(folder / "german.parquet"), str(folder / "model.skops"), str(min_group_size)
    common = ["--target", "credit", "--positive-label", "good", "--sensitive", ",".join(SENSITIVE), "--min-group-size", size]
    runs = {
        "audit": ["audit", "--data", data, "--model", model, *common, "--no-explain"],
        "audit --engine duckdb": [
            "audit",
            "--data",
            data,
            "--score",
            "score",
            "--threshold",
            "0.5",
            "--engine",
            "duckdb",
            *common,
        ],
        "fixes": ["fixes", "--data", data, "--model", model, *common],
        "monitor": ["monitor", "--data", data, "--time", "time", "--score", "score", "--threshold", "0.5", *common],
    }
    found = {}
    for name, arguments in runs.items():
        out = folder / f"{name.replace(' ', '_')}-{size}.json"
        assert main([*arguments, "--json", str(out)]) in (0, 1), name
        document = json.loads(out.read_text())
        if name == "fixes":
            document = next(fix for fix in document["fixes"] if fix["name"] == "original")
        elif name == "monitor":
            (document,) = document["windows"]
        found[name] = (document["groups"], document["disparities"])
        if name.startswith("audit"):  # the overall figures, apart from the groups, in both audits' JSON
            found[f"{name} overall"] = ({"overall": document["overall"]}, document["disparities"])
    return found


@pytest.mark.parametrize("min_group_size", [30, 0])
def test_every_presenter_shows_the_one_audit_that_fairlearn_computes(german, min_group_size):
    folder, table = german
    groups, disparities, overall = _oracle(table, min_group_size)
    assert len(groups) == 4 and min(values["count"] for values in groups.values()) == 2  # small groups exist to be left out
    for name, (their_groups, their_disparities) in _documents(folder, min_group_size).items():
        expected = {"overall": overall} if name.endswith("overall") else groups
        assert set(their_groups) == set(expected), name
        for label, values in expected.items():
            for rate in RATES:
                shown = their_groups[label][rate]
                assert (shown is None and np.isnan(values[rate])) or shown == pytest.approx(values[rate], abs=1e-12), (
                    name,
                    label,
                    rate,
                )
        for disparity, value in disparities.items():
            assert their_disparities[disparity] == pytest.approx(value, abs=1e-12), (name, disparity)
    # The Fairness page, with the small-group switch as set.
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    at.selectbox(key="demo").set_value("german").run()
    at.multiselect(key="sensitive").set_value(SENSITIVE).run()
    at.switch_page("pages/fairness.py").run()
    at.number_input(key="min_group_size").set_value(min_group_size).run()
    assert not at.exception
    shown = {metric.label: metric.value for metric in at.metric}
    for disparity in HEADLINE:
        assert float(shown[disparity.replace("_", " ").capitalize()]) == pytest.approx(disparities[disparity], abs=5e-4), (
            disparity
        )


def test_the_report_pages_audit_is_the_one_its_command_computes(tmp_path, monkeypatch):
    """The Report page's JSON, with calibration and subgroups switched on, equals what its own command (pasted into
    a shell, on the demo's rows) writes: the page presents the audit, it computes no other."""
    import shlex

    at = AppTest.from_file("../app.py", default_timeout=180).run()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/report.py").run()
    at.toggle(key="report_subgroups").set_value(True).run()
    assert not at.exception and not at.error
    page = json.loads(at.json[0].value)
    demo_line, command = next(code.value for code in at.code if code.value.startswith("python -m fairdash")).split("\n", 1)
    assert "--calibration" in command and "--subgroups" in command

    monkeypatch.chdir(tmp_path)
    assert demo_line == "python -m fairdash demo compas --out DATA.parquet"  # the demo's rows, for the command below
    assert main(shlex.split(demo_line)[3:]) == 0
    arguments = shlex.split(command.replace("\\\n", " "))[3:]  # a shell joins the continued lines; after "python -m fairdash"
    assert main(arguments) in (0, 1)
    written = json.loads((tmp_path / "audit.json").read_text())
    for part in ("groups", "disparities", "calibration", "subgroups", "subgroups_tested", "correction"):
        assert page[part] == written[part], part
