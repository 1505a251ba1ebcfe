"""Load models without running untrusted code, and ask every model one question: its score.

Formats, safest first:

- ``.skops``: read with :mod:`skops.io`, which builds only types it trusts. Types it does not
  trust by default are listed in an :class:`UntrustedModelError`; the caller shows them and loads
  again with ``trusted_types`` once the user accepts them.
- ``.onnx``: a graph of standard operators run by onnxruntime, from any framework that exports
  ONNX; loading runs no code from the file (see :mod:`fairdash.intake.onnx_models`).
- ``.pkl``, ``.pickle``, ``.joblib``: unpickling runs whatever code the file names. Such a file is
  not even opened unless ``trust_pickle=True``, which the dashboard sets only after the user ticks a
  box saying so.
"""

from __future__ import annotations

import io
import shlex
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, ModelError, UntrustedModelError, brief
from fairdash.intake.sources import Source, read_source, suffix_of
from fairdash.intake.values import match_label

__all__ = [
    "PICKLE_SUFFIXES",
    "SKOPS_SUFFIXES",
    "ONNX_SUFFIXES",
    "MODEL_SUFFIXES",
    "PICKLE_WARNING",
    "ScoreMethod",
    "ScoreModel",
    "model_input",
    "per_model",
    "match_class",
    "load_model",
    "untrusted_types",
]

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
SKOPS_SUFFIXES = (".skops",)
ONNX_SUFFIXES = (".onnx",)
MODEL_SUFFIXES = SKOPS_SUFFIXES + ONNX_SUFFIXES + PICKLE_SUFFIXES

PICKLE_WARNING = (
    "Loading a pickle or joblib file runs code from the file. Only load a model you or someone you "
    "trust made; prefer the .skops or .onnx format, which load without running code."
)
_PICKLE_REFUSED = (
    "The file {name} is a pickle/joblib file, and loading one runs code from the file. "
    "It was not opened. Tick 'I trust this file' to load it anyway (on the command line: --trust-pickle), "
    "or save the model with skops.io.dump (or export it to ONNX) and upload that file."
)
_SKOPS_REFUSED = (
    "The skops file {name} contains types that are not trusted by default: {types}. "
    "Review them and accept them to load the model: tick them under 'Types I have reviewed and trust' "
    "(on the command line: {flags})."
)

_NOT_PROBABILITIES = (
    "The probabilities of the model {name} are not within [0, 1] (they range from {low:.4g} to {high:.4g}), so a "
    "threshold such as 0.5 would mean nothing and the audit would be wrong. Give a model whose predict_proba "
    "returns probabilities (for ONNX, export the sigmoid or softmax with the model: its last float output is read "
    "as them), or score the table yourself and audit that column (--score)."
)
# A gradient-boosting library's own model class, not its scikit-learn one: (package, class) -> what it is,
# and the classifier to save instead. Its predict takes other input (a DMatrix), or gives raw values or
# probabilities where fairdash expects classes, so it would fail with a misleading message or be audited wrong.
_RAW_BOOSTERS = {
    ("lightgbm", "Booster"): ("a LightGBM Booster", "lightgbm.LGBMClassifier"),
    ("xgboost", "Booster"): ("an XGBoost Booster", "xgboost.XGBClassifier"),
    ("catboost", "CatBoost"): ("a model of CatBoost's base class (catboost.CatBoost)", "catboost.CatBoostClassifier"),
}
_BOOSTER_REFUSED = (
    "The object in {name} is {what}, not a scikit-learn classifier: it records no classes, and its predict does not "
    "answer as a scikit-learn classifier's does. Save the scikit-learn wrapper ({wrapper}, fitted with .fit) instead, or score the table "
    "yourself and audit that column (--score)."
)
# How far float32 arithmetic (onnxruntime, LightGBM) can put a probability outside [0, 1].
_ROUNDING = 1e-6

ScoreMethod = Literal["predict_proba", "decision_function", "predict"]


