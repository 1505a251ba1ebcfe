"""An audit logged to MLflow, and scikit-learn models read from MLflow (``models:/NAME/VERSION``, ``runs:/RUN/PATH``).

fairdash uses ``mlflow-skinny`` (the tracking client without the server, its web UI and their dependencies):
it logs to a local file store (``./mlruns`` by default) and reads a model's files from a local store, with no
network. MLflow 3 keeps the file store in maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE`` is
set, so fairdash sets it for its own process; an ``sqlite:///...`` tracking URI also works where SQLAlchemy and
Alembic are installed (they come with the full ``mlflow`` package). MLflow's telemetry is turned off
(``MLFLOW_DISABLE_TELEMETRY``, ``DO_NOT_TRACK``) before MLflow is imported.

A scikit-learn flavoured MLflow model is a pickle inside (``model.pkl``, pickle or cloudpickle): loading it runs
code from the file, so it is loaded only with ``trust_pickle=True``, as a ``.pkl`` upload is. Its files are
copied from the store and read by fairdash's own loader; MLflow's ``load_model`` (which would unpickle at once) is
not called.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import socket
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from fairdash.errors import FairdashError, InvalidInputError, UntrustedModelError, brief
from fairdash.intake.models import ScoreModel, load_model

__all__ = [
    "DEFAULT_TRACKING_URI",
    "MLFLOW_MODEL_PREFIXES",
    "EXPERIMENT",
    "MlflowModel",
    "tracking_uri_of",
    "is_mlflow_model_uri",
    "check_tracking_store",
    "log_audit",
    "load_mlflow_model",
]

DEFAULT_TRACKING_URI = "./mlruns"
"""Where ``audit --mlflow`` logs without a URI: a file store in the working folder, as MLflow's own default was."""
MLFLOW_MODEL_PREFIXES = ("models:/", "runs:/")
EXPERIMENT = "fairdash"
"""The experiment a new run goes to, unless ``MLFLOW_EXPERIMENT_NAME`` names another."""
_PARAM_LIMIT = 6000  # MLflow's longest parameter value; the JSON artifact has the whole value
_PICKLE_MODEL = (
    "The MLflow model {uri} is a scikit-learn model saved as a pickle ({file}): loading it runs code from the file. It was "
    "not loaded. Give --trust-pickle (in the dashboard, tick 'I trust this file') only for a model you or someone you "
    "trust logged."
)
_NO_SQLALCHEMY = (
    "The tracking URI {uri} is an SQLite store, which MLflow reads with SQLAlchemy and Alembic; they are not installed "
    "(fairdash installs mlflow-skinny, without them). Install the full package (pip install mlflow), or give a folder "
    "(e.g. ./mlruns) or a tracking server's http:// URI instead."
)
_SERVER_DOWN = (
    "The MLflow tracking server at {uri} cannot be reached ({reason}). Start it (mlflow server), or give another tracking "
    "URI (a folder such as ./mlruns logs without a server)."
)
_PARAM_CHANGED = (
    "The MLflow run {run} already holds an audit with other settings ({key} is {before} there, {after} in this audit), "
    "and MLflow never changes a logged parameter. Log this audit to a new run: unset MLFLOW_RUN_ID (or end the active "
    "run)."
)
_CANNOT_LOG = "The audit cannot be logged to MLflow at {uri} ({reason})."
_CONNECT_TIMEOUT = 5.0  # seconds: a tracking server that answers nothing in this time is taken as down


def _mlflow() -> Any:
    """MLflow, imported with its telemetry off and its local file store allowed (see the module's description)."""
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["DO_NOT_TRACK"] = "true"
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"  # a bar per download would clutter the command's stderr
    try:
        import mlflow
    except ImportError:
        raise InvalidInputError("MLflow is not installed: pip install mlflow-skinny (see requirements.txt).") from None
    return mlflow


