"""A real notebook, run by nbclient on an ipykernel kernel: it trains a model, calls fairdash.audit and fairdash.show.
Its outputs hold the table and the dashboard's frame; chromium opens the link and sees this audit's numbers on the
Fairness page; once the kernel stops, the server is gone. And a process killed outright leaves no server either."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from browser import fairness_numbers, heading, poll

ROOT = Path(__file__).resolve().parents[1]

TRAIN = """
import os, numpy as np, pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
rng = np.random.default_rng(7)
n = 1200
X = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
sex = pd.Series(rng.choice(["female", "male", "<b>other</b>"], size=n, p=[0.45, 0.45, 0.1]), name="sex")
y = pd.Series((X["income"] - 0.6 * X["debt"] + 0.7 * (sex == "male") + rng.normal(size=n) > 0).astype(int), name="repaid")
clf = GradientBoostingClassifier(n_estimators=40, max_depth=2, random_state=0).fit(X, y)
"""


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _notebook():
    import nbformat

    cells = [
        TRAIN,
        "import fairdash\naudit = fairdash.audit(X, target=y, sensitive=sex, model=clf, threshold=0.45)\naudit",
        "dashboard = fairdash.show(audit)\ndashboard",
        "import json\nprint(json.dumps({'url': dashboard.url, 'port': dashboard.port, "
        "'disparities': {k: float(v) for k, v in audit.disparities.items() if k != 'four_fifths_pass'}}))",
    ]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])


def _html(cell) -> str:
    return "".join(output.get("data", {}).get("text/html", "") for output in cell.outputs)


@pytest.mark.browser
def test_a_notebook_audits_shows_the_dashboard_and_leaves_no_server(browser, tmp_path, monkeypatch, output_dir):
    from nbclient import NotebookClient
    from playwright.sync_api import expect

    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("FAIRDASH_PUBLIC_URL", raising=False)
    notebook = _notebook()
    client = NotebookClient(notebook, kernel_name="python3", timeout=240, resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        facts = json.loads(notebook.cells[3].outputs[0]["text"])
        table, frame = _html(notebook.cells[1]), _html(notebook.cells[2])
        # The table: every group, the label with HTML in it as text, the headline values as the audit has them.
        assert "&lt;b&gt;other&lt;/b&gt;" in table and "<b>other</b>" not in table and "female" in table
        for name in ("demographic_parity_ratio", "equal_opportunity_difference"):
            assert f"{facts['disparities'][name]:.3f}" in table
        # The frame: the dashboard embedded, its link beside it, on this very audit.
        url, port = facts["url"], facts["port"]
        assert re.fullmatch(rf"http://localhost:{port}/fairness\?audit=[A-Za-z0-9_-]{{24}}", url)
        assert f'<iframe src="{url}"' in frame and f'<a href="{url}"' in frame
        page = browser.new_page(viewport={"width": 1280, "height": 1700})
        page.goto(url.replace("localhost", "127.0.0.1"))
        expect(heading(page, "Fairness")).to_be_visible()
        shown = poll(lambda: fairness_numbers(page), lambda numbers: len(numbers) == 5, what="the Fairness page")
        expected = [
            facts["disparities"][name]
            for name in (
                "demographic_parity_ratio",
                "equal_opportunity_difference",
                "equalized_odds_difference",
                "predictive_parity_difference",
            )
        ]
        assert [float(re.search(r"-?\d+\.\d+", text).group()) for text in shown[:4]] == pytest.approx(expected, abs=0.006)
        assert "0.45" in shown[4]  # the notebook's threshold, not the default 0.5
        # (Numbers at all mean the model, a pickle, opened without a trust prompt: untrusted, the page shows none.)
        page.screenshot(path=str(output_dir / "notebook-fairness.png"), full_page=True)
        page.close()
        assert _port_open(port)
    # The kernel has shut down: its server goes with it.
    poll(lambda: _port_open(port), lambda is_open: not is_open, timeout=30, what=f"port {port} to close")


SHOW_AND_WAIT = """
import sys, time, numpy as np, pandas as pd, fairdash
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=400)})
group = pd.Series(rng.choice(["x", "y"], size=400), name="group")
y = (X["a"] + rng.normal(size=400) > 0).astype(int)
dashboard = fairdash.show(fairdash.audit(X, target=y, sensitive=group, model=LogisticRegression().fit(X, y)), open_browser=False)
dashboard.wait()
print(dashboard.port, flush=True)
time.sleep(600)
"""


def test_a_process_killed_outright_leaves_no_server(tmp_path):
    env = {
        **os.environ,
        "FAIRDASH_HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SHOW_AND_WAIT)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        assert _port_open(port)
        process.send_signal(signal.SIGKILL)  # no exit handler runs: the pipe's closing and the parent's death stop it
        process.wait(timeout=10)
        poll(lambda: _port_open(port), lambda is_open: not is_open, timeout=30, what=f"port {port} to close")
    finally:
        process.kill()


def test_the_public_url_setting_names_the_proxys_address(monkeypatch):
    from fairdash.dashboard import public_url

    monkeypatch.setenv("FAIRDASH_PUBLIC_URL", "https://hub.example.org/user/me/proxy/{port}")
    assert public_url(8765) == "https://hub.example.org/user/me/proxy/8765/"
    monkeypatch.delenv("FAIRDASH_PUBLIC_URL")
    assert public_url(8765) == "http://localhost:8765/"


def test_the_trust_goes_to_the_handed_over_model_only(tmp_path, monkeypatch):
    """A handed-over audit's model opens untrusted-free only with the notebook's source and the very bytes saved; an
    upload's pickle, or other bytes under a notebook's record, still ask for trust."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import fairdash
    from fairdash.api import handover_files
    from fairdash.dashboard import HANDOVER_SOURCE
    from fairdash.store.db import AuditStore, StoredFile
    from fairdash.store.saving import save_audit
    from fairdash.ui.saved import handed_over

    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = (X["a"] + rng.normal(size=300) > 0).astype(int)
    audit = fairdash.audit(X, target=y, sensitive=rng.choice(["p", "q"], size=300), model=LogisticRegression().fit(X, y))
    table, model = handover_files(audit)
    store = AuditStore()
    ids = {
        kind: save_audit(store, audit.details, title=kind, source=source, table=table, model=model, keep_files=True)
        for kind, source in (("notebook", HANDOVER_SOURCE), ("upload", {"kind": "upload"}))
    }
    notebook, upload = store.get(ids["notebook"]), store.get(ids["upload"])
    assert handed_over(notebook, store.stored_file(notebook.id, "model"))
    assert not handed_over(upload, store.stored_file(upload.id, "model"))
    assert not handed_over(notebook, StoredFile(name=model.name, content=model.content + b"\0"))
