"""The public surface is one file: ``fairdash/__init__.py`` offers what DESIGN.md documents, each name the very object
the library uses (not a copy); there are no re-export modules at the package's root, and the library's own code imports
each name from the module that defines it."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import fairdash

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {  # name in fairdash -> the module that defines it (DESIGN.md's public functions, and what fairdash offered before)
    "group_metrics": "fairdash.engine.metrics",
    "disparities": "fairdash.engine.metrics",
    "overall_metrics": "fairdash.engine.metrics",
    "ThresholdCurves": "fairdash.engine.thresholds",
    "read_table": "fairdash.intake.tables",
    "load_model": "fairdash.intake.models",
    "ScoreModel": "fairdash.intake.models",
    "load_demo": "fairdash.engine.demo",
    "shap_values": "fairdash.explain.attributions",
    "lime_weights": "fairdash.explain.attributions",
    "surrogate_tree": "fairdash.explain.rules",
    "find_counterfactuals": "fairdash.explain.counterfactuals",
    "recourse_by_group": "fairdash.explain.recourse",
    "calibration_by_group": "fairdash.engine.calibration",
    "criteria_conflict": "fairdash.engine.conflict",
    "find_subgroups": "fairdash.engine.subgroups",
    "judge": "fairdash.engine.result",
    "AuditResult": "fairdash.engine.result",
    "AuditSettings": "fairdash.engine.result",
    "AuditSpec": "fairdash.engine.spec",
    "AuditInputs": "fairdash.engine.inputs",
    "prepare_audit": "fairdash.engine.inputs",
    "run_audit": "fairdash.run",
    "audit": "fairdash.api",
    "Audit": "fairdash.api",
    "show": "fairdash.dashboard",
    "Dashboard": "fairdash.dashboard",
    "compare_fixes": "fairdash.fixes.compare",
    "count_log": "fairdash.monitor.engines",
    "MonitorSpec": "fairdash.monitor.engines",
    "FairdashError": "fairdash.errors",
    "InvalidInputError": "fairdash.errors",
    "ModelError": "fairdash.errors",
    "UntrustedModelError": "fairdash.errors",
}
# The surface, the command, the errors, the whole audit; fairdash.audit and fairdash.show (api, dashboard, and guard, which
# ends the background server with its parent); where the dashboard's app is (launch) and the server that warms first (serve).
ROOT_MODULES = {
    "__init__.py",
    "__main__.py",
    "errors.py",
    "run.py",
    "api.py",
    "dashboard.py",
    "guard.py",
    "launch.py",
    "serve.py",
}


@pytest.mark.parametrize("name, home", sorted(PUBLIC.items()))
def test_the_public_surface_offers_the_object_the_library_uses(name, home):
    assert name in fairdash.__all__
    assert getattr(fairdash, name) is getattr(importlib.import_module(home), name)
    assert getattr(fairdash, name).__module__ == home


def test_the_public_surface_offers_nothing_else_and_everything_it_lists():
    assert sorted(fairdash.__all__) == sorted(PUBLIC)
    assert all(hasattr(fairdash, name) for name in fairdash.__all__)


def test_the_package_root_holds_no_re_export_module():
    """The eight modules that only re-exported (``fairdash.data``, ``metrics``, ``report`` ...) are gone: one path per name."""
    assert {path.name for path in (ROOT / "fairdash").glob("*.py")} == ROOT_MODULES
    modules = {module.name for module in pkgutil.iter_modules(fairdash.__path__) if not module.ispkg}
    assert modules == {name.removesuffix(".py") for name in ROOT_MODULES} - {"__init__"}


def test_the_library_imports_each_name_from_the_module_that_defines_it():
    """Not through ``fairdash`` itself nor a subpackage's ``__init__.py`` (which list an interface, for readers)."""
    packages = {f"fairdash.{path.name}" for path in (ROOT / "fairdash").iterdir() if (path / "__init__.py").exists()}
    through = []
    for file in [*ROOT.glob("fairdash/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        if file.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module == "fairdash" or node.module in packages):
                base = ROOT.joinpath(*node.module.split("."))
                defined = _defined(base / "__init__.py")
                names = [
                    alias.name
                    for alias in node.names
                    if alias.name not in defined  # cli's main is its own
                    and not (base / f"{alias.name}.py").exists()
                    and not (base / alias.name).is_dir()
                ]  # a submodule is fine
                through += [f"{file.relative_to(ROOT)}:{node.lineno} from {node.module} import {name}" for name in names]
    assert through == []


def _defined(path: Path) -> set[str]:
    """The names a module defines itself (functions, classes, assignments), not those it imports."""
    body = ast.parse(path.read_text()).body
    return {node.name for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))} | {
        target.id for node in body if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)
    }
