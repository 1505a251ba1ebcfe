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


def _all_names(path: Path) -> list[str] | None:
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "__all__" for target in node.targets):
            return list(ast.literal_eval(node.value))
    return None


def _module_path(module: str) -> Path | None:
    parts = module.split(".")
    if parts[0] != "fairdash":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def test_every_module_lists_its_public_names_and_others_import_only_those():
    """Each module says what it offers in ``__all__`` (every name there exists), and no module imports from another a
    name that module does not offer: a ``_private`` name, or one it only imported itself."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ast.parse(path.read_text())
        if path.name == "__main__.py" or all(isinstance(node, ast.Expr) for node in module.body):  # a docstring alone
            continue
        listed = _all_names(path)
        defined = {node.name for node in module.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        defined |= {name.id for node in module.body if isinstance(node, ast.Assign) for target in node.targets
                    for name in ast.walk(target) if isinstance(name, ast.Name)}  # ``A, B = 1, 2`` defines both
        defined |= {node.target.id for node in module.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
        defined |= {(alias.asname or alias.name).split(".")[0] for node in module.body if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        if listed is None:
            problems.append(f"{path.relative_to(PACKAGE)}: no __all__")
            continue
        problems += [f"{path.relative_to(PACKAGE)}: __all__ names {name}, which it lacks" for name in listed if name not in defined]
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (source := _module_path(node.module)):
                offered = _all_names(source) if source.exists() else None
                problems += [f"{path.relative_to(PACKAGE)} imports {alias.name} from {node.module}, which does not offer it"
                             for alias in node.names if offered is not None and alias.name not in offered and not alias.name.startswith("__")
                             and not (source.parent / f"{alias.name}.py").exists() and not (source.parent / alias.name).is_dir()]
    assert problems == []
