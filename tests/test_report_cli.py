"""The JSON and HTML report, and the command line's output and exit codes."""

import json
import pickle
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import skops.io
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score
from test_models import _TouchesAFile

from fairdash.engine.demo import load_demo
from fairdash.cli import main, parse_condition
from fairdash.errors import InvalidInputError
from fairdash.present.report import REPORT_THRESHOLDS, audit_html, audit_json
from fairdash.run import run_audit


@pytest.fixture(scope="module")
def compas_audit():
    demo = load_demo("compas")
    return demo, run_audit(demo.data, demo.spec, thresholds=5, data_name="compas", min_group_size=0)


def test_json_numbers_equal_fairlearn_on_the_rows(compas_audit):
    demo, audit = compas_audit
    document = json.loads(json.dumps(audit_json(audit)))  # really JSON: no NaN, no numpy types
    assert set(document) >= {"settings", "groups", "overall", "disparities", "thresholds", "versions"}
    y_true = demo.data["two_year_recid"] == 1
    y_pred = demo.data["decile_score"] >= 5
    by_group, overall = fairlearn_metrics(y_true, y_pred, demo.data["race"])
    assert (
        list(document["groups"])
        == sorted(by_group.index)
        == ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"]
    )
    for label, row in by_group.iterrows():
        assert set(document["groups"][label]) == set(row.index), label
        for column, value in row.items():
            shown = document["groups"][label][column]
            assert (shown is None and np.isnan(value)) or shown == pytest.approx(value, abs=1e-12), (label, column)
    assert document["overall"] == pytest.approx(overall.to_dict(), abs=1e-12)
    expected = fairlearn_disparities(y_true, y_pred, demo.data["race"])  # min_group_size=0: every group judged
    assert {name: document["disparities"][name] for name in expected} == pytest.approx(expected, abs=1e-12)
    assert document["thresholds"] == 5.0
    assert document["settings"]["reference"] == "Caucasian"
    assert document["versions"]["fairdash"]


def test_small_groups_are_left_out_of_the_disparities_by_default():
    demo = load_demo("compas")
    audit = run_audit(demo.data, demo.spec, thresholds=5, with_rules=False)
    assert audit.groups_left_out == ("Native American",)
    kept = demo.data["race"] != "Native American"
    expected = fairlearn_disparities(
        demo.data.loc[kept, "two_year_recid"], demo.data.loc[kept, "decile_score"] >= 5, demo.data.loc[kept, "race"]
    )
    assert {name: audit.disparities[name] for name in expected} == pytest.approx(expected, abs=1e-12)
    assert "Native American" in audit.table.index  # still in the table, only not judged
    # The disparities' intervals are taken over the same groups as the disparities. Oracle: scipy's
    # exact binomial test gives each judged group's Clopper-Pearson bounds; the ratio's lower end uses
    # a 1/4 of the 5% error per side of the two extreme groups, its upper end 2.5% split over every bound.
    judged_rows = demo.data.loc[kept]
    selected = (judged_rows["decile_score"] >= 5).groupby(judged_rows["race"]).agg(["sum", "count"])
    groups = len(selected)

    def exact(row: pd.Series, side_error: float) -> tuple[float, float]:
        bounds = scipy.stats.binomtest(int(row["sum"]), int(row["count"])).proportion_ci(
            confidence_level=1 - 2 * side_error, method="exact"
        )
        return bounds.low, bounds.high

    narrow = pd.DataFrame([exact(row, 0.025 / 2) for _, row in selected.iterrows()], columns=["low", "high"])
    wide = pd.DataFrame([exact(row, 0.025 / (2 * groups)) for _, row in selected.iterrows()], columns=["low", "high"])
    ours = audit.intervals.disparities.loc["demographic_parity_ratio"]
    assert ours["lower"] == pytest.approx(narrow["low"].min() / narrow["high"].max(), rel=1e-9)
    assert ours["upper"] == pytest.approx(min(1.0, wide["high"].min() / wide["low"].max()), rel=1e-9)
    assert ours["lower"] <= audit.disparities["demographic_parity_ratio"] <= ours["upper"]
    document = json.loads(json.dumps(audit_json(audit)))
    assert document["disparity_intervals"]["demographic_parity_ratio"] == pytest.approx([ours["lower"], ours["upper"]])