@dataclass(frozen=True)
class ScoreModel:
    """A fitted model seen through one question: the score of the positive class.

    Attributes
    ----------
    estimator : object
        The loaded model (a scikit-learn estimator or pipeline, or anything with ``predict``).
    name : str
        Where it came from, for messages and reports.
    feature_names : tuple of str, optional
        The columns the model was fitted on (``feature_names_in_``), when it records them.
    method : {"predict_proba", "decision_function", "predict"}
        How scores are obtained: the first of these the model has.
    """

    estimator: Any
    name: str = "model"
    feature_names: tuple[str, ...] | None = None
    method: ScoreMethod = "predict_proba"

    @classmethod
    def wrap(cls, estimator: Any, name: str = "model") -> "ScoreModel":
        """Wrap a fitted estimator, choosing how to score it.

        Raises
        ------
        ModelError
            When ``estimator`` has no method to score with, or is a gradient-boosting library's raw
            model (a LightGBM or XGBoost ``Booster``, a ``catboost.CatBoost``) rather than its classifier.
        """
        kind = (type(estimator).__module__.partition(".")[0], type(estimator).__name__)
        if kind in _RAW_BOOSTERS:  # the exact class: the scikit-learn wrappers subclass catboost.CatBoost
            what, wrapper = _RAW_BOOSTERS[kind]
            raise ModelError(_BOOSTER_REFUSED.format(name=repr(name), what=what, wrapper=wrapper))
        for method in ("predict_proba", "decision_function", "predict"):
            if callable(getattr(estimator, method, None)):
                break
        else:
            raise ModelError(
                f"The object in {name!r} is a {type(estimator).__name__}, not a model: "
                "it has no predict_proba, decision_function or predict method."
            )
        names = getattr(estimator, "feature_names_in_", None)
        feature_names = tuple(str(column) for column in names) if names is not None else None
        return cls(estimator=estimator, name=name, feature_names=feature_names, method=method)

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return list(classes) if classes is not None else None

    def check_features(self, table: pd.DataFrame, features: Sequence[str] | None = None) -> list[str]:
        """The columns to give the model; raises :class:`ModelError` naming any the table lacks."""
        wanted = list(features) if features else list(self.feature_names or [])
        inputs = self.unnamed_inputs
        if not wanted:
            raise ModelError(
                f"The model {brief(self.name)} does not record which columns it takes; choose the feature columns"
                + (f" ({inputs}, in the order it was trained on)." if inputs else ".")
            )
        missing = [column for column in wanted if column not in table.columns]
        if missing:
            raise ModelError(
                f"The model {brief(self.name)} needs column(s) the table lacks: {', '.join(brief(column) for column in missing)}."
            )
        if inputs is not None and len(wanted) != inputs:
            raise ModelError(
                f"The model {brief(self.name)} was trained on {inputs} unnamed inputs (an array, not a table), and "
                f"{len(wanted)} columns are chosen. Choose its {inputs} columns, in the order it was trained on."
            )
        return wanted

    @property
    def unnamed_inputs(self) -> int | None:
        """How many inputs a model trained on an array (no column names) takes; None for any other model."""
        if self.feature_names is not None:
            return None
        count = getattr(self.estimator, "n_features_in_", None)
        # CatBoost records its names elsewhere (feature_names_) and may report 0 inputs.
        if hasattr(self.estimator, "feature_names_") or not isinstance(count, (int, np.integer)) or count <= 0:
            return None
        return int(count)

    def scores(
        self,
        table: pd.DataFrame,
        *,
        positive_label: Any,
        features: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Scores for the positive class, one float per row (higher means more likely positive).

        Raises
        ------
        ModelError
            When columns are missing, the positive label is not one of the model's classes, or the
            model fails to predict.
        """
        columns = self.check_features(table, features)
        X = model_input(self.estimator, table[columns])
        classes = self.classes
        try:
            output = np.asarray(getattr(self.estimator, self.method)(X))
        except ModelError:  # already says what is wrong (an ONNX model's inputs)
            raise
        except Exception as error:  # the model is the user's code: any failure is theirs to fix
            raise ModelError(
                f"The model {brief(self.name)} could not score the table ({type(error).__name__}: {' '.join(str(error).split())[:300]}). "
                "Check that the feature columns and their types match what the model was trained on."
            ) from None
        if self.method == "predict":
            return (output == match_class(classes or list(pd.unique(output)), positive_label, self.name)).astype(float)
        scores = self._positive_column(output, classes, positive_label, rows=len(X))
        return _probabilities(scores, self.name) if self.method == "predict_proba" else scores

    def _positive_column(self, output: np.ndarray, classes: list[Any] | None, positive_label: Any, *, rows: int) -> np.ndarray:
        """The positive class's scores out of what ``predict_proba`` or ``decision_function`` gave."""
        if output.ndim == 2 and output.shape[1] > 1:
            if output.shape[1] != 2 and not (classes and len(classes) == output.shape[1]):
                raise ModelError(
                    f"The model {brief(self.name)} gives {output.shape[1]} scores per row and does not record its classes, "
                    "so the positive class's cannot be told apart."
                )
            # Two classes, or one class against the rest: the positive class's own column.
            column = classes.index(match_class(classes, positive_label, self.name)) if classes else 1
            return output[:, column].astype(float)
        output = output.reshape(rows, -1)[:, 0] if output.ndim == 2 else output
        # A binary decision function scores classes_[1]; turn it around if that is the negative class.
        positive = match_class(classes, positive_label, self.name) if classes else None
        sign = -1.0 if classes and len(classes) == 2 and positive == classes[0] else 1.0
        return sign * output.astype(float)


def _probabilities(scores: np.ndarray, name: str) -> np.ndarray:
    """``scores`` from ``predict_proba``, checked to be probabilities.

    Values that miss [0, 1] by a float32 rounding error are put back on its edge. Any further out means
    the output is not probabilities (raw margins, an ONNX graph's un-squashed output, percentages), and
    auditing it at 0.5 would give a verdict about nothing (everyone selected, every gap 0): refused.
    Missing values (NaN) are left as they are, for the audit to report.

    Raises
    ------
    ModelError
        Naming the range of the values seen.
    """
    finite = scores[np.isfinite(scores)]
    if finite.size and (finite.min() < -_ROUNDING or finite.max() > 1 + _ROUNDING):
        raise ModelError(_NOT_PROBABILITIES.format(name=brief(name), low=finite.min(), high=finite.max()))
    return np.clip(scores, 0.0, 1.0)


def model_input(estimator: Any, X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with its columns cast to the types the model was trained on, as a new frame (``X`` is not changed).

    A CSV gives text columns, but LightGBM and XGBoost models trained on pandas ``category`` columns
    take only categories: LightGBM with the very categories it saw (its ``pandas_categorical``),
    XGBoost any (it records its own and re-codes). A model that records no categorical columns, or
    a pipeline (whose first steps read the raw columns), gets ``X`` as it is.
    """
    categories = _recorded_categories(estimator)
    wanted = {
        column: values
        for column, values in categories.items()
        if column in X.columns and not (isinstance(X[column].dtype, pd.CategoricalDtype) and values is None)
    }
    if not wanted:
        return X
    X = X.copy()
    for column, values in wanted.items():
        X[column] = pd.Categorical(X[column], categories=values) if values is not None else X[column].astype("category")
    return X


_CATEGORIES: dict[int, dict[str, list[Any] | None]] = {}
_PER_MODEL_LOCK = threading.Lock()


def per_model(store: dict[int, Any], model: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per model object, kept in ``store`` while the model lives.

    Keyed by ``id`` with a finalizer that drops the entry, not by the model itself: some models
    (CatBoost's) cannot be hashed. A model that cannot be weakly referenced is computed every time.
    """
    key = id(model)
    with _PER_MODEL_LOCK:
        if key in store:
            return store[key]
    value = compute()
    try:
        weakref.finalize(model, store.pop, key, None)
    except TypeError:
        return value
    with _PER_MODEL_LOCK:
        store[key] = value
    return value


def _recorded_categories(estimator: Any) -> dict[str, list[Any] | None]:
    """Column -> the categories the model was trained on (None: any categories), for the columns it
    treats as categorical; read once per model object."""
    return per_model(_CATEGORIES, estimator, lambda: _read_categories(estimator))


def _read_categories(estimator: Any) -> dict[str, list[Any] | None]:
    found: dict[str, list[Any] | None] = {}
    booster = getattr(estimator, "booster_", None)  # LightGBM's scikit-learn API
    if booster is not None and getattr(booster, "pandas_categorical", None):
        infos = booster.dump_model(num_iteration=1)["feature_infos"]  # one tree: the header is what is read
        categorical = [name for name, info in infos.items() if info.get("values")]
        found = dict(zip(categorical, booster.pandas_categorical))
    elif callable(getattr(estimator, "get_booster", None)):  # XGBoost's scikit-learn API
        try:
            booster = estimator.get_booster()
        except Exception:  # not fitted
            booster = None
        if booster is not None and booster.feature_names and booster.feature_types:
            found = {name: None for name, kind in zip(booster.feature_names, booster.feature_types) if kind == "c"}
    return found


def match_class(classes: list[Any], label: Any, name: str) -> Any:
    found = match_label(classes, label)
    if found is not None:
        return found
    raise ModelError(
        f"The positive label {brief(label)} is not one of the classes the model {brief(name)} predicts "
        f"({', '.join(brief(value) for value in classes)}). Choose the positive label among those."
    )


def load_model(
    source: Source, *, trust_pickle: bool = False, trusted_types: Sequence[str] = (), name: str | None = None
) -> ScoreModel:
    """Load a fitted model from a ``.skops``, ``.onnx``, ``.pkl``, ``.pickle`` or ``.joblib`` file.

    Parameters
    ----------
    source : path, bytes or file-like
        The model file. It is only read.
    trust_pickle : bool, default False
        Pickle and joblib files run code when loaded; without this they are refused unopened.
    trusted_types : sequence of str
        For skops files: types the user has reviewed and accepted, beyond skops' defaults.
    name : str, optional
        The file's name, whose extension selects the format.

    Returns
    -------
    ScoreModel

    Raises
    ------
    UntrustedModelError
        A pickle without ``trust_pickle``, or a skops file with types not in ``trusted_types``
        (listed in the error's ``untrusted_types``).
    InvalidInputError
        An empty file, an unknown format, or a file that does not load.
    ModelError
        A loaded object that is not a model.
    """
    file_name, content = read_source(source, name)
    shown = repr(file_name) if file_name else "you chose"
    suffix = suffix_of(file_name)
    if suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            # Refuse before touching the content: unpickling is where code would run.
            raise UntrustedModelError(_PICKLE_REFUSED.format(name=shown))
        if not content:
            raise InvalidInputError(f"The model file {shown} is empty.")
        estimator = _load_pickle(content, shown)
    elif suffix in SKOPS_SUFFIXES:
        if not content:
            raise InvalidInputError(f"The model file {shown} is empty.")
        estimator = _load_skops(content, shown, trusted_types)
    elif suffix in ONNX_SUFFIXES:
        if not content:
            raise InvalidInputError(f"The model file {shown} is empty.")
        from fairdash.intake.onnx_models import OnnxClassifier

        estimator = OnnxClassifier(content, shown)
    else:
        raise InvalidInputError(
            f"The model file {shown} has the extension {suffix or '(none)'!r}; fairdash loads {', '.join(MODEL_SUFFIXES)} files."
        )
    return ScoreModel.wrap(estimator, name=file_name or "model")


def untrusted_types(source: Source, *, name: str | None = None) -> list[str]:
    """The types in a skops file that skops does not trust by default (empty for a plain pipeline)."""
    file_name, content = read_source(source, name)
    return _skops_untrusted(content, repr(file_name))


def _skops_untrusted(content: bytes, shown: str) -> list[str]:
    import skops.io

    try:
        return list(skops.io.get_untrusted_types(data=content))
    except Exception as error:  # a damaged zip, a schema from another skops version
        raise InvalidInputError(f"The file {shown} is not a readable skops file ({error}).") from None


def _load_skops(content: bytes, shown: str, trusted_types: Sequence[str]) -> Any:
    import skops.io

    needed = _skops_untrusted(content, shown)
    refused = [type_name for type_name in needed if type_name not in set(trusted_types)]
    if refused:
        flags = " ".join(f"--trust-type {shlex.quote(type_name)}" for type_name in refused)  # a type's name is the file's text
        raise UntrustedModelError(_SKOPS_REFUSED.format(name=shown, types=", ".join(refused), flags=flags), tuple(refused))
    try:
        return skops.io.loads(content, trusted=needed)
    except Exception as error:
        raise InvalidInputError(f"The skops file {shown} could not be loaded ({type(error).__name__}: {error}).") from None


def _load_pickle(content: bytes, shown: str) -> Any:
    import joblib

    try:
        return joblib.load(io.BytesIO(content))
    except Exception as error:
        raise InvalidInputError(
            f"The file {shown} could not be loaded as a pickle/joblib model ({type(error).__name__}: {error}). "
            "It may come from another version of Python or scikit-learn."
        ) from None
