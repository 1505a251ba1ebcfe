"""The Data & model page's MLflow model (headless, AppTest, a real local MLflow store built here): a models:/ or runs:/ URI
asks for trust (a pickle inside), then audits on every page and saves with its file as an upload does; trust given to
another model never reads it; bad URIs (none such, not scikit-learn, no version, a path leaving the run, an empty store)
are messages. Oracles: the model's own predict_proba, and the model file's bytes in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
            mlflow.sklearn.log_model(
                people_model, name="model", registered_model_name="hiring", serialization_format="cloudpickle"
            )
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


def _unescaped(elements) -> list[str]:
    return [element.value.replace("\\", "") for element in elements]  # shown escaped for markdown


def _clean(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, _unescaped(at.error)


def _upload_people(people) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    at.file_uploader(key="data").set_value(("people.csv", people.to_csv(index=False).encode(), "text/csv")).run()
    return at


def _mlflow_model(at: AppTest, uri: str) -> AppTest:
    if at.radio(key="score_mode").value != "mlflow":
        at.radio(key="score_mode").set_value("mlflow").run()
    return at.text_input(key="mlflow_model").set_value(uri).run()


def _asks_for_trust(at: AppTest, uri: str) -> bool:
    assert not at.exception, [exception.value for exception in at.exception]
    refused = [
        text
        for text in _unescaped(at.warning)
        if text.startswith(f"The MLflow model '{uri}' is a scikit-learn model saved as a pickle") and "It was not loaded" in text
    ]
    return bool(refused) and at.checkbox(key="trust_pickle").value is False


def test_an_mlflow_model_is_trusted_then_audited_and_saved_with_its_file(store, people, people_model, home, monkeypatch):
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", store["uri"])
    at = _mlflow_model(_upload_people(people), f"runs:/{store['run']}/model")
    assert _asks_for_trust(at, f"runs:/{store['run']}/model")
    at.checkbox(key="trust_pickle").check().run()
    _clean(at)
    at = _mlflow_model(at, "models:/hiring/1")  # another model: the trust given to the last one does not read it
    assert _asks_for_trust(at, "models:/hiring/1")
    at.checkbox(key="trust_pickle").check().run()
    for key, value in (("target", "hired"), ("positive_label", "yes"), ("sensitive", ["sex"])):
        (at.multiselect if key == "sensitive" else at.selectbox)(key=key).set_value(value).run()
    _clean(at)
    assert at.checkbox(key="trust_pickle").value is True
    at.switch_page("pages/fairness.py").run()
    _clean(at)
    assert at.metric, "the Fairness page shows the audit's headline figures"
    at.switch_page("pages/report.py").run()
    document = json.loads(at.get("json")[0].proto.body)
    assert document["settings"]["model"] == "models:/hiring/1/model.pkl"
    selected = people_model.predict_proba(people[FEATURES])[:, list(people_model.classes_).index("yes")] >= 0.5
    by_sex = people.assign(selected=selected).groupby("sex")["selected"].mean()
    assert {group: document["groups"][group]["selection_rate"] for group in by_sex.index} == pytest.approx(
        by_sex.to_dict(), abs=1e-12
    )
    at.checkbox(key="save_files").check().run()
    next(button for button in at.button if button.label == "Save this audit").click().run()
    _clean(at)
    audit_id = at.query_params["audit"]
    assert (home / "files" / audit_id / "model").read_bytes() == Path(store["pickle"]).read_bytes()


def test_trust_given_to_a_model_file_does_not_read_an_mlflow_model(store, people, people_model, monkeypatch):
    import pickle

    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", store["uri"])
    at = _upload_people(people)
    at.file_uploader(key="model").set_value(("model.pkl", pickle.dumps(people_model), "application/octet-stream")).run()
    at.checkbox(key="trust_pickle").check().run()
    at.selectbox(key="target").set_value("hired").run()
    _clean(at)
    assert _asks_for_trust(_mlflow_model(at, "models:/hiring/1"), "models:/hiring/1")


def test_bad_mlflow_models_are_messages(store, people, monkeypatch, tmp_path):
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", store["uri"])
    at = _upload_people(people)
    escaping = f"runs:/{store['run']}/notes/../../../../../outside"  # the run's artifacts, up to the store's folder and out
    for uri, message in (
        ("models:/nothing/1", "cannot be read (Registered Model with name=nothing not found)"),
        ("models:/hiring", "is not models:/NAME/VERSION"),
        (f"runs:/{store['run']}/not_sklearn", "has no scikit-learn flavour (python_function)"),
        (escaping, "is not runs:/RUN_ID/PATH"),
        (f"runs:/{store['run']}/notes", "is not an MLflow model (no readable MLmodel file)"),
    ):
        _mlflow_model(at, uri)
        assert not at.exception, [exception.value for exception in at.exception]
        assert len(at.error) == 1 and message in _unescaped(at.error)[0], (uri, _unescaped(at.error))
        assert not at.warning and not [box for box in at.checkbox if box.key == "trust_pickle"], uri
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", (tmp_path / "no store here").as_uri())
    _mlflow_model(at, "models:/hiring/2")
    assert not at.exception and len(at.error) == 1 and "cannot be read" in _unescaped(at.error)[0]


def test_the_mlflow_choice_is_offered_only_with_a_tracking_uri(store, people, monkeypatch):
    at = _upload_people(people)
    assert at.radio(key="score_mode").options == ["A model file", "A column of the table (scores or 0/1 predictions)"]
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", store["uri"])
    at.run()
    assert at.radio(key="score_mode").options == [
        "A model file",
        "An MLflow model",
        "A column of the table (scores or 0/1 predictions)",
    ]


@pytest.mark.parametrize("path", ["notes/../../../../../outside", "../../../../outside", "./model", "model/..", "model/./"])
def test_a_runs_path_with_dot_parts_is_refused_before_any_read(store, path):
    """A path that leaves the run's artifacts (here to a model outside the store, which loaded before) is refused as a
    runs:/ URI it is not; the CLI's --model reads through the same function."""
    from fairdash.errors import InvalidInputError
    from fairdash.store.tracking import load_mlflow_model

    with pytest.raises(InvalidInputError, match=r"is not runs:/RUN_ID/PATH .* without \. or \.\. parts"):
        load_mlflow_model(f"runs:/{store['run']}/{path}", tracking_uri=store["uri"], trust_pickle=True)