def test_html_is_self_contained(compas_audit):
    _, audit = compas_audit
    page = audit_html(audit)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"@import\s+url\(\s*[\"']?https?://", page, re.IGNORECASE)
    assert page.count("plotly.js v") == 1  # the library inlined once
    payload = json.loads(
        re.search(r'<script id="fd-data" type="application/json">(.*?)</script>', page, re.S).group(1).replace("<\\/", "</")
    )
    assert payload["labels"] == audit.curves.labels
    assert len(payload["thresholds"]) <= REPORT_THRESHOLDS + 1
    assert payload["exact"]  # COMPAS has 10 distinct scores: every one is a position
    assert "Fairness audit: compas" in page


def test_conditions():
    assert parse_condition("demographic_parity_ratio<0.8") == ("demographic_parity_ratio", "<", 0.8)
    assert parse_condition(" equalized_odds_difference >= 1e-1 ") == ("equalized_odds_difference", ">=", 0.1)
    for bad in ("demographic_parity_ratio", "accuracy<0.8", "demographic_parity_ratio<<0.8", "x<abc"):
        with pytest.raises(InvalidInputError):
            parse_condition(bad)


@pytest.fixture(scope="module")
def compas_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "compas.csv"
    assert main(["demo", "compas", "--out", str(path)]) == 0
    return path


COMPAS = ["--target", "two_year_recid", "--sensitive", "race", "--score", "decile_score", "--threshold", "5"]


