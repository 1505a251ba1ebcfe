"""MLflow: an audit logged to a real local store and read back with MLflow's own client; scikit-learn models read from
models:/ and runs:/ URIs under the pickle trust rule; nothing leaves the machine."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # this test's own MLflow calls use the local file store, as fairdash does

from mlflow.tracking import MlflowClient  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from fairdash.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class _TouchesAFile(LogisticRegression):
    """A scikit-learn model whose unpickling creates a file: a stand-in for a malicious pickle that MLflow logs as any model."""

    def __init__(self, marker: str = "") -> None:
        super().__init__()
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


FEATURES = ["age", "income", "sex", "race"]


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt to a host other than this machine is recorded and refused."""
    attempts = []
    original = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            attempts.append(address)
            raise OSError("network refused by the test")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _audit_args(data: Path, *extra: str) -> list[str]:
    return ["audit", "--data", str(data), "--target", "hired", "--positive-label", "yes", "--sensitive", "sex", *extra]


def test_an_audit_logged_to_mlflow_reads_back_with_mlflows_client(tmp_path, people, capsys, monkeypatch, no_network):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    people.to_csv(tmp_path / "people.csv", index=False)
    code = main(
        _audit_args(tmp_path / "people.csv", "--score", "score", "--threshold", "0.5", "--json", "audit.json", "--mlflow")
    )
    out = capsys.readouterr().out
    assert code == 0
    run_id = out.strip().splitlines()[-1].split()[4]
    document = json.loads((tmp_path / "audit.json").read_text())
    client = MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri())  # the default store: ./mlruns
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "fairdash"
    for name, value in document["disparities"].items():
        if isinstance(value, float):
            assert run.data.metrics[f"disparity.{name}"] == pytest.approx(value, abs=1e-12)
    assert run.data.metrics["overall.selection_rate"] == pytest.approx(document["overall"]["selection_rate"], abs=1e-12)
    assert run.data.params["fairdash.target"] == "hired" and json.loads(run.data.params["fairdash.sensitive"]) == ["sex"]
    assert json.loads(run.data.params["fairdash.thresholds"]) == 0.5
    assert sorted(artifact.path for artifact in client.list_artifacts(run_id, "fairdash")) == [
        "fairdash/audit.json",
        "fairdash/report.html",
    ]
    logged = json.loads(Path(client.download_artifacts(run_id, "fairdash/audit.json", str(tmp_path))).read_text())
    assert logged["disparities"] == document["disparities"]
    assert no_network == []


def test_the_audit_goes_into_the_active_run(tmp_path, people, capsys, no_network):
    people.to_csv(tmp_path / "people.csv", index=False)
    uri = (tmp_path / "store").as_uri()
    mlflow.set_tracking_uri(uri)
    try:
        with mlflow.start_run() as run:
            mlflow.log_param("mine", "kept")
            assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", uri)) == 0
        data = MlflowClient(tracking_uri=uri).get_run(run.info.run_id).data
    finally:
        mlflow.set_tracking_uri(None)
    assert data.params["mine"] == "kept" and "disparity.demographic_parity_difference" in data.metrics
    assert no_network == []


def test_sklearn_models_from_mlflow_load_only_when_trusted(tmp_path, people, people_model, capsys, monkeypatch):
    import mlflow.sklearn

    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        with mlflow.start_run() as run:  # pickled: the format MLflow used before 3.x, and still offers
            mlflow.sklearn.log_model(
                people_model, name="model", registered_model_name="hiring", serialization_format="cloudpickle"
            )
            skops_info = mlflow.sklearn.log_model(people_model, name="skops_model", serialization_format="skops")
    finally:
        mlflow.set_tracking_uri(None)  # MLflow also clears MLFLOW_TRACKING_URI here: set it after
        mlflow.set_registry_uri(None)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # where audit --model reads models:/ from without --mlflow
    people.to_csv(tmp_path / "people.csv", index=False)
    for model_uri in ("models:/hiring/1", f"runs:/{run.info.run_id}/model"):
        assert main(_audit_args(tmp_path / "people.csv", "--model", model_uri, "--no-explain")) == 2
        error = capsys.readouterr().err
        assert "pickle" in error and "--trust-pickle" in error and "not loaded" in error
        assert (
            main(
                _audit_args(
                    tmp_path / "people.csv",
                    "--model",
                    model_uri,
                    "--trust-pickle",
                    "--no-explain",
                    "--json",
                    str(tmp_path / "a.json"),
                )
            )
            == 0
        )
        capsys.readouterr()
        document = json.loads((tmp_path / "a.json").read_text())
        expected = people_model.predict_proba(people[FEATURES])[:, list(people_model.classes_).index("yes")] >= 0.5
        by_sex = people.assign(selected=expected).groupby("sex")["selected"].mean()
        assert {group: document["groups"][group]["selection_rate"] for group in by_sex.index} == pytest.approx(
            by_sex.to_dict(), abs=1e-12
        )
    assert main(_audit_args(tmp_path / "people.csv", "--model", "models:/nothing/7", "--trust-pickle")) == 2
    assert "cannot be read" in capsys.readouterr().err
    # A model MLflow saved with skops (its default since 3.x) loads as a .skops file does: no pickle, no trust needed.
    assert main(_audit_args(tmp_path / "people.csv", "--model", f"runs:/{run.info.run_id}/skops_model", "--no-explain")) == 0, (
        capsys.readouterr().err
    )
    assert skops_info.model_uri


