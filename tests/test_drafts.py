"""A tab's draft (headless, AppTest): its unsaved work comes back after a reload, bound to the tab, never to a URL.

The browser's side (the id kept in the tab's sessionStorage and handed to the server) is stood in for by setting the
binding component's state, as the component does; tests/test_browser_drafts.py drives the component in chromium.
Oracles: the store's SQLite file read with sqlite3, and the first session's numbers."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fairdash.store.db import new_audit_id

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _tab(draft_id: str | None, audit_id: str | None = None) -> AppTest:
    """A new server session in a tab that holds ``draft_id``: the first run, then the one the component's report starts."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if audit_id is not None:
        at.query_params["audit"] = audit_id
    at.run()
    if draft_id is not None:
        at.session_state["draft_binding"] = {"draft": {"id": draft_id, "from": None}}
        at.run()
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]


def _drafts(home: Path) -> dict[str, dict]:
    if not (home / "audits.sqlite").exists():
        return {}
    with sqlite3.connect(home / "audits.sqlite") as connection:
        return {row[0]: json.loads(row[1]) for row in connection.execute("SELECT id, settings FROM drafts")}


def _compas_at(at: AppTest, threshold: float) -> dict[str, str]:
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fairness.py").run()
    at.session_state["threshold_mode"] = "global"
    at.session_state["threshold"] = threshold  # a settled move, as the preview's callback keeps it
    at.run()
    _clean(at)
    return {metric.label: metric.value for metric in at.metric}


def test_a_reload_brings_the_tabs_unsaved_work_back_with_the_same_numbers(home):
    draft_id = new_audit_id()
    first = _tab(draft_id)
    numbers = _compas_at(first, 7.0)
    written = _drafts(home)[draft_id]
    assert (written["source"], written["thresholds"], written["target"]) == (
        {"kind": "demo", "demo": "compas"},
        7.0,
        "two_year_recid",
    )

    reloaded = _tab(draft_id)  # a reload: a new server session, the same tab
    _clean(reloaded)
    assert reloaded.selectbox(key="demo").value == "compas"
    reloaded.switch_page("pages/fairness.py").run()
    _clean(reloaded)
    assert reloaded.session_state["threshold"] == 7.0
    assert {metric.label: metric.value for metric in reloaded.metric} == numbers


def test_another_tab_or_a_colleague_never_sees_the_draft(home):
    draft_id = new_audit_id()
    _compas_at(_tab(draft_id), 7.0)
    for other in (_tab(None), _tab(new_audit_id())):  # no id yet; another tab's own id
        _clean(other)
        assert other.selectbox(key="demo").value != "compas"
    assert _drafts(home)[draft_id]["thresholds"] == 7.0  # and their runs did not overwrite it


def test_nothing_is_written_before_the_tab_names_its_draft(home):
    at = _tab(None)
    _compas_at(at, 7.0)
    assert _drafts(home) == {}


NOT_IDS = ["../../etc/passwd", "x' OR '1'='1", "a" * 10_000, "", 7, None, ["list"]]


@pytest.mark.parametrize(
    "bad", NOT_IDS + [{"id": bad} for bad in NOT_IDS] + [{"id": "A" * 24, "from": bad} for bad in NOT_IDS if bad]
)
def test_a_binding_that_is_not_an_id_is_ignored(home, bad):
    at = _tab(None)
    at.session_state["draft_binding"] = {"draft": bad}
    at.run()
    _clean(at)
    _compas_at(at, 7.0)
    assert _drafts(home) == {}


def test_an_upload_comes_back_before_its_target_is_chosen(home, people):
    draft_id = new_audit_id()
    at = _tab(draft_id)
    at.segmented_control(key="source").set_value("upload").run()
    at.file_uploader(key="data").set_value(("people.csv", people.to_csv(index=False).encode(), "text/csv")).run()
    assert _drafts(home)[draft_id]["source"] == {"kind": "upload"}

    reloaded = _tab(draft_id)
    assert reloaded.segmented_control(key="source").value == "upload"
    assert not reloaded.exception
    kept = reloaded.session_state["uploaded_table"]
    assert (kept.name, kept.content) == ("people.csv", people.to_csv(index=False).encode())


def test_a_link_followed_since_the_draft_was_written_wins(home):
    saved = _tab(None)
    saved.selectbox(key="demo").set_value("german").run()
    saved.switch_page("pages/report.py").run()
    next(button for button in saved.button if button.label == "Save this audit").click().run()
    audit_id = saved.query_params["audit"]

    draft_id = new_audit_id()
    _compas_at(_tab(draft_id), 7.0)  # the tab's work, on no link
    followed = _tab(draft_id, audit_id)  # the same tab, sent to the saved audit's link
    _clean(followed)
    assert followed.selectbox(key="demo").value == "german"
    assert _drafts(home)[draft_id]["link"] == audit_id  # rewritten from the link


