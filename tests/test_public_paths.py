"""The import paths DESIGN.md documents stay stable after the move into subpackages: each names the object the
library itself uses (one object, not a copy), and the library's own code never imports through them."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STABLE = {  # path of DESIGN.md (and of the review's reproductions) -> where the code lives
    "fairdash.metrics.group_metrics": "fairdash.audit.metrics",
    "fairdash.metrics.disparities": "fairdash.audit.metrics",
    "fairdash.metrics.disparity_intervals": "fairdash.audit.intervals",
    "fairdash.thresholds.ThresholdCurves": "fairdash.audit.thresholds",
    "fairdash.data.read_table": "fairdash.intake.tables",
    "fairdash.data.AuditSpec": "fairdash.audit.spec",
    "fairdash.models.load_model": "fairdash.intake.models",
    "fairdash.models.ScoreModel": "fairdash.intake.models",
    "fairdash.explain.shap_values": "fairdash.explain.attributions",
    "fairdash.explain.lime_weights": "fairdash.explain.attributions",
    "fairdash.rules.surrogate_tree": "fairdash.explain.rules",
    "fairdash.errors.FairdashError": "fairdash.errors",
    "fairdash.monitor.count_log": "fairdash.monitor.engines",
    "fairdash.monitor.monitor": "fairdash.monitor.windows",
    "fairdash.monitor.MonitorSpec": "fairdash.monitor.engines",
    "fairdash.fixes.compare_fixes": "fairdash.fixes.compare",
    "fairdash.report.run_audit": "fairdash.run",
    "fairdash.report.audit_json": "fairdash.present.report",
    "fairdash.audit.prepare_audit": "fairdash.audit.inputs",
}
FACADES = {"fairdash.data", "fairdash.metrics", "fairdash.thresholds", "fairdash.models", "fairdash.rules", "fairdash.report",
           "fairdash.demo", "fairdash.plots"}


@pytest.mark.parametrize("path, home", sorted(STABLE.items()))
def test_a_documented_path_names_the_object_the_library_uses(path, home):
    module, name = path.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) is getattr(importlib.import_module(home), name)


def test_the_library_imports_each_name_from_the_module_that_defines_it():
    through = []
    for file in [*ROOT.glob("fairdash/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        if file.name == "__init__.py" or file.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".") in FACADES:
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module in FACADES or node.module in {
                    "fairdash.audit", "fairdash.explain", "fairdash.fixes", "fairdash.monitor"}):
                through.append(f"{file.relative_to(ROOT)}:{node.lineno} from {node.module}")
    assert through == []
