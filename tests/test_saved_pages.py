"""Saved audits in the dashboard (headless, AppTest): save on the Report page, reopen by ?audit=ID in another session with
the same numbers and thresholds, the Saved audits page (list, rename, delete, compare), hostile ids, a broken store, and
a pickle that asks for trust again. Oracles: the store's SQLite file read with sqlite3, and the first session's numbers."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fairdash.ui.saved import NO_SUCH_AUDIT_MESSAGE
from fairdash.store.db import AuditStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _signed_in(monkeypatch, user: str) -> None:
    """Sign-in through a proxy's header, as ``user`` (the header the browser tests send, handed to the app here)."""
    from fairdash.ui import signin

    monkeypatch.setenv(signin.USER_HEADER_SETTING, "X-Forwarded-Email")
    monkeypatch.setattr(signin, "header_values", lambda name: [user])


def _app(audit_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if audit_id is not None:
        at.query_params["audit"] = audit_id
    return at.run()


def _clean(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]


def _button(at: AppTest, label: str):
    return next(button for button in at.button if button.label == label)


def _headline(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def _settle(at: AppTest, mode: str = "global", **thresholds: float) -> None:
    """A settled move of the Fairness page's in-browser preview, kept as its callback keeps it
    (``state.store_settled_thresholds``; tests/test_browser.py drives the component itself)."""
    at.session_state["threshold_mode"] = mode
    for key, value in thresholds.items():
        at.session_state[key] = value
    at.run()


def _compas_at(at: AppTest, threshold: float) -> AppTest:
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/fairness.py").run()
    _settle(at, threshold=threshold)
    return at


def _save(at: AppTest, title: str) -> str:
    at.switch_page("pages/report.py").run()
    at.text_input(key="save_title").set_value(title).run()
    _button(at, "Save this audit").click().run()
    _clean(at)
    assert [success.value for success in at.success][-1].startswith("Saved.")
    return at.query_params["audit"]


def _rows(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "audits.sqlite") as connection:
        return connection.execute("SELECT id, title, settings FROM audits ORDER BY created, rowid").fetchall()


def test_a_saved_audit_reopens_by_its_link_in_another_session_with_the_same_numbers(home):
    first = _compas_at(_app(), 7.0)
    numbers = _headline(first)
    audit_id = _save(first, "compas at 7")
    ((row_id, title, settings),) = _rows(home)
    assert (row_id, title) == (audit_id, "compas at 7")
    assert json.loads(settings)["thresholds"] == 7.0 and json.loads(settings)["source"] == {"kind": "demo", "demo": "compas"}

    second = _app(audit_id)  # a colleague's browser: a new session, the link only
    _clean(second)
    second.switch_page("pages/fairness.py").run()
    _clean(second)
    assert second.session_state["threshold"] == 7.0
    assert _headline(second) == numbers
    second.switch_page("pages/report.py").run()
    assert (
        json.loads(second.get("json")[0].proto.body)["disparities"]
        == json.loads(sqlite3.connect(home / "audits.sqlite").execute("SELECT audit_json FROM audits").fetchone()[0])[
            "disparities"
        ]
    )


def test_per_group_thresholds_come_back_as_saved():
    first = _compas_at(_app(), 5.0)
    labels = ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"]
    _settle(first, "per_group", **{f"threshold_for_{label}": 8.0 if label == "African-American" else 5.0 for label in labels})
    numbers = _headline(first)
    audit_id = _save(first, "per group")
    second = _app(audit_id)
    second.switch_page("pages/fairness.py").run()
    _clean(second)
    assert second.session_state["threshold_mode"] == "per_group"
    assert second.session_state["threshold_for_African-American"] == 8.0
    assert second.session_state["threshold_for_Caucasian"] == 5.0
    assert _headline(second) == numbers


@pytest.mark.parametrize(
    "bad", ["../", "../../etc/passwd", "x' OR '1'='1", "'; DROP TABLE audits; --", "a" * 10_000, "Bz3kq2Xo8s9Lr0Tn4Yv7Wm1P"]
)
def test_ids_in_the_url_that_are_unknown_or_not_ids_say_no_such_audit(home, bad):
    kept = _save(_compas_at(_app(), 5.0), "kept")
    at = _app(bad)
    assert not at.exception
    assert [error.value for error in at.error] == [NO_SUCH_AUDIT_MESSAGE]
    assert at.title[0].value == "Data & model"
    assert [row[0] for row in _rows(home)] == [kept]


def test_a_broken_store_is_a_message_and_the_dashboard_still_runs(home):
    home.mkdir(parents=True)
    (home / "audits.sqlite").write_bytes(b"not a database at all " * 50)
    at = _compas_at(_app(), 5.0)
    _clean(at)
    at.switch_page("pages/report.py").run()
    _button(at, "Save this audit").click().run()
    assert not at.exception
    assert any("cannot be read" in error.value for error in at.error)
    at.switch_page("pages/saved.py").run()
    assert not at.exception and any("cannot be read" in error.value for error in at.error)
    at.switch_page("pages/fairness.py").run()
    _clean(at)
    with sqlite3.connect(home / "audits.sqlite") as connection:  # the store is not an SQLite file, and still is not
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute("SELECT 1 FROM audits")


def _two_compas_audits(second_title: str) -> tuple[AppTest, str, str]:
    """COMPAS saved at the thresholds 5 ("five") and 7 (``second_title``), then the Saved audits page."""
    at = _compas_at(_app(), 5.0)
    five = _save(at, "five")
    at.switch_page("pages/fairness.py").run()
    _settle(at, threshold=7.0)
    seven = _save(at, second_title)
    at.switch_page("pages/saved.py").run()
    _clean(at)
    return at, five, seven


def test_the_saved_audits_page_lists_renames_compares_and_deletes(home):
    at, five, seven = _two_compas_audits("seven <script>alert(1)</script>")
    listed = at.dataframe[0].value
    assert listed.index.tolist() == [seven, five]
    assert listed["title"].tolist() == ["seven <script>alert(1)</script>", "five"]
    # Compare: before five, after seven; the table's change is the JSONs' difference.
    table = at.table[0].value
    documents = {
        audit_id: json.loads(
            sqlite3.connect(home / "audits.sqlite")
            .execute("SELECT audit_json FROM audits WHERE id = ?", (audit_id,))
            .fetchone()[0]
        )
        for audit_id in (five, seven)
    }
    change = (
        documents[seven]["disparities"]["demographic_parity_difference"]
        - documents[five]["disparities"]["demographic_parity_difference"]
    )
    assert table.loc["demographic parity difference", "change"] == f"{change:+.3f}"
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"].startswith("Change in the gap of the pair tested")
    # Rename the chosen (newest) audit, then delete it.
    at.text_input(key="rename_title").set_value("renamed").run()
    _button(at, "Rename").click().run()
    _clean(at)
    assert dict((row[0], row[1]) for row in _rows(home))[seven] == "renamed"
    at.checkbox(key=f"confirm_delete_for_{seven}").check().run()
    _button(at, "Delete").click().run()
    _clean(at)
    assert [row[0] for row in _rows(home)] == [five]


def _labelled(widgets, label: str):
    return next(widget for widget in widgets if widget.label == label)


def test_a_delete_confirmation_given_for_one_audit_never_deletes_another(home):
    """Found by label, not key, so that it runs on the code before the fix too (where the Audit box had no key)."""
    at, five, seven = _two_compas_audits("seven")
    assert _labelled(at.selectbox, "Audit").value == seven
    _labelled(at.checkbox, "Yes, delete this audit and its files").check().run()  # confirmed for seven
    _labelled(at.selectbox, "Audit").set_value(five).run()  # then another audit is chosen
    assert _labelled(at.checkbox, "Yes, delete this audit and its files").value is False
    assert _button(at, "Delete").disabled  # before the fix: enabled, and its click deleted five
    assert sorted(row[0] for row in _rows(home)) == sorted([five, seven])
    # Back to seven: its confirmation was not kept either; the Audit box keeps its choice under its key.
    _labelled(at.selectbox, "Audit").set_value(seven).run()
    assert at.selectbox(key="saved_audit").value == seven
    assert at.checkbox(key=f"confirm_delete_for_{seven}").value is False
    at.checkbox(key=f"confirm_delete_for_{seven}").check().run()
    _button(at, "Delete").click().run()
    _clean(at)
    assert [row[0] for row in _rows(home)] == [five]
    assert at.selectbox(key="saved_audit").value == five  # the deleted audit's choice falls back to one that exists


def test_an_uploaded_pickle_saved_with_its_files_asks_for_trust_again(home, people, people_model, tmp_path):
    at = _app()
    at.segmented_control(key="source").set_value("upload").run()
    at.file_uploader(key="data").set_value(("people.csv", people.to_csv(index=False).encode(), "text/csv")).run()
    at.file_uploader(key="model").set_value(("model.pkl", pickle.dumps(people_model), "application/octet-stream")).run()
    at.checkbox(key="trust_pickle").check().run()
    at.selectbox(key="target").set_value("hired").run()
    _clean(at)
    at.switch_page("pages/fairness.py").run()
    numbers = _headline(at)
    at.switch_page("pages/report.py").run()
    at.checkbox(key="save_files").check().run()
    _button(at, "Save this audit").click().run()
    _clean(at)
    audit_id = at.query_params["audit"]
    kept = sorted(path.name for path in (home / "files" / audit_id).iterdir())
    assert kept == ["model", "table"]  # names the store made, not the upload's
    assert (home / "files" / audit_id / "model").read_bytes() == pickle.dumps(people_model)

    other = _app(audit_id)
    assert not other.exception
    assert any("It was not opened" in error.value for error in other.error)  # the pickle is refused until trusted
    assert other.checkbox(key="trust_pickle").value is False
    other.checkbox(key="trust_pickle").check().run()
    _clean(other)
    other.switch_page("pages/fairness.py").run()
    _clean(other)
    assert _headline(other) == numbers


def _delete_without_confirmation(audit_id: str) -> None:
    """A click on Delete that reaches the server without this audit's confirmation (a browser's stale click): AppTest
    refuses to click a disabled button, so the page's callback is called as the click would call it."""
    import streamlit as st

    from fairdash.ui import saved

    st.session_state["confirm_delete"] = True  # the key the confirmation had before: a confirmation of some other audit
    saved.delete_clicked(audit_id)
    saved.show_outcome()


def test_delete_refuses_without_the_confirmation_of_that_very_audit(home):
    kept = _save(_compas_at(_app(), 5.0), "kept")
    at = AppTest.from_function(_delete_without_confirmation, args=(kept,), default_timeout=60).run()
    assert not at.exception
    assert [row[0] for row in _rows(home)] == [kept]
    assert [error.value.replace("\\", "") for error in at.error] == [  # shown escaped for markdown
        "Nothing was deleted: tick 'Yes, delete this audit and its files' for this audit first."
    ]


MARKDOWN_GROUP = "[P](https://e.co/md)"
HTML_GROUP = "<a href='https://e.co/h'>Q</a>"


def _save_rows(title: str, rates: dict[str, float], *, target: str = "y", n: int = 400, owner: str | None = None) -> str:
    """An audit saved straight to the store: in each group, ``rate`` of its ``n`` rows selected (score 1), half positive."""
    import numpy as np
    import pandas as pd

    from fairdash.engine.spec import AuditSpec
    from fairdash.run import run_audit
    from fairdash.store.db import AuditStore
    from fairdash.store.saving import save_audit

    parts = []
    for seed, (group, rate) in enumerate(rates.items()):
        selected = np.r_[np.ones(int(rate * n)), np.zeros(n - int(rate * n))]
        np.random.default_rng(seed).shuffle(selected)
        parts.append(pd.DataFrame({"g": group, target: [1, 0] * (n // 2), "s": selected}))
    spec = AuditSpec(target=target, positive_label=1, sensitive=("g",), score="s")
    audit = run_audit(pd.concat(parts, ignore_index=True), spec, thresholds=0.5, with_rules=False, data_name="d.csv")
    return save_audit(AuditStore(), audit, title=title, source={"kind": "upload"}, owner=owner)


def _unescaped_markdown(text: str) -> str:
    """What markdown shows of ``text``'s characters: CommonMark's backslash escapes undone, zero-width spaces dropped."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("\u200b", "")


def _makes_a_link(markdown: str) -> bool:
    """Whether Streamlit's markdown (CommonMark and GitHub's extensions) could make a link or a tag of ``markdown``: an
    unescaped ``[``, ``<`` or ``!``, or a bare ``http(s)://``, ``www.`` or ``@`` that GitHub's autolinks would take."""
    import re

    return bool(re.search(r"(?<!\\)[\[<!]|https?://|www\.|(?<!\\)@", markdown))


def test_group_names_in_the_comparison_show_as_text_in_the_table_and_the_chart(home, monkeypatch):
    """Before: the table's 'interval of' (now 'pair tested') cells were markdown with the names as written (a link), the chart's labels
    plotly text with an <a href> tag in them (a link). Team audits (saved without an owner) are listed to a signed-in user."""
    import html

    _signed_in(monkeypatch, "alice@example.com")
    groups = ("a", MARKDOWN_GROUP, HTML_GROUP)  # markdown's rate rises, HTML's falls: the pair tested names both
    _save_rows("before", dict(zip(groups, (0.5, 0.45, 0.55))))
    _save_rows("after", dict(zip(groups, (0.5, 0.75, 0.25))))
    at = _app()
    at.switch_page("pages/saved.py").run()
    _clean(at)
    cells = at.table[0].value["pair tested"].tolist()
    named = [cell for cell in cells if "P" in cell and "Q" in cell]
    assert named, cells
    assert not [cell for cell in cells if _makes_a_link(cell)], cells
    expected = f"selection rate {MARKDOWN_GROUP!r} - {HTML_GROUP!r}"  # as the command line prints it: the names quoted
    assert any(_unescaped_markdown(cell).startswith(expected) for cell in named), [_unescaped_markdown(cell) for cell in named]
    labels = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]
    assert not [label for label in labels if "<" in label or ">" in label], labels  # plotly reads a tag from "<"
    assert any(f": {expected}" in html.unescape(label) for label in labels), labels


def test_a_delete_confirmation_is_forgotten_when_another_audit_is_chosen_though_the_page_stopped(home, monkeypatch):
    """Two audits of different targets: the comparison is a message and the page stops there, and a stopped run keeps
    widgets it did not show. Before: the confirmation ticked for X was still ticked on coming back to X, Delete enabled.
    The two are Alice's own (saved for her as owner): she is signed in, and only an owner deletes."""
    _signed_in(monkeypatch, "alice@example.com")
    first, second = (
        _save_rows("x", {"a": 0.6, "b": 0.3}, owner="alice@example.com"),
        _save_rows("y", {"a": 0.5, "b": 0.3}, target="z", owner="alice@example.com"),
    )
    at = _app()
    at.switch_page("pages/saved.py").run()
    assert not at.exception and "differ in target" in at.error[0].value.replace("\\", "")  # the page stopped at the comparison
    chosen = at.selectbox(key="saved_audit").value
    other = first if chosen == second else second
    at.checkbox(key=f"confirm_delete_for_{chosen}").check().run()
    assert not _button(at, "Delete").disabled
    at.selectbox(key="saved_audit").set_value(other).run()
    assert _button(at, "Delete").disabled
    at.selectbox(key="saved_audit").set_value(chosen).run()
    assert at.checkbox(key=f"confirm_delete_for_{chosen}").value is False
    assert _button(at, "Delete").disabled
    assert sorted(row[0] for row in _rows(home)) == sorted([first, second])


def test_a_saved_audit_reopens_with_the_fairness_pages_control(home):
    """The control held equal on the Fairness page is saved with the audit (its JSON's conditional) and set again when its
    link is opened: the reopened audit is the audit saved, conditional figures included."""
    from fairdash.ui.keys import FAIRNESS_CONTROL

    at = _compas_at(_app(), 0.5)
    at.multiselect(key=FAIRNESS_CONTROL).set_value(["priors_count"]).run()
    audit_id = _save(at, "with a control")
    saved = AuditStore(home).get(audit_id)
    assert saved.settings["control"] == ["priors_count"]
    reopened = _app(audit_id)
    reopened.switch_page("pages/fairness.py").run()
    _clean(reopened)
    assert reopened.multiselect(key=FAIRNESS_CONTROL).value == ["priors_count"]
    plain = _save(_compas_at(_app(), 0.5), "without")
    assert AuditStore(home).get(plain).settings["control"] == []
