"""A link (?audit=ID) says what it shows (issue 32): an unknown id says so on every run, not for a moment; an audit saved
without its data is shown as saved, read-only; and once the user loads other data the link leaves the URL, so a reload
or a copied link never names one audit while showing another. Headless (AppTest); the browser's own reruns are in
tests/test_browser_saved.py."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from fairdash.engine.spec import AuditSpec
from fairdash.run import run_audit
from fairdash.store.db import AuditStore
from fairdash.store.saving import save_audit
from fairdash.ui.saved import NO_SUCH_AUDIT_MESSAGE, READ_ONLY_MESSAGE

from test_saved_pages import _app, home  # noqa: F401  (home: each test's own FAIRDASH_HOME, an autouse fixture)


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]


def _saved_without_files() -> tuple[str, dict]:
    """An audit a pipeline saved (`audit --save` without --keep-files): its JSON and report only."""
    rng = np.random.default_rng(4)
    table = pd.DataFrame({"g": rng.choice(["north", "south"], 600), "y": rng.integers(0, 2, 600), "s": rng.uniform(0, 1, 600)})
    spec = AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s")
    audit = run_audit(table, spec, thresholds=0.4, with_rules=False, data_name="pipeline.csv")
    audit_id = save_audit(AuditStore(), audit, title="From the pipeline", source={"kind": "upload"})
    return audit_id, json.loads(AuditStore().audit_json(audit_id))


def test_an_unknown_id_says_so_on_every_run_until_other_data_is_chosen():
    at = _app("Bz3kq2Xo8s9Lr0Tn4Yv7Wm1P")
    for page in (None, "pages/fairness.py", "pages/report.py"):
        if page:
            at.switch_page(page).run()
        else:
            at.run()  # a rerun of the same page (the browser's binding reruns the script at once)
        _no_exception(at)
        assert NO_SUCH_AUDIT_MESSAGE in [error.value for error in at.error]
        assert at.query_params["audit"] == "Bz3kq2Xo8s9Lr0Tn4Yv7Wm1P"  # a reload says the same
    at.switch_page("pages/data.py").run()
    at.selectbox(key="demo").set_value("compas").run()
    at.run()
    _no_exception(at)
    assert NO_SUCH_AUDIT_MESSAGE not in [error.value for error in at.error]
    assert "audit" not in at.query_params


def test_a_live_link_leaves_the_url_once_other_data_is_loaded():
    at = _app()
    at.selectbox(key="demo").set_value("compas").run()
    at.switch_page("pages/report.py").run()
    next(button for button in at.button if button.label == "Save this audit").click().run()
    audit_id = at.query_params["audit"]

    other = _app(audit_id)  # the link in another session: the COMPAS demo, live
    other.switch_page("pages/fairness.py").run()
    _no_exception(other)
    assert other.query_params["audit"] == audit_id and not other.error
    other.switch_page("pages/data.py").run()
    other.selectbox(key="demo").set_value("german").run()
    other.switch_page("pages/fairness.py").run()
    _no_exception(other)
    assert "audit" not in other.query_params  # the page shows German credit: the COMPAS audit's link would lie


def test_an_audit_saved_without_its_data_is_shown_as_saved_read_only():
    audit_id, document = _saved_without_files()
    at = _app(audit_id)
    _no_exception(at)
    assert at.title[0].value == "Saved audits"  # the link lands on the audit as saved, not on the demo
    assert READ_ONLY_MESSAGE in [warning.value for warning in at.warning]
    assert at.session_state["saved_audit"] == audit_id
    shown = at.dataframe[1].value  # after the list of audits
    value = document["findings"]["demographic_parity_ratio"]["value"]
    row = shown[shown["disparity"] == "demographic parity ratio"].iloc[0]
    assert row["value"] == f"{value:.3f}"
    low, high = document["disparity_intervals"]["demographic_parity_ratio"]
    assert row["interval"] == f"{low:.3f} to {high:.3f}"
    assert any("Saved without its data" in info.value for info in at.info)
    assert at.query_params["audit"] == audit_id

    at.switch_page("pages/fairness.py").run()  # the other pages say that what they show is not that audit
    _no_exception(at)
    assert READ_ONLY_MESSAGE in [warning.value for warning in at.warning]
    assert at.query_params["audit"] == audit_id
