import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fairdash.engine.demo import DEMO_MODELS, DEMO_TITLES, _adult, demo_model_file, load_demo
from fairdash.engine.inputs import prepare_audit
from fairdash.cli import main
from fairdash.errors import InvalidInputError, UntrustedModelError
from fairdash.intake.models import load_model


def test_adult_is_the_uci_split_with_a_model_that_predicts():
    demo = load_demo("adult")
    # The documented sizes of UCI Adult once rows with unknowns are dropped: 30,162 train, 15,060 test.
    assert len(demo.data) == 15_060
    assert demo.data["income"].unique().tolist() in ([">50K", "<=50K"], ["<=50K", ">50K"])
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    accuracy = ((inputs.scores >= 0.5) == inputs.y_true).mean()
    assert accuracy > 0.85  # gradient boosting on Adult reaches about 0.87
    assert inputs.reference == "Male"


def test_adult_model_is_deterministic():
    first = load_demo("adult")
    again = (
        _adult.__wrapped__()
    )  # a second load (of the shipped file), bypassing the cache; tests/test_demo_models.py checks training
    np.testing.assert_array_equal(
        first.model.scores(first.data, positive_label=">50K"),
        again.model.scores(again.data, positive_label=">50K"),
    )


def test_compas_follows_propublicas_filter_and_audits_the_deployed_score():
    demo = load_demo("compas")
    assert len(demo.data) == 6_172  # the row count in ProPublica's analysis
    assert demo.model is None and demo.spec.score == "decile_score"
    inputs = prepare_audit(demo.data, demo.spec)
    assert inputs.scores.min() == 1 and inputs.scores.max() == 10
    assert not inputs.binary_scores
    assert {"African-American", "Caucasian"} <= set(inputs.groups)


def test_german_decodes_sex_and_age_band():
    demo = load_demo("german")
    assert len(demo.data) == 300
    assert set(demo.data["sex"]) == {"male", "female"}
    assert set(demo.data["age_band"]) == {"under 25", "25 and over"}
    assert (demo.data["age_band"] == "under 25").tolist() == (demo.data["age"] < 25).tolist()
    inputs = prepare_audit(demo.data, demo.spec, demo.model)
    assert 0.7 < ((inputs.scores >= 0.5) == inputs.y_true).mean() < 0.9


def test_unknown_demo():
    with pytest.raises(InvalidInputError, match="no demo 'mnist'"):
        load_demo("mnist")
    for key in DEMO_TITLES:  # every demo the page offers loads, under its own key
        assert load_demo(key).key == key


def test_compas_defaults_to_propublicas_medium_or_high_cut():
    demo = load_demo("compas")
    assert prepare_audit(demo.data, demo.spec).default_threshold == 5.0


ROOT = Path(__file__).resolve().parents[1]
ADULT_AUDIT = [
    "audit",
    "--data",
    "adult.parquet",
    "--target",
    "income",
    "--positive-label",
    ">50K",
    "--sensitive",
    "sex",
    "--no-explain",
    "--model",
]


