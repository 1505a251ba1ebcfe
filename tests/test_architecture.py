"""The library stays a plain Python library: only fairdash/ui may import Streamlit."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fairdash"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_streamlit_outside_fairdash_ui():
    files = [path for path in PACKAGE.rglob("*.py") if "ui" not in path.relative_to(PACKAGE).parts]
    assert len(files) >= 5
    offenders = [str(path.relative_to(PACKAGE)) for path in files if "streamlit" in _imported_modules(path)]
    assert offenders == []


def test_the_check_would_see_an_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    import streamlit as st\n")
    assert "streamlit" in _imported_modules(sample)