def tracking_uri_of(given: str | None) -> str:
    """A tracking URI from what the user gave: a path (``./mlruns``) becomes a ``file:`` URI; a URI stays as it is."""
    text = (given or DEFAULT_TRACKING_URI).strip()
    if "://" in text or text.startswith(("sqlite:", "file:", "databricks")):
        return text
    return Path(text).expanduser().resolve().as_uri()


def check_tracking_store(uri: str) -> None:
    """Refuse, in one plain sentence, a tracking store MLflow could not use: an ``sqlite:`` URI without SQLAlchemy, or a
    tracking server (``http://``, ``https://``) that does not accept a connection.

    The server is tried once with a plain connection (``_CONNECT_TIMEOUT`` seconds) before MLflow's client, which
    retries a refused connection for minutes with its default settings. Behind a proxy (``HTTP_PROXY`` and the like,
    unless ``NO_PROXY`` exempts the host) the server is not tried: only the proxy can reach it.

    Raises
    ------
    InvalidInputError
        The store cannot be used as given, saying why and what to do.
    """
    scheme, _, rest = uri.partition("://")
    if scheme.startswith("sqlite") and not all(importlib.util.find_spec(name) for name in ("sqlalchemy", "alembic")):
        raise InvalidInputError(_NO_SQLALCHEMY.format(uri=brief(uri, 200)))
    if scheme.lower() not in ("http", "https"):
        return
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    host, port = parts.hostname, parts.port or (443 if scheme.lower() == "https" else 80)
    if not host or (urllib.request.getproxies() and not urllib.request.proxy_bypass(host)):
        return
    try:
        socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT).close()
    except OSError as error:
        reason = error.strerror or ("no answer" if isinstance(error, TimeoutError) else str(error) or type(error).__name__)
        raise InvalidInputError(_SERVER_DOWN.format(uri=brief(uri, 200), reason=reason.lower())) from None


def is_mlflow_model_uri(text: str | None) -> bool:
    """Whether ``--model`` names an MLflow model rather than a file."""
    return bool(text) and str(text).startswith(MLFLOW_MODEL_PREFIXES)


@dataclass(frozen=True)
class MlflowModel:
    """A scikit-learn model read from MLflow: the model, the bytes of its file (for its SHA-256, and to keep it), and
    the name that file reopens under, by its format: ``model.skops`` (skops) or ``model.pkl`` (pickle, cloudpickle)."""

    model: ScoreModel
    content: bytes
    file_name: str


def load_mlflow_model(
    uri: str, *, tracking_uri: str | None = None, trust_pickle: bool = False, trusted_types: tuple[str, ...] = ()
) -> MlflowModel:
    """Read the scikit-learn flavoured model at ``uri`` (``models:/NAME/VERSION`` or ``runs:/RUN/PATH``).

    Raises
    ------
    UntrustedModelError
        A pickled model without ``trust_pickle`` (nothing is unpickled).
    InvalidInputError
        A URI that names nothing, or a model without the scikit-learn flavour.
    """
    mlflow = _mlflow()
    store = tracking_uri_of(tracking_uri)
    check_tracking_store(store)
    with tempfile.TemporaryDirectory(prefix="fairdash-mlflow-") as folder:
        try:
            local = Path(
                mlflow.artifacts.download_artifacts(artifact_uri=_artifact_uri(uri, store), dst_path=folder, tracking_uri=store)
            )
        except InvalidInputError:
            raise
        except Exception as error:  # MLflow's own errors: a model or run that does not exist, a store it cannot read
            raise InvalidInputError(
                f"The MLflow model {brief(uri)} cannot be read ({' '.join(str(error).split())[:300]})."
            ) from None
        flavour = _sklearn_flavour(local, uri)
        model_file = local / str(flavour.get("pickled_model", "model.pkl"))
        if model_file.resolve().parent != local.resolve() or not model_file.is_file():
            raise InvalidInputError(f"The MLflow model {brief(uri)} names no model file of its own ({brief(model_file.name)}).")
        content = model_file.read_bytes()
    serialization = str(flavour.get("serialization_format", "cloudpickle"))
    # The name the file is read under is the name it is kept under (audit --save --keep-files): one decides both.
    file_name = "model.skops" if serialization == "skops" else "model.pkl"
    if file_name == "model.pkl" and not trust_pickle:
        raise UntrustedModelError(_PICKLE_MODEL.format(uri=brief(uri), file=f"{model_file.name}, {serialization}"))
    model = load_model(content, name=file_name, trust_pickle=trust_pickle, trusted_types=trusted_types)
    return MlflowModel(ScoreModel.wrap(model.estimator, name=uri), content, file_name)


