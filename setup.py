"""The build's one step beyond pyproject.toml: the dashboard's files go into the wheel.

The checkout keeps ``app.py``, ``pages/``, ``assets/`` and ``.streamlit/config.toml`` where ``streamlit run app.py`` and
``make run`` expect them; a built package carries copies in ``fairdash/dashboard_files/`` (found by
:mod:`fairdash.launch` and :mod:`fairdash.engine.demo`), so an installed fairdash serves its dashboard from any folder.
An editable install reads the checkout's own files instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DASHBOARD_FILES = [
    "app.py",
    "pages/*.py",
    ".streamlit/config.toml",
    "assets/icon.png",
    "assets/logo.svg",
    "assets/data/*",
    "assets/models/*.skops",
]


class BuildWithDashboard(build_py):
    """setuptools' build_py, then the dashboard's files copied into ``fairdash/dashboard_files/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "fairdash" / "dashboard_files"
        for pattern in DASHBOARD_FILES:
            sources = sorted(path for path in ROOT.glob(pattern) if path.is_file())
            if not sources:
                raise FileNotFoundError(f"the dashboard file {pattern} is missing from {ROOT}")
            for source in sources:
                copy = target / source.relative_to(ROOT)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildWithDashboard})