def test_an_untrusted_mlflow_pickle_runs_no_code(tmp_path, people, capsys, monkeypatch):
    """A model whose pickle would write a marker file: refused without trust, and the file never appears."""
    import mlflow.sklearn

    marker = tmp_path / "ran"
    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    try:
        with mlflow.start_run() as run:
            mlflow.sklearn.log_model(_TouchesAFile(str(marker)), name="model", serialization_format="pickle")
    finally:
        mlflow.set_tracking_uri(None)
    marker.unlink(missing_ok=True)  # logging may have pickled and checked it; what matters is loading
    people.to_csv(tmp_path / "people.csv", index=False)
    code = main(_audit_args(tmp_path / "people.csv", "--model", f"runs:/{run.info.run_id}/model", "--mlflow", uri))
    assert code == 2 and "not loaded" in capsys.readouterr().err
    assert not marker.exists()


def test_mlflow_logging_in_a_fresh_process_sends_nothing(tmp_path, people):
    """A subprocess (MLflow's telemetry would start there) with every outbound connection refused and recorded."""
    people.to_csv(tmp_path / "people.csv", index=False)
    script = f"""
import atexit, socket, sys, threading, time
tried, code = [], None
original = socket.socket.connect
def connect(self, address):
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        tried.append(address); raise OSError("refused")
    return original(self, address)
socket.socket.connect = connect
# Registered first, so run last: after the exit handlers of MLflow (its telemetry sends what is left at exit).
atexit.register(lambda: print("TRIED", tried, "CODE", code, flush=True))
from fairdash.cli import main
code = main({_audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", str(tmp_path / "mlruns"))!r})
# A telemetry thread sends from the background: wait until every thread has ended (none should be left).
deadline = time.monotonic() + 60
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(max(0.0, deadline - time.monotonic()))
print("THREADS LEFT", [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()])
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if not key.startswith(("MLFLOW_", "DO_NOT_TRACK"))},
    )
    assert "THREADS LEFT []" in done.stdout and "TRIED [] CODE 0" in done.stdout, done.stdout + done.stderr


def test_the_report_pages_log_to_mlflow_button(tmp_path, monkeypatch, no_network):
    """Where a tracking URI is configured, the Report page logs the audit it shows; MLflow's client reads it back."""
    from streamlit.testing.v1 import AppTest

    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", uri)
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/report.py").run()
    next(button for button in at.button if button.label == "Log to MLflow").click().run()
    assert not at.exception and not at.error
    (message,) = [success.value for success in at.success]
    run_id = message.split("run ")[1].split()[0]
    shown = json.loads(at.get("json")[0].proto.body)
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert run.data.metrics["disparity.demographic_parity_difference"] == pytest.approx(
        shown["disparities"]["demographic_parity_difference"], abs=1e-12
    )
    assert no_network == []


def test_a_skops_mlflow_model_kept_with_a_saved_audit_is_kept_as_skops(tmp_path, people, people_model, capsys, monkeypatch):
    """``--model models:/.../1 --save --keep-files``: a model MLflow saved with skops is kept as ``model.skops`` (it was
    ``model.pkl``: skops bytes under a pickle's name, which reopening would refuse or unpickle), and skops itself loads
    the kept bytes into the same model; a cloudpickled one is kept as ``model.pkl`` and unpickles."""
    import pickle

    import mlflow.sklearn
    import skops.io

    from fairdash.store.db import AuditStore

    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                people_model, name="skops_model", registered_model_name="hiring_skops", serialization_format="skops"
            )
            mlflow.sklearn.log_model(
                people_model, name="model", registered_model_name="hiring_pickle", serialization_format="cloudpickle"
            )
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    people.to_csv(tmp_path / "people.csv", index=False)
    expected = people_model.predict_proba(people[FEATURES])
    kept = {}
    for name, extra in (("hiring_skops", []), ("hiring_pickle", ["--trust-pickle"])):
        assert (
            main(
                _audit_args(
                    tmp_path / "people.csv", "--model", f"models:/{name}/1", *extra, "--no-explain", "--save", "--keep-files"
                )
            )
            == 0
        ), capsys.readouterr().err
        audit_id = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
        kept[name] = AuditStore(tmp_path / "home").stored_file(audit_id, "model")
    assert kept["hiring_skops"].name == "model.skops"
    content = kept["hiring_skops"].content
    loaded = skops.io.loads(content, trusted=skops.io.get_untrusted_types(data=content))
    assert (loaded.predict_proba(people[FEATURES]) == expected).all()
    assert kept["hiring_pickle"].name == "model.pkl"
    assert (pickle.loads(kept["hiring_pickle"].content).predict_proba(people[FEATURES]) == expected).all()


