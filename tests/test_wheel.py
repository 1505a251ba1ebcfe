"""The package as a user installs it (issue 27): the wheel built, installed with its dependencies into a fresh virtualenv,
and used from a folder outside the checkout with PYTHONPATH unset: the console script, every subcommand, the dashboard
in chromium, and a script on a raw scikit-learn classifier. Slow (minutes: the install); select with ``-m wheel``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import _free_port

from fairdash.cli import COMMANDS
from fairdash.launch import wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.wheel

_NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "test-output",
    "__pycache__",
    ".*_cache",
    "node_modules",
    "catboost_info",
    "dashboard_files",
)


class Installed:
    """A fresh virtualenv holding the built wheel, and a working folder outside the checkout."""

    def __init__(self, root: Path):
        self.wheel = root / "dist"
        self.venv = root / "venv"
        self.work = root / "work"
        self.env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        self.env.update(
            {"FAIRDASH_HOME": str(root / "home"), "OMP_NUM_THREADS": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        )

    def run(self, program: str, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """``program`` of the virtualenv (``fairdash``, ``python``) run in the working folder."""
        return subprocess.run(
            [str(self.venv / "bin" / program), *arguments],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    # Not pytest's tmp_path: a pytest started meanwhile elsewhere on the machine prunes old base folders, venv included.
    with tempfile.TemporaryDirectory(prefix="fairdash-wheel-") as folder:
        yield _install(Path(folder))


def _install(root: Path) -> Installed:
    source = root / "source"  # a copy: building in the checkout would leave build/ and *.egg-info there
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    (root / "work").mkdir()
    installed = Installed(root)
    # installed.env has no PYTHONPATH: with the checkout on it, pip would take fairdash as installed already and skip it.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
        env=installed.env,
    )
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300, env=installed.env)
    installed.wheel = next((root / "dist").glob("fairdash-*.whl"))
    start = time.monotonic()
    # The dependencies at the versions the suite pins (requirements.txt as constraints; pip's cache holds them), so that
    # the test checks the package, not the newest release of each dependency on the day it runs.
    constraints = str(ROOT / "requirements.txt")
    pip = installed.run("python", "-m", "pip", "install", "--quiet", "-c", constraints, str(installed.wheel), timeout=1200)
    assert pip.returncode == 0, pip.stderr[-3000:]
    print(f"pip install of the wheel with its dependencies: {time.monotonic() - start:.0f} s")
    return installed


def test_the_wheel_holds_the_app_the_pages_and_the_demo_assets_and_no_junk(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    packaged = {name.removeprefix("fairdash/dashboard_files/") for name in names if name.startswith("fairdash/dashboard_files/")}
    expected = {"app.py", ".streamlit/config.toml", "assets/icon.png", "assets/logo.svg"}
    expected |= {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")}
    expected |= {f"assets/data/{path.name}" for path in (ROOT / "assets" / "data").iterdir()}
    expected |= {f"assets/models/{path.name}" for path in (ROOT / "assets" / "models").glob("*.skops")}
    assert packaged == expected
    assert not [name for name in names if "__pycache__" in name or name.startswith(("tests/", "benchmarks/", "docs/"))]
    assert installed.wheel.stat().st_size < 3_000_000


def test_the_installed_package_is_imported_not_the_checkout(installed):
    code = (
        "import json, fairdash; from fairdash.launch import app_file; from fairdash.engine.demo import DATA_DIR; "
        "print(json.dumps([fairdash.__file__, str(app_file()), str(DATA_DIR), fairdash.__version__]))"
    )
    shown = installed.run("python", "-c", code)
    assert shown.returncode == 0, shown.stderr
    module, app, data, version = json.loads(shown.stdout)
    print("imported:", module)
    site = installed.venv / "lib"
    for path in (module, app, data):
        assert Path(path).is_relative_to(site) and not Path(path).is_relative_to(ROOT), path
    assert version == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert installed.run("fairdash", "--version").stdout.strip() == f"fairdash {version}"


def test_fairdash_help_lists_every_subcommand(installed):
    shown = installed.run("fairdash", "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: fairdash ")
    assert [name for name in COMMANDS if name not in shown.stdout] == []
    for name in COMMANDS:
        assert installed.run("fairdash", name, "--help").returncode == 0, name


def test_the_subcommands_run_on_the_demo_from_any_folder(installed):
    def fairdash(*arguments: str, expect: int = 0) -> str:
        done = installed.run("fairdash", *arguments)
        assert done.returncode == expect, (arguments, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    fairdash("demo", "adult", "--out", "test.csv", "--train-out", "train.csv", "--model-out", "model.skops")
    fairdash("demo", "compas", "--out", "compas.csv")
    # Adult's selection-rate ratio between the sexes is far under 0.8: the gate holds (exit 1).
    fairdash(
        "audit",
        "--data",
        "test.csv",
        "--model",
        "model.skops",
        "--target",
        "income",
        "--positive-label",
        ">50K",
        "--sensitive",
        "sex",
        "--no-explain",
        "--fail-on",
        "demographic_parity_ratio<0.8",
        "--json",
        "audit.json",
        "--save",
        expect=1,
    )
    document = json.loads((installed.work / "audit.json").read_text())
    assert document["disparities"]["demographic_parity_ratio"] < 0.8
    audit_id = fairdash("audits", "list").split()[0]
    assert json.loads(fairdash("audits", "show", audit_id))["disparities"] == document["disparities"]
    assert "demographic parity ratio" in fairdash("compare", audit_id, "audit.json")
    fairdash("balance", "--data", "test.csv", "--target", "income", "--positive-label", ">50K", "--sensitive", "sex")
    fairdash("bias-audit", "--data", "compas.csv", "--sensitive", "race,sex", "--score", "decile_score")
    fairdash(
        "counterfactuals",
        "--data",
        "test.csv",
        "--model",
        "model.skops",
        "--target",
        "income",
        "--positive-label",
        ">50K",
        "--sensitive",
        "sex",
        "--row",
        "3",
        "--n",
        "1",
    )
    log = installed.run(
        "python",
        "-c",
        "import pandas as pd; t = pd.read_csv('compas.csv'); "
        "t['when'] = pd.date_range('2024-01-01', periods=len(t), freq='h').astype(str); t.to_csv('log.csv', index=False)",
    )
    assert log.returncode == 0, log.stderr
    fairdash(
        "monitor",
        "--data",
        "log.csv",
        "--time",
        "when",
        "--window",
        "month",
        "--target",
        "two_year_recid",
        "--positive-label",
        "1",
        "--sensitive",
        "race",
        "--score",
        "decile_score",
        "--threshold",
        "5",
    )


def test_a_script_audits_a_raw_scikit_learn_classifier_as_fairlearn_does(installed):
    (installed.work / "raw.py").write_text(
        textwrap.dedent("""
        import json
        import numpy as np
        import pandas as pd
        from fairlearn.metrics import demographic_parity_difference
        from sklearn.linear_model import LogisticRegression

        import fairdash

        rng = np.random.default_rng(0)
        group = rng.choice(["a", "b"], 2000)
        table = pd.DataFrame({"x1": rng.normal(size=2000), "x2": rng.normal(size=2000), "g": (group == "a").astype(int), "group": group})
        table["y"] = (table.x1 + 0.8 * table.g + rng.normal(size=2000) > 0.5).astype(int)
        features = ["x1", "x2", "g"]
        clf = LogisticRegression().fit(table[features], table["y"])
        audit = fairdash.audit(table[features], target=table["y"], sensitive=table["group"], model=clf)  # a raw classifier
        oracle = demographic_parity_difference(table["y"], clf.predict_proba(table[features])[:, 1] >= 0.5, sensitive_features=group)
        print(json.dumps({"file": fairdash.__file__, "fairdash": audit.disparities["demographic_parity_difference"],
                          "fairlearn": float(oracle)}))
    """)
    )
    done = installed.run("python", "raw.py")
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    print("imported:", shown["file"])
    assert Path(shown["file"]).is_relative_to(installed.venv)
    assert shown["fairdash"] == pytest.approx(shown["fairlearn"], abs=1e-12) and shown["fairlearn"] > 0.05


def test_fairdash_dashboard_refuses_the_network_without_the_setting(installed):
    done = installed.run("fairdash", "dashboard", "--host", "0.0.0.0", "--port", str(_free_port()), timeout=120)
    assert done.returncode == 2
    assert "FAIRDASH_EVERY_VISITOR_SEES_EVERY_AUDIT" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.browser
def test_fairdash_dashboard_serves_the_demo_in_chromium(installed, browser, output_dir):
    from playwright.sync_api import expect

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(output_dir / "wheel-dashboard.log", "wb") as log:
        server = subprocess.Popen(
            [str(installed.venv / "bin" / "fairdash"), "dashboard", "--port", str(port)],
            cwd=installed.work,
            env=installed.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(server, port=port, timeout=180)  # the server answers its health check, or the test fails here
        # The server took the command's place (exec): its app is the package's copy, inside the virtualenv.
        command = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")
        app = Path(command[command.index(b"run") + 1].decode())
        assert app.name == "app.py" and app.is_relative_to(installed.venv), command
        page = browser.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Data & model", level=1, exact=True)).to_be_visible()
        expect(page.get_by_test_id("stMetricValue").first).to_have_text("15,060")  # the Adult demo's audited rows
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert "Traceback" not in page.get_by_test_id("stMain").inner_text()
        page.screenshot(path=str(output_dir / "wheel-dashboard.png"))
        page.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