def _upload(at: AppTest, name: str, table, *, scores_in_a_column: bool = True) -> None:
    at.segmented_control(key="source").set_value("upload").run()
    if scores_in_a_column:
        at.radio(key="score_mode").set_value("column").run()
    at.file_uploader(key="data").set_value((name, table.to_csv(index=False).encode(), "text/csv")).run()


def _rows_shown(at: AppTest) -> str:
    return next(metric.value for metric in at.metric if metric.label == "Rows")


def test_a_second_reload_shows_the_newest_upload_and_a_link_shows_its_own_files(home, people):
    """Restored files were named by the draft's or audit's id in the caches every session shares: a tab reloaded twice
    saw its older upload, and a draft given a saved audit's id changed what that audit's link showed."""
    draft_id = new_audit_id()
    first = _tab(draft_id)
    _upload(first, "people.csv", people)
    second = _tab(draft_id)
    _upload(second, "people.csv", pd.concat([people, people.head(300)]))  # the same name, other rows
    third = _tab(draft_id)
    assert _rows_shown(third) == "900"

    saver = _tab(None)
    _upload(saver, "people.csv", people)
    saver.selectbox(key="target").set_value("hired").run()
    saver.switch_page("pages/report.py").run()
    saver.checkbox(key="save_files").check().run()
    next(button for button in saver.button if button.label == "Save this audit").click().run()
    audit_id = saver.query_params["audit"]
    intruder = _tab(audit_id, audit_id)  # a tab whose draft id is the audit's own, working on the link
    _upload(intruder, "people.csv", people.head(100))
    _tab(audit_id, audit_id)  # its reload
    colleague = _tab(None, audit_id)
    assert _rows_shown(colleague) == "600"


def test_a_reload_while_the_model_awaits_trust_keeps_the_choices_and_writes_no_files(home, people, people_model):
    draft_id = new_audit_id()
    at = _tab(draft_id)
    _upload(at, "people.csv", people, scores_in_a_column=False)
    at.file_uploader(key="model").set_value(("model.pkl", pickle.dumps(people_model), "application/octet-stream")).run()
    at.checkbox(key="trust_pickle").check().run()
    at.selectbox(key="target").set_value("hired").run()
    at.multiselect(key="sensitive").set_value(["race"]).run()
    _clean(at)
    written = _drafts(home)[draft_id]
    folder = _draft_folder(home, draft_id)
    for _ in range(2):  # reloads, the pickle not trusted again yet
        reloaded = _tab(draft_id)
        assert not reloaded.exception
    assert _drafts(home)[draft_id] == written and _draft_folder(home, draft_id) == folder  # nothing lost, nothing copied
    reloaded.checkbox(key="trust_pickle").check().run()
    _clean(reloaded)
    assert reloaded.multiselect(key="sensitive").value == ["race"]


def _draft_folder(home: Path, draft_id: str) -> str:
    with sqlite3.connect(home / "audits.sqlite") as connection:
        return connection.execute("SELECT files_dir FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]


def test_a_duplicated_tab_starts_from_its_twins_work_and_never_writes_over_it(home, people):
    twin = new_audit_id()
    first = _tab(twin)
    _compas_at(first, 7.0)
    duplicate = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    copy = new_audit_id()
    duplicate.session_state["draft_binding"] = {"draft": {"id": copy, "from": twin}}  # as the script reports a twin
    duplicate.run()
    assert duplicate.selectbox(key="demo").value == "compas"
    _upload(duplicate, "people.csv", people)
    assert _drafts(home)[twin]["source"] == {"kind": "demo", "demo": "compas"}  # the twin's own draft is untouched
    assert _drafts(home)[copy]["source"] == {"kind": "upload"}


def test_an_upload_made_before_the_tab_names_its_draft_wins_over_the_draft(home, people):
    """After a reload, the tab names its draft a moment later (its component's report starts a run). On a busy machine a
    user can upload before that: the newer upload stays, and it is what the draft then holds (the older draft's table
    came back over it, and the upload was lost)."""
    draft_id = new_audit_id()
    first = _tab(draft_id)
    first.segmented_control(key="source").set_value("upload").run()
    first.file_uploader(key="data").set_value(("people.csv", people.to_csv(index=False).encode(), "text/csv")).run()
    assert _drafts(home)[draft_id]["source"] == {"kind": "upload"}

    newer = people.assign(age=people["age"] + 1)
    reloaded = _tab(None)  # the reload: the tab has not named its draft yet
    reloaded.segmented_control(key="source").set_value("upload").run()
    reloaded.file_uploader(key="data").set_value(("newer.csv", newer.to_csv(index=False).encode(), "text/csv")).run()
    reloaded.session_state["draft_binding"] = {"draft": {"id": draft_id, "from": None}}  # the report arrives now
    reloaded.run()
    _clean(reloaded)
    kept = reloaded.session_state["uploaded_table"]
    assert (kept.name, kept.content) == ("newer.csv", newer.to_csv(index=False).encode())
    assert _tab(draft_id).session_state["uploaded_table"].name == "newer.csv"  # the draft holds the newer work now