def _closed_port() -> int:
    """A local port nothing listens on: a tracking server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err and "mlflow.exceptions" not in err, err
    (line,) = [line for line in err.splitlines() if line.startswith("fairdash: error:")]
    return line


def test_a_tracking_server_that_is_down_is_one_line_and_the_gate_still_decides(tmp_path, people, capsys, monkeypatch, no_network):
    """With the server down, logging fails in one line, quickly (no minutes of MLflow's retries), and the gate is
    still decided: no condition holds -> exit 2 (the logging failed); a condition holds -> exit 1, the condition named."""
    import time

    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    people.to_csv(tmp_path / "people.csv", index=False)
    uri = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", uri)) == 2
    assert time.monotonic() - started < 60
    line = _one_error_line(capsys.readouterr().err)
    assert uri in line and "cannot be reached" in line and "no --fail-on condition holds" in line
    code = main(
        _audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", uri, "--fail-on", "demographic_parity_difference>=0")
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "FAILED: demographic_parity_difference" in err and "a --fail-on condition holds" in _one_error_line(err)
    assert no_network == []


def test_an_sqlite_store_without_sqlalchemy_is_one_line(tmp_path, people, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as where only mlflow-skinny is installed: find_spec says none
    people.to_csv(tmp_path / "people.csv", index=False)
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", f"sqlite:///{tmp_path / 'm.db'}")) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "SQLAlchemy" in line and "pip install mlflow" in line
    assert not (tmp_path / "m.db").exists()


def test_a_second_audit_with_other_settings_into_the_same_run_is_refused_and_writes_nothing(
    tmp_path, people, capsys, monkeypatch, no_network
):
    """MLflow never changes a logged param: a second audit into the run with another threshold is one line (exit 2),
    and the run keeps the first audit's metrics and params as they were. The same audit again is accepted."""
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    people.to_csv(tmp_path / "people.csv", index=False)
    store = (tmp_path / "mlruns").as_uri()
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--threshold", "0.5", "--mlflow", store)) == 0
    run_id = capsys.readouterr().out.strip().splitlines()[-1].split()[4]
    client = MlflowClient(tracking_uri=store)
    before = client.get_run(run_id).data
    monkeypatch.setenv("MLFLOW_RUN_ID", run_id)
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--threshold", "0.7", "--mlflow", store)) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert run_id in line and "fairdash.thresholds" in line and "MLFLOW_RUN_ID" in line
    after = client.get_run(run_id).data
    assert after.params == before.params and after.metrics == before.metrics
    assert len(client.get_metric_history(run_id, "disparity.demographic_parity_difference")) == 1
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--threshold", "0.5", "--mlflow", store)) == 0
    assert no_network == []


def test_a_store_mlflow_cannot_write_is_one_line(tmp_path, people, capsys):
    """Any other error of MLflow's (here a tracking "folder" that is a file) is one line, exit 2, not MLflow's traceback."""
    people.to_csv(tmp_path / "people.csv", index=False)
    assert main(_audit_args(tmp_path / "people.csv", "--score", "score", "--mlflow", str(tmp_path / "people.csv"))) == 2
    assert "cannot be logged to MLflow" in _one_error_line(capsys.readouterr().err)


def test_the_report_pages_log_to_mlflow_button_with_the_server_down(tmp_path, monkeypatch, no_network):
    """The click shows a message (an error box), never an exception, when the tracking server is down."""
    from streamlit.testing.v1 import AppTest

    uri = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("FAIRDASH_MLFLOW_URI", uri)
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/report.py").run()
    next(button for button in at.button if button.label == "Log to MLflow").click().run()
    assert not at.exception
    (message,) = [error.value.replace("\\", "") for error in at.error]
    assert "cannot be reached" in message and f"127.0.0.1:{uri.rsplit(':', 1)[1]}" in message
    assert not at.success
    assert no_network == []
