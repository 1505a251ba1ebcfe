"""The shipped demo models: what scripts/build_demo_models.py builds now, byte for byte, loaded without training."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import skops.io

from fairdash.engine import demo
from fairdash.engine.demo import DEMO_MODELS, demo_model, demo_model_file, load_demo, train_demo_model

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("build_demo_models", ROOT / "scripts" / "build_demo_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained():
    """Each demo model trained now, as the script trains it (the oracle for the shipped files)."""
    return {key: train_demo_model(key) for key in DEMO_MODELS}


def _rows(key):
    shown = load_demo(key)
    return shown.data[list(shown.spec.features)]


@pytest.mark.parametrize("key", list(DEMO_MODELS))
def test_the_shipped_file_is_what_the_script_builds_now(key, trained):
    path = demo_model_file(key)
    assert path.exists(), f"{path.name} is missing: run scripts/build_demo_models.py"
    # The build is made deterministic (ids renumbered, fixed zip times), so the bytes themselves must agree.
    assert _script().canonical_skops(trained[key]) == path.read_bytes()
    assert path.stat().st_size < 1_000_000  # shipped in the repository: small


@pytest.mark.parametrize("key", list(DEMO_MODELS))
def test_the_shipped_model_scores_the_demo_rows_as_the_trained_one_does(key, trained):
    rows = _rows(key)
    shipped = load_demo(key).model.estimator
    np.testing.assert_array_equal(shipped.predict_proba(rows), trained[key].predict_proba(rows))
    np.testing.assert_array_equal(shipped.predict(rows), trained[key].predict(rows))


@pytest.mark.parametrize("key", list(DEMO_MODELS))
def test_loading_trains_nothing_and_trusts_only_the_listed_types(key, trained, monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    def refuse(*args, **kwargs):
        raise AssertionError("a demo model was trained")

    for estimator in (Pipeline, HistGradientBoostingClassifier, LogisticRegression):
        monkeypatch.setattr(estimator, "fit", refuse)
    loaded = demo_model(key)
    rows = _rows(key)
    np.testing.assert_array_equal(loaded.predict_proba(rows), trained[key].predict_proba(rows))
    # Exactly the types the file needs are listed: none more is trusted, none missing.
    assert sorted(skops.io.get_untrusted_types(file=demo_model_file(key))) == sorted(DEMO_MODELS[key])


def test_a_missing_file_falls_back_to_training(tmp_path, monkeypatch, trained):
    monkeypatch.setattr(demo, "MODEL_DIR", tmp_path)  # no shipped file here
    assert not demo_model_file("german").exists()
    rows = _rows("german")
    np.testing.assert_array_equal(demo_model("german").predict_proba(rows), trained["german"].predict_proba(rows))


def test_the_canonical_file_does_not_depend_on_memory_addresses(trained):
    # Two dumps of equal models made at different addresses (a copy) give the same bytes, and load.
    import copy

    script = _script()
    model = trained["german"]
    twin = copy.deepcopy(model)
    assert script.canonical_skops(model) == script.canonical_skops(twin)
    loaded = skops.io.loads(script.canonical_skops(twin), trusted=list(DEMO_MODELS["german"]))
    rows = _rows("german")
    np.testing.assert_array_equal(loaded.predict_proba(rows), model.predict_proba(rows))