def test_cli_passes_fails_and_writes(compas_csv, tmp_path, capsys):
    out_json, out_html = tmp_path / "a.json", tmp_path / "a.html"
    code = main(
        [
            "audit",
            "--data",
            str(compas_csv),
            *COMPAS,
            "--json",
            str(out_json),
            "--report",
            str(out_html),
            "--fail-on",
            "demographic_parity_ratio<0.1",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "African-American" in captured.out and "demographic_parity_ratio" in captured.out
    assert json.loads(out_json.read_text())["settings"]["score"] == "decile_score"
    assert out_html.read_text().startswith("<!DOCTYPE html>")
    code = main(
        [
            "audit",
            "--data",
            str(compas_csv),
            *COMPAS,
            "--fail-on",
            "demographic_parity_ratio<0.8",
            "--fail-on",
            "equalized_odds_difference>0.9",
            "--fail-on",
            "equalized_odds_difference>0.1",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED: demographic_parity_ratio" in captured.err and "FAILED: equalized_odds_difference" in captured.err
    assert captured.err.count("FAILED") == 2  # the 0.9 condition does not hold


def test_cli_per_group_thresholds_from_the_dashboards_download(compas_csv, tmp_path, capsys):
    thresholds = tmp_path / "t.json"
    labels = ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"]
    thresholds.write_text(json.dumps({"target": "two_year_recid", "thresholds": {label: 6 for label in labels}}))
    args = ["audit", "--data", str(compas_csv), "--target", "two_year_recid", "--sensitive", "race", "--score", "decile_score"]
    assert main([*args, "--thresholds", str(thresholds), "--json", str(tmp_path / "a.json")]) == 0
    assert json.loads((tmp_path / "a.json").read_text())["thresholds"]["Asian"] == 6.0
    thresholds.write_text(json.dumps({"thresholds": {"Asian": 6}}))
    assert main([*args, "--thresholds", str(thresholds)]) == 2
    assert "no threshold for African-American" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".skops", ".onnx"])
def test_cli_with_a_model(tmp_path, people, people_model, people_onnx, capsys, suffix):
    data = tmp_path / "people.csv"
    people.to_csv(data, index=False)
    model = tmp_path / f"model{suffix}"
    model.write_bytes(skops.io.dumps(people_model) if suffix == ".skops" else people_onnx)
    args = [
        "audit",
        "--data",
        str(data),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex,race",
        "--model",
        str(model),
        "--json",
        str(tmp_path / "a.json"),
    ]
    assert main(args) == 0
    assert "female | A" in capsys.readouterr().out
    assert list(people_model.classes_) == ["no", "yes"]
    selected = people_model.predict_proba(people[["age", "income", "sex", "race"]])[:, 1] >= 0.5
    expected, overall = fairlearn_metrics(people["hired"] == "yes", selected, people[["sex", "race"]])
    document = json.loads((tmp_path / "a.json").read_text())
    assert sorted(document["groups"]) == sorted(expected.index) and len(expected) == 6
    for label, row in expected.iterrows():
        assert document["groups"][label] == pytest.approx(row.to_dict(), abs=1e-12, nan_ok=True), label
    assert document["overall"] == pytest.approx(overall.to_dict(), abs=1e-12)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, p: a.__setitem__(a.index("--data") + 1, str(p / "missing.csv")), "No file at"),
        (lambda a, p: a.__setitem__(a.index("--target") + 1, "nope"), "no target column 'nope'"),
        (lambda a, p: a.__setitem__(a.index("--score") + 1, "race"), "not numeric"),
        (lambda a, p: a.__setitem__(a.index("--target") + 1, "priors_count"), "classes a classifier predicts"),
        (lambda a, p: a.extend(["--fail-on", "accuracy<0.9"]), "unknown name 'accuracy'"),
        (lambda a, p: a.__setitem__(a.index("--sensitive") + 1, "nope"), "no column 'nope'"),
        (lambda a, p: a.extend(["--json", str(p / "no" / "such" / "dir.json")]), "No such file"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(compas_csv, tmp_path, capsys, change, message):
    args = ["audit", "--data", str(compas_csv), *COMPAS]
    change(args, tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_refuses_an_untrusted_pickle(compas_csv, tmp_path, capsys):
    marker = tmp_path / "pwned"
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(_TouchesAFile(marker)))
    args = ["audit", "--data", str(compas_csv), "--target", "two_year_recid", "--sensitive", "race", "--model", str(model)]
    assert main(args) == 2
    assert "--trust-pickle" in capsys.readouterr().err
    assert not marker.exists()


def test_python_dash_m_runs_as_a_process(compas_csv):
    help_text = subprocess.run(
        [sys.executable, "-m", "fairdash", "audit", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--fail-on" in help_text and "demographic_parity_ratio<0.8" in help_text
    failing = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairdash",
            "audit",
            "--data",
            str(compas_csv),
            *COMPAS,
            "--fail-on",
            "demographic_parity_ratio<0.8",
        ],
        capture_output=True,
        text=True,
    )
    assert failing.returncode == 1, failing.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "fairdash", "audit", "--data", "nope.csv", *COMPAS], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.startswith("fairdash: error:")


def test_with_a_model_the_report_says_what_it_relies_on():
    demo = load_demo("german")
    audit = run_audit(demo.data, demo.spec, demo.model, data_name="german", min_group_size=0)
    features = audit.features
    # Oracle: shap's own LinearExplainer on the pipeline's last step, one-hot columns summed back by hand.
    import shap

    X = demo.data[list(demo.spec.features)]  # 300 rows: all explained; background: 100 of them, seed 0
    preprocessing, final = demo.model.estimator[:-1], demo.model.estimator[-1]
    dense = lambda matrix: matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)  # noqa: E731
    explainer = shap.LinearExplainer(final, dense(preprocessing.transform(X.sample(100, random_state=0))))
    raw = pd.DataFrame(explainer.shap_values(dense(preprocessing.transform(X))), columns=preprocessing.get_feature_names_out())
    origin = {
        name: max((c for c in X.columns if name.split("__", 1)[-1] == c or name.split("__", 1)[-1].startswith(f"{c}_")), key=len)
        for name in raw.columns
    }
    # A column's contribution is the sum of its one-hot parts' (signed); its importance the mean of its size.
    expected = raw.T.groupby(origin).sum().T.abs().mean().sort_values(ascending=False)
    assert features.index[0] == expected.index[0]
    np.testing.assert_allclose(features.iloc[:, 0].reindex(expected.index), expected, rtol=1e-6)
    assert features.iloc[:, 0].is_monotonic_decreasing
    gap_column = features.columns[1]
    assert gap_column.startswith("share of the gap")
    # The shares add up to the gap in mean log-odds between the two groups named.
    from fairdash.explain.attributions import model_output

    output = model_output(demo.model, demo.data[list(demo.spec.features)], "log_odds", positive_label="good")
    high, low = gap_column.split(", ")[1].split(" minus ")
    sex = demo.data["sex"].to_numpy()
    assert features[gap_column].sum() == pytest.approx(output[sex == high].mean() - output[sex == low].mean())
    document = json.loads(json.dumps(audit_json(audit)))
    assert list(document["features"]) == list(features.index)
    assert "What the model relies on" in audit_html(audit)