_PART = r"(?!\.\.?(?:/|\Z))[A-Za-z0-9_.-]+"  # a name in the run's artifacts; never . or ..: a path must not leave them
_RUNS_URI = re.compile(rf"\Aruns:/([0-9a-f]{{32}})/({_PART}(?:/{_PART})*)/?\Z")


def _artifact_uri(uri: str, store: str) -> str:
    """Where the model's files are in ``store``: ``models:/NAME/VERSION`` from its registry, ``runs:/RUN/PATH`` from the
    run's logged model of that name (MLflow 3) or the run's artifacts (MLflow 2). Resolved here with a client of
    ``store``: MLflow's own resolution reads the process's default store, which may be another."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=store, registry_uri=store)
    if uri.startswith("models:/"):
        name, _, version = uri.removeprefix("models:/").rpartition("/")
        if not name or not version.isdigit():
            raise InvalidInputError(f"{brief(uri)} is not models:/NAME/VERSION (a version number, e.g. models:/credit/3).")
        return client.get_model_version_download_uri(name, version)
    match = _RUNS_URI.match(uri)
    if match is None:
        raise InvalidInputError(
            f"{brief(uri)} is not runs:/RUN_ID/PATH (a run's 32-character id and the model's path in it, without . or .. parts)."
        )
    run = client.get_run(match.group(1))
    found = client.search_logged_models(
        experiment_ids=[run.info.experiment_id],  # both values checked by the pattern above
        filter_string=f"source_run_id = '{match.group(1)}' AND name = '{match.group(2)}'",
    )
    return found[0].artifact_location if len(found) else f"{run.info.artifact_uri.rstrip('/')}/{match.group(2)}"


def _sklearn_flavour(local: Path, uri: str) -> Mapping[str, Any]:
    import yaml

    try:
        description = yaml.safe_load((local / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raise InvalidInputError(f"{brief(uri)} is not an MLflow model (no readable MLmodel file).") from None
    flavours = description.get("flavors") if isinstance(description, dict) else None
    if not isinstance(flavours, dict) or not isinstance(flavours.get("sklearn"), dict):
        raise InvalidInputError(
            f"The MLflow model {brief(uri)} has no scikit-learn flavour "
            f"({', '.join(map(str, flavours or {})) or 'none'}); fairdash reads scikit-learn models."
        )
    return flavours["sklearn"]


def log_audit(
    document: Mapping[str, Any], report_html: str, *, tracking_uri: str | None = None, run_name: str | None = None
) -> tuple[str, str]:
    """Log an audit's settings as params, each disparity and overall rate as a metric, and its JSON and HTML report as
    artifacts, in the active run (this process's, or ``MLFLOW_RUN_ID``'s) or a new one; return ``(run id, tracking URI)``.

    Undefined disparities are not logged as metrics (MLflow has no "undefined"); the ``undefined_disparities`` param
    names them. Metrics: ``disparity.<name>`` and ``overall.<rate>``.

    Raises
    ------
    InvalidInputError
        MLflow cannot log there (a tracking server that is down, an ``sqlite:`` store without SQLAlchemy, a store it
        cannot write), or the run already holds an audit with other settings (MLflow never changes a logged param;
        nothing is logged then). The message is one plain sentence; MLflow's own error is not let through.
    """
    mlflow = _mlflow()
    from mlflow.entities import Metric, Param

    uri = tracking_uri_of(tracking_uri)
    check_tracking_store(uri)
    now = int(time.time() * 1000)
    metrics = [
        Metric(f"disparity.{name}", float(value), now, 0)
        for name, value in document["disparities"].items()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ]
    metrics += [
        Metric(f"overall.{name}", float(value), now, 0)
        for name, value in document["overall"].items()
        if isinstance(value, (int, float)) and math.isfinite(value)
    ]
    undefined = [name for name, value in document["disparities"].items() if value is None]
    params = [Param(key, _param_text(value)) for key, value in _params(document, undefined).items()]
    try:
        return _log(mlflow, uri, run_name, document, report_html, metrics, params), uri
    except FairdashError:
        raise
    except Exception as error:  # MLflow's own errors (and those of the store under it): the store cannot take the audit
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        raise InvalidInputError(_CANNOT_LOG.format(uri=brief(uri, 200), reason=reason)) from None


def _log(
    mlflow: Any,
    uri: str,
    run_name: str | None,
    document: Mapping[str, Any],
    report_html: str,
    metrics: list[Any],
    params: list[Any],
) -> str:
    """Log into the run (see :func:`log_audit`) and return its id; a param the run holds with another value is refused
    before anything is written."""
    from mlflow.tracking import MlflowClient

    from fairdash.present.document import json_text

    client = MlflowClient(tracking_uri=uri)
    run_id, created = _run_id(mlflow, client, run_name)
    if not created:
        logged = client.get_run(run_id).data.params
        for param in params:
            if param.key in logged and logged[param.key] != param.value:
                raise InvalidInputError(
                    _PARAM_CHANGED.format(run=run_id, key=param.key, before=brief(logged[param.key]), after=brief(param.value))
                )
    client.log_batch(run_id, metrics=metrics, params=params)
    client.log_text(run_id, json_text(document), "fairdash/audit.json")
    client.log_text(run_id, report_html, "fairdash/report.html")
    if created:
        client.set_terminated(run_id)
    return run_id


def _params(document: Mapping[str, Any], undefined: list[str]) -> dict[str, Any]:
    settings = document["settings"]
    return {
        "fairdash.data": settings.get("data"),
        "fairdash.model": settings.get("model"),
        "fairdash.target": settings.get("target"),
        "fairdash.positive_label": settings.get("positive_label"),
        "fairdash.sensitive": settings.get("sensitive"),
        "fairdash.bins": settings.get("bins"),
        "fairdash.reference": settings.get("reference"),
        "fairdash.score": settings.get("score"),
        "fairdash.thresholds": document.get("thresholds"),
        "fairdash.tolerance": settings.get("tolerance"),
        "fairdash.groups_left_out": settings.get("groups_left_out_of_disparities"),
        "fairdash.undefined_disparities": undefined,
        "fairdash.rows": document.get("data", {}).get("rows"),
    }


def _param_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _PARAM_LIMIT else text[: _PARAM_LIMIT - 1] + "…"


def _run_id(mlflow: Any, client: Any, run_name: str | None) -> tuple[str, bool]:
    """The active run of this process, else the run ``MLFLOW_RUN_ID`` names, else a new run in the experiment (and
    whether it is new: a new run is ended once logged, a run of the caller's is left as it was)."""
    active = mlflow.active_run()
    if active is not None:
        return active.info.run_id, False
    given = os.environ.get("MLFLOW_RUN_ID", "").strip()
    if given:
        try:
            return client.get_run(given).info.run_id, False
        except Exception:
            raise InvalidInputError(f"MLFLOW_RUN_ID {brief(given)} names no run in this tracking store.") from None
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "").strip() or EXPERIMENT
    experiment = client.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment is not None else client.create_experiment(name)
    run = client.create_run(experiment_id, run_name=run_name or "fairdash audit", tags={"fairdash": "audit"})
    return run.info.run_id, True
