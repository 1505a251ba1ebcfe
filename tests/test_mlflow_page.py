"""The Data & model page's MLflow model (headless, AppTest, a real local MLflow store built here): a models:/ or runs:/ URI
asks for trust (a pickle inside), then audits on every page and saves with its file as an upload does; trust given to
another model never reads it; bad URIs (none such, not scikit-learn, no version, a path leaving the run, an empty store)
are messages. Oracles: the model's own predict_proba, and the model file's bytes in the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["age", "income", "sex", "race"]
NOT_SKLEARN = "artifact_path: not_sklearn\nflavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory, people_model) -> dict[str, str]:
    """A file store with the hiring model (pickled, registered as hiring/1), a model of another flavour, a text artifact,
    and, outside the store, a copy of the model that a path leaving the run would reach."""
    import os

    import mlflow.sklearn

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # this test's own MLflow calls use the file store, as fairdash does
    root = tmp_path_factory.mktemp("mlflow")
    uri = (root / "mlruns").as_uri()
    (root / "not_sklearn").mkdir()
    (root / "not_sklearn" / "MLmodel").write_text(NOT_SKLEARN)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        with mlflow.start_run() as run:
            mlflow.sklearn.log_model(people_model, name="model", registered_model_name="hiring", serialization_format="cloudpickle")
            mlflow.log_artifacts(str(root / "not_sklearn"), "not_sklearn")
            mlflow.log_text("notes", "notes/a.txt")
        logged = Path(mlflow.artifacts.download_artifacts(artifact_uri="models:/hiring/1", dst_path=str(root / "copy")))
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
    shutil.copytree(logged, root / "outside")  # mlruns/<experiment>/<run>/artifacts/notes/../../../../.. is root
    return {"uri": uri, "run": run.info.run_id, "pickle": str(logged / "model.pkl")}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("FAIRDASH_MLFLOW_URI", raising=False)
    return tmp_path / "home"


@pytest.mark.parametrize("path", ["notes/../../../../../outside", "../../../../outside", "./model", "model/..", "model/./"])
def test_a_runs_path_with_dot_parts_is_refused_before_any_read(store, path):
    """A path that leaves the run's artifacts (here to a model outside the store, which loaded before) is refused as a
    runs:/ URI it is not; the CLI's --model reads through the same function."""
    from fairdash.errors import InvalidInputError
    from fairdash.store.tracking import load_mlflow_model

    with pytest.raises(InvalidInputError, match=r"is not runs:/RUN_ID/PATH .* without \. or \.\. parts"):
        load_mlflow_model(f"runs:/{store['run']}/{path}", tracking_uri=store["uri"], trust_pickle=True)