# ---- The oracle: Fairlearn's MetricFrame and scikit-learn on the rows ------------------------------


def _precision(y_true, y_pred) -> float:
    return precision_score(y_true, y_pred, zero_division=np.nan)


def _cell(actual: int, predicted: int):
    return lambda y_true, y_pred: confusion_matrix(y_true, y_pred, labels=[0, 1])[actual, predicted]


FAIRLEARN_METRICS = {
    "count": count,
    "base_rate": lambda y_true, y_pred: np.mean(y_true),
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
    "precision": _precision,
    "accuracy": accuracy_score,
    "tp": _cell(1, 1),
    "fp": _cell(0, 1),
    "tn": _cell(0, 0),
    "fn": _cell(1, 0),
}


def fairlearn_metrics(y_true, y_pred, sensitive) -> tuple[pd.DataFrame, pd.Series]:
    """Fairlearn's ``MetricFrame`` (by group, overall) with fairdash's column names, from booleans.

    Several sensitive columns make groups labelled ``"a | b"`` (plain values only: no quoting here), and
    combinations with no row are dropped. Fairlearn gives 0 for a rate whose denominator is 0 (no true
    positives or no true negatives in a group); fairdash says it is undefined, NaN, and so does this oracle.
    """
    frame = MetricFrame(
        metrics=FAIRLEARN_METRICS,
        y_true=np.asarray(y_true, dtype=int),
        y_pred=np.asarray(y_pred, dtype=int),
        sensitive_features=sensitive,
    )
    by_group = frame.by_group.dropna(subset=["count"])
    by_group = by_group[by_group["count"] > 0].astype(float)
    by_group.index = [" | ".join(map(str, key)) if isinstance(key, tuple) else str(key) for key in by_group.index]
    overall = frame.overall.astype(float)
    for values in (by_group, overall):
        positives, negatives = values["tp"] + values["fn"], values["fp"] + values["tn"]
        for rate, denominator in (("tpr", positives), ("fnr", positives), ("fpr", negatives), ("tnr", negatives)):
            values[rate] = np.where(denominator > 0, values[rate], np.nan)
    return by_group, overall


def fairlearn_disparities(y_true, y_pred, sensitive) -> dict[str, float]:
    """Fairlearn's disparity functions (between groups: largest minus smallest, smallest over largest)."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    rows = dict(y_true=y_true, y_pred=y_pred, sensitive_features=sensitive)
    precision = MetricFrame(metrics=_precision, **rows)
    return {
        "demographic_parity_difference": demographic_parity_difference(**rows),
        "demographic_parity_ratio": demographic_parity_ratio(**rows),
        "equal_opportunity_difference": equal_opportunity_difference(**rows),
        "equal_opportunity_ratio": equal_opportunity_ratio(**rows),
        "equalized_odds_difference": equalized_odds_difference(**rows),
        "equalized_odds_ratio": equalized_odds_ratio(**rows),
        "predictive_parity_difference": precision.difference(),
        "predictive_parity_ratio": precision.ratio(),
    }