def test_the_demo_writes_its_model_and_the_shipped_file_loads_without_trust(tmp_path, capsys, monkeypatch):
    """``demo adult --model-out`` writes the shipped skops file byte for byte; the command line loads that very file
    (by its SHA-256) without --trust-type, and the scores are the demo's own. A file that differs by one byte, or the
    same bytes uploaded (``load_model`` on bytes, as the dashboard does), still asks for the types to be trusted."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "adult", "--out", "adult.parquet", "--model-out", "adult.skops"]) == 0
    shipped = demo_model_file("adult").read_bytes()
    assert hashlib.sha256((tmp_path / "adult.skops").read_bytes()).digest() == hashlib.sha256(shipped).digest()
    capsys.readouterr()
    assert main([*ADULT_AUDIT, "adult.skops", "--json", "audit.json"]) in (0, 1)
    assert "error" not in capsys.readouterr().err
    demo = load_demo("adult")
    selected = demo.model.scores(demo.data, positive_label=">50K") >= 0.5
    written = json.loads((tmp_path / "audit.json").read_text())
    for group in ("Female", "Male"):
        assert written["groups"][group]["selection_rate"] == pytest.approx(selected[demo.data["sex"] == group].mean(), abs=1e-12)
    (tmp_path / "changed.skops").write_bytes(shipped + b" ")  # still a readable zip; no longer the shipped file
    assert main([*ADULT_AUDIT, "changed.skops"]) == 2
    assert f"--trust-type {DEMO_MODELS['adult'][0]}" in capsys.readouterr().err
    with pytest.raises(UntrustedModelError):
        load_model(shipped, name="adult.skops")


@pytest.mark.parametrize("key, target, label", [("adult", "income", ">50K"), ("german", "credit", "good")])
def test_a_demo_written_as_csv_audits_with_its_model(key, target, label, tmp_path, capsys, monkeypatch):
    """A CSV loses the types a Parquet keeps: German credit's "True"/"False" came back as booleans, and its model, trained
    on text, could not score them (exit 2). Its audit from the CSV is the audit of the demo itself."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", key, "--out", f"{key}.csv", "--model-out", f"{key}.skops"]) == 0
    arguments = [
        "audit",
        "--target",
        target,
        "--positive-label",
        label,
        "--sensitive",
        "sex",
        "--no-explain",
        "--model",
        f"{key}.skops",
        "--json",
    ]
    assert main([*arguments[:1], "--data", f"{key}.csv", *arguments[1:], "csv.json"]) in (0, 1), capsys.readouterr().err
    assert main(["demo", key, "--out", f"{key}.parquet"]) == 0
    assert main([*arguments[:1], "--data", f"{key}.parquet", *arguments[1:], "parquet.json"]) in (0, 1)
    from_csv, from_parquet = (json.loads((tmp_path / name).read_text()) for name in ("csv.json", "parquet.json"))
    assert from_csv["groups"] == from_parquet["groups"] and from_csv["disparities"] == from_parquet["disparities"]


def test_the_demo_without_a_model_writes_no_model(tmp_path, capsys):
    assert main(["demo", "compas", "--out", str(tmp_path / "c.csv"), "--model-out", str(tmp_path / "m.skops")]) == 2
    assert "no model" in capsys.readouterr().err and not (tmp_path / "m.skops").exists()
    assert main(["demo", "adult", "--out", str(tmp_path / "a.csv"), "--model-out", str(tmp_path / "m.pkl")]) == 2
    assert ".skops" in capsys.readouterr().err and not (tmp_path / "m.pkl").exists()


def test_the_report_pages_command_for_the_demo_runs_as_pasted(tmp_path):
    """The Report page's command for the adult demo, pasted into a shell in an empty folder, runs: it writes the demo's
    rows and model, loads the model without asking for trust, and exits by the gate (1: its demographic parity ratio
    is under the 0.8 the pasted --fail-on names), with the page's own numbers and nothing else on stderr."""

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.selectbox(key="demo").set_value("adult").run()
    at.switch_page("pages/report.py").run()
    assert not at.exception and not at.error
    (pasted,) = [code.value for code in at.code if "python -m fairdash" in code.value]
    assert pasted.startswith("python -m fairdash demo adult --out DATA.parquet --model-out MODEL.skops\npython -m fairdash audit")
    assert "--trust-type" not in pasted
    page = json.loads(at.get("json")[0].proto.body)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(["sh", "-c", pasted], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    written = json.loads((tmp_path / "audit.json").read_text())
    assert done.returncode == (1 if written["disparities"]["demographic_parity_ratio"] < 0.8 else 0), done.stderr
    assert [line for line in done.stderr.splitlines() if not line.startswith("FAILED:")] == []
    assert written["disparities"] == page["disparities"] and written["groups"] == page["groups"]
