"""What a new user meets on the Data & model page (issue 32): no red box before they have done anything, and a new model
offers its own columns, not the previous model's. Headless (AppTest)."""

from __future__ import annotations

from pathlib import Path

import skops.io
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def _my_data() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.segmented_control(key="source").set_value("upload").run()
    return at


def _upload(at: AppTest, key: str, name: str, content: bytes) -> AppTest:
    return at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()


def test_choosing_my_own_data_shows_the_next_step_not_an_error():
    at = _my_data()
    assert not at.exception and not at.error, [error.value for error in at.error]
    assert any("Upload a table" in info.value for info in at.info)
    for page in ("pages/fairness.py", "pages/report.py"):  # the other pages point the same way, without a red box
        at.switch_page(page).run()
        assert not at.exception and not at.error, (page, [error.value for error in at.error])
        assert any("Upload a table" in info.value for info in at.info)


def test_a_model_waiting_for_its_file_is_a_next_step_too(people):
    at = _my_data()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    assert not at.exception and not at.error, [error.value for error in at.error]
    assert at.info, "the page says what to upload next"


def test_a_new_model_offers_its_own_columns(people, people_model):
    from sklearn.linear_model import LogisticRegression

    at = _my_data()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    _upload(at, "model", "first.skops", skops.io.dumps(people_model))
    assert at.multiselect(key="features").value == ["age", "income", "sex", "race"]
    smaller = LogisticRegression(max_iter=500).fit(people[["age", "income"]], people["hired"])
    _upload(at, "model", "second.skops", skops.io.dumps(smaller))
    assert not at.exception and not at.error, [error.value for error in at.error]
    assert at.multiselect(key="features").value == ["age", "income"]  # the first model's four columns are not kept
