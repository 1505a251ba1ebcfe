"""The command line: ``counterfactuals`` for one row, ``audit --recourse`` (JSON ``recourse``) and the recourse gate."""

import json

import pytest
import skops.io

from fairdash.cli import main

FEATURES = ["age", "income", "sex", "race"]


@pytest.fixture()
def files(tmp_path, people, people_model):
    data, model = tmp_path / "people.csv", tmp_path / "model.skops"
    people.to_csv(data, index=False)
    model.write_bytes(skops.io.dumps(people_model))
    return data, model


def _base(data, model):
    return ["--data", str(data), "--model", str(model), "--target", "hired", "--positive-label", "yes", "--sensitive", "sex,race"]


def test_counterfactuals_of_one_row_flip_the_decision_and_keep_the_constraints(files, tmp_path, people, people_model, capsys):
    out = tmp_path / "cf.json"
    code = main(
        [
            "counterfactuals",
            *_base(*files),
            "--row",
            "5",
            "--n",
            "2",
            "--increase",
            "age",
            "--range",
            "income=20,80",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("row 5: score ") and "Held: sex, race." in printed
    document = json.loads(out.read_text())
    assert set(document) >= {"row", "score", "threshold", "counterfactuals", "nearest_real_row", "distance"}
    positive = list(people_model.classes_).index("yes")
    own = people_model.predict_proba(people.loc[[5], FEATURES])[0, positive]
    assert document["row"] == 5 and document["threshold"] == 0.5 and document["score"] == pytest.approx(own)
    assert 1 <= len(document["counterfactuals"]) <= 2
    for found in document["counterfactuals"]:
        assert not {"sex", "race"} & set(found["changes"])
        changed = people.loc[[5], FEATURES].copy()
        for column, (before, after) in found["changes"].items():
            assert changed[column].iloc[0] == before
            changed[column] = after
        if "age" in found["changes"]:
            assert found["changes"]["age"][1] > found["changes"]["age"][0]
        if "income" in found["changes"]:
            assert 20 <= found["changes"]["income"][1] <= 80
        score = people_model.predict_proba(changed)[0, positive]
        assert found["score"] == pytest.approx(score) and (score >= 0.5) != (own >= 0.5)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--row", "600"], "There is no row 600 in the table; its 600 rows are 0 to 599."),
        (["--row", "five"], "--row 'five' is not a whole number"),
        (["--row", "1", "--range", "income=80"], "--range 'income=80' is not COLUMN=LOW,HIGH"),
        (["--row", "1", "--increase", "race"], "is for a numeric feature; 'race' is not numeric"),
        (["--row", "1", "--n", "11"], "from 1 to 10"),
        (
            ["--row", "1", "--increase", "age,income", "--decrease", "age"],
            "'age' may only increase and may only decrease at once",
        ),
    ],
)
def test_counterfactuals_bad_input_exits_2_with_one_line(files, capsys, extra, message):
    assert main(["counterfactuals", *_base(*files), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_audit_with_recourse_writes_it_and_gates_on_it(files, tmp_path, people, people_model, capsys):
    out = tmp_path / "a.json"
    args = ["audit", *_base(*files), "--no-explain", "--recourse", "--json", str(out)]
    assert main([*args, "--report", str(tmp_path / "a.html"), "--fail-on", "recourse_burden_ratio<0"]) == 0
    assert "Recourse by group (counterfactuals of the rows turned down)" in (tmp_path / "a.html").read_text()
    recourse = json.loads(out.read_text())["recourse"]
    assert recourse["distance"].startswith("L1 over the features")
    scores = people_model.predict_proba(people[FEATURES])[:, 1]
    labels = people["sex"] + " | " + people["race"]
    for label, group in recourse["groups"].items():
        assert group["denied"] == int(((scores < 0.5) & (labels == label)).sum())
        assert group["searched"] == group["denied"] and 0 <= group["found"] <= group["searched"]
        low, high = group["interval"]
        assert low <= group["burden"] <= high
    burdens = [
        group["burden"] for group in recourse["groups"].values() if group["searched"] >= 30 and group["burden"] is not None
    ]
    assert recourse["disparities"]["recourse_burden_ratio"] == pytest.approx(min(burdens) / max(burdens))
    assert recourse["disparities"]["recourse_burden_difference"] == pytest.approx(max(burdens) - min(burdens))
    capsys.readouterr()
    assert main([*args, "--fail-on", "recourse_burden_ratio<1.01"]) == 1
    assert "FAILED: recourse_burden_ratio = " in capsys.readouterr().err
    # Every group left out for its size: the burden ratio is undefined, and the gate fails closed, saying why.
    assert main([*args, "--min-group-size", "10000", "--fail-on", "recourse_burden_ratio<0.8"]) == 1
    assert "recourse_burden_ratio is undefined (fewer than two groups" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fail-on", "recourse_burden_ratio<0.8"], "computed only with --recourse"),
        (["--recourse", "--recourse-rows", "0"], "--recourse-rows must be 1 or more"),
    ],
)
def test_recourse_options_bad_input(files, capsys, extra, message):
    assert main(["audit", *_base(*files), "--no-explain", *extra]) == 2
    assert message in capsys.readouterr().err


def test_recourse_without_a_model_says_why(files, capsys):
    data, _ = files
    args = [
        "audit",
        "--data",
        str(data),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--score",
        "score",
        "--recourse",
    ]
    assert main(args) == 2
    assert "--recourse needs --model" in capsys.readouterr().err


def test_the_report_section_escapes_group_labels(people, people_model):
    from fairdash.explain.counterfactuals import search_space
    from fairdash.explain.recourse import recourse_by_group
    from fairdash.intake.models import ScoreModel
    from fairdash.present.recourse import recourse_html, recourse_json

    hostile = "<img src=x onerror=alert(1)>"
    X = people[FEATURES]
    scores = people_model.predict_proba(X)[:, 1]
    groups = people["sex"].map({"female": hostile, "male": "male"})
    result = recourse_by_group(
        ScoreModel.wrap(people_model),
        X,
        scores=scores,
        thresholds=0.5,
        groups=groups,
        space=search_space(X, immutable=["sex"]),
        positive_label="yes",
    )
    page = recourse_html(result)
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "recourse_burden_ratio" in page and "Distance: L1 over the features" in page
    assert hostile in recourse_json(result)["groups"]  # JSON keeps the label as it is (json_text escapes for JSON)
