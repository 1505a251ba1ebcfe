"""Shared fixtures: small tables and models made here, and the demos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave files worth looking at (screenshots)."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def people() -> pd.DataFrame:
    """A small generated table: two sensitive attributes, a binary target, a score, a prediction."""
    rng = np.random.default_rng(0)
    n = 600
    sex = rng.choice(["female", "male"], size=n)
    race = rng.choice(["A", "B", "C"], size=n, p=[0.5, 0.3, 0.2])
    income = rng.normal(50, 15, size=n).round(1)
    age = rng.integers(18, 70, size=n)
    logit = (income - 50) / 10 + (sex == "male") * 0.5 - 0.02 * (age - 40)
    hired = rng.random(n) < 1 / (1 + np.exp(-logit))
    score = np.clip(1 / (1 + np.exp(-logit)) + rng.normal(0, 0.1, n), 0, 1).round(3)
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "sex": sex,
            "race": race,
            "score": score,
            "hired": np.where(hired, "yes", "no"),
        }
    )


@pytest.fixture(scope="session")
def people_model(people):
    """A logistic-regression pipeline fitted on ``people`` (features age, income, sex, race)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    features = ["age", "income", "sex", "race"]
    pipeline = Pipeline(
        [
            ("encode", ColumnTransformer([("cat", OneHotEncoder(), ["sex", "race"])], remainder="passthrough")),
            ("model", LogisticRegression(max_iter=500)),
        ]
    )
    return pipeline.fit(people[features], people["hired"])


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (skipped without it, except in CI: see browser.require_chromium)."""
    from browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_configure(config):
    # Streamlit must never phone home from tests.
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    # Saved audits go to the audit store: tests keep theirs out of the user's ~/.fairdash.
    if not os.environ.get("FAIRDASH_HOME"):
        import tempfile

        os.environ["FAIRDASH_HOME"] = tempfile.mkdtemp(prefix="fairdash-test-home-")


@pytest.fixture(scope="session")
def people_onnx(people_model) -> bytes:
    """``people_model`` exported to ONNX by skl2onnx: one input per column, as such pipelines export."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    inputs = [
        ("age", Int64TensorType([None, 1])),
        ("income", FloatTensorType([None, 1])),
        ("sex", StringTensorType([None, 1])),
        ("race", StringTensorType([None, 1])),
    ]
    return to_onnx(people_model, initial_types=inputs, target_opset=18).SerializeToString()
