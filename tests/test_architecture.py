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
        defined |= {
            name.id
            for node in module.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            for name in ast.walk(target)
            if isinstance(name, ast.Name)
        }  # ``A, B = 1, 2`` defines both
        defined |= {
            node.target.id for node in module.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        defined |= {
            (alias.asname or alias.name).split(".")[0]
            for node in module.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        if listed is None:
            problems.append(f"{path.relative_to(PACKAGE)}: no __all__")
            continue
        problems += [
            f"{path.relative_to(PACKAGE)}: __all__ names {name}, which it lacks" for name in listed if name not in defined
        ]
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (source := _module_path(node.module)):
                offered = _all_names(source) if source.exists() else None
                problems += [
                    f"{path.relative_to(PACKAGE)} imports {alias.name} from {node.module}, which does not offer it"
                    for alias in node.names
                    if offered is not None
                    and alias.name not in offered
                    and not alias.name.startswith("__")
                    and not (source.parent / f"{alias.name}.py").exists()
                    and not (source.parent / alias.name).is_dir()
                ]
    assert problems == []


# Layers: each part of the package imports only parts of its own layer or below, and nothing imports in a circle
# (an import inside a function counts: it hides a cycle, it does not remove it). The order of DESIGN.md.
LAYERS = {
    "errors": 0,  # FairdashError and its subclasses
    "intake": 1,  # tables, models, what a value is
    "engine": 2,  # the spec, groups, counts, rates, intervals, the one result, demos
    "explain": 3,
    "fixes": 3,
    "monitor": 3,  # why the model decides; fixes; logs over time
    "run": 4,  # the whole audit (run_audit, Audit): it needs engine and explain
    "store": 5,
    "present": 5,  # saved audits; text, JSON, HTML, plots (store renders through present)
    "cli": 6,
    "ui": 6,  # the command line; the dashboard's Streamlit helpers
    "launch": 5,  # where the dashboard's app is, the command serving it (no Streamlit)
    "serve": 6,  # python -m fairdash.serve: warm the heavy modules, then Streamlit's CLI
    "api": 6,
    "dashboard": 6,  # fairdash.audit and fairdash.show: a notebook's entry points
    "guard": 0,  # runs the background server while its parent lives (stdlib only)
    "__main__": 7,
    "__init__": 7,  # python -m fairdash; the public surface
}
TOP_NEIGHBOURS = {("cli", "ui"), ("ui", "cli")}  # both at the top, neither imports the other


def _module_names(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by its dotted name (a package by its own name, for its ``__init__.py``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at the top or inside a function; ``from x import y`` names the module
    ``x.y`` when that is one (a submodule), else ``x``; relative imports resolved."""
    modules = _module_names(package)
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets.update(
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source for alias in node.names
                )
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (each holds a cycle), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _part(module: str) -> str:
    """The layer's part a module belongs to: its subpackage, or the root module's own name (``__init__`` for ``fairdash``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _part_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        parts.setdefault(_part(module), set()).update(_part(target) for target in targets if _part(target) != _part(module))
    return parts


def test_no_module_imports_another_in_a_circle():
    cycles = _cycles(_import_graph(PACKAGE))
    print("cycles among modules:", cycles)
    assert cycles == []


def test_no_part_of_the_package_imports_a_higher_layer():
    graph = _import_graph(PACKAGE)
    assert set(map(_part, graph)) <= set(LAYERS), f"a part with no layer: {set(map(_part, graph)) - set(LAYERS)}"
    upward = sorted(
        f"{module} imports {target} ({_part(module)}, layer {LAYERS[_part(module)]}; {_part(target)}, layer "
        f"{LAYERS[_part(target)]})"
        for module, targets in graph.items()
        for target in targets
        if LAYERS[_part(target)] > LAYERS[_part(module)] or (_part(module), _part(target)) in TOP_NEIGHBOURS
    )
    assert upward == []


def test_no_part_of_the_package_imports_another_in_a_circle():
    cycles = _cycles(_part_graph(_import_graph(PACKAGE)))
    print("cycles among subpackages:", cycles)
    assert cycles == []


def test_the_graph_sees_every_kind_of_import(tmp_path):
    """Imports inside functions, ``from package import submodule``, relative imports: each is an edge, so each cycle shows."""
    package = tmp_path / "fairdash"
    (package / "low").mkdir(parents=True)
    (package / "high").mkdir()
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "a.py").write_text("def f():\n    from fairdash.high import b\n")
    (package / "low" / "c.py").write_text("from . import a\nfrom .a import f\n")
    (package / "high" / "__init__.py").write_text("")
    (package / "high" / "b.py").write_text("import fairdash.low.a\nfrom fairdash.errors import *\n")
    graph = _import_graph(package)
    assert graph["fairdash.low.a"] == {"fairdash.high.b"}
    assert graph["fairdash.low.c"] == {"fairdash.low.a"}
    assert graph["fairdash.high.b"] == {"fairdash.low.a", "fairdash.errors"}
    assert _cycles(graph) == [["fairdash.high.b", "fairdash.low.a"]]
    assert _cycles(_part_graph(graph)) == [["high", "low"]]


def test_each_subpackage_lists_what_the_rest_of_the_package_imports_from_it():
    """A subpackage's ``__init__.py`` is its interface: its ``__all__`` is exactly the names other parts of the package
    import from its modules (not every helper), each re-exported from the module that defines it."""
    used: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).parts
        if where == ("__init__.py",):  # the public surface takes what it offers wherever it lives
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.count(".") == 2:
                _, part, _ = node.module.split(".")
                if part != where[0].removesuffix(".py") and (PACKAGE / part).is_dir():
                    used.setdefault(part, set()).update(alias.name for alias in node.names)
    problems = []
    for package in sorted(
        path for path in PACKAGE.iterdir() if (path / "__init__.py").exists() and path.name not in {"cli", "ui"}
    ):
        listed = set(_all_names(package / "__init__.py") or ())
        problems += [
            f"{package.name}/__init__.py lists {name}, which no other part imports"
            for name in sorted(listed - used.get(package.name, set()))
        ]
        problems += [
            f"{package.name}/__init__.py misses {name}, which another part imports"
            for name in sorted(used.get(package.name, set()) - listed)
        ]
    assert problems == []


def test_the_version_is_the_one_pyproject_states():
    """One place says the version: pyproject.toml, read back from the installed package's metadata."""
    import importlib.metadata
    import tomllib

    import fairdash
    from fairdash.present.document import versions

    stated = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]["version"]
    assert fairdash.__version__ == importlib.metadata.version("fairdash") == versions()["fairdash"] == stated
    assert not any(
        isinstance(node, ast.Constant) and node.value == stated
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
    )


def test_every_function_stays_under_sixty_lines():
    """The design's rule, counted as the before-stop review counts it: a function of 60 lines or more holds two ideas."""
    long = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "pages").rglob("*.py"), PACKAGE.parent / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 59:
                long.append(
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
                )
    assert long == []
