"""The project's import graph: no cycles between its modules (a cycle hidden behind a lazy
``__getattr__`` or a ``TYPE_CHECKING`` import counts too), and the dev tooling stays apart.

Imports inside functions are left out on purpose (deferring an optional heavy import such as
torch is how a module stays cheap, not a cycle), except in a module's ``__getattr__``, which is
a lazy re-export.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("animusic_assets", "animusic_serving", "animusic_devtools", "animusic_bot")
# run as programs, not imported: entry points and Alembic's env (needs a migration context)
NOT_IMPORTABLE = ("__main__", "animusic_serving.db.migrations.")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def _module_level_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs at import time (all but the bodies of functions and lambdas), and
    the body of a module ``__getattr__``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            deferred = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if not deferred or (node is tree and getattr(child, "name", "") == "__getattr__"):
                stack.append(child)


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _module_level_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package this module is in
                package = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = ".".join(
                    package[: len(package) - drop] + ([node.module] if node.module else [])
                )
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {t for t in targets if t in known and t != module}


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        graph.add_edges_from((module, target) for target in _imports(module, path, set(modules)))
    return graph


def test_the_graph_sees_the_project():
    graph = import_graph()
    assert graph.number_of_nodes() > 100
    assert graph.has_edge("animusic_serving.bundle_builder", "animusic_serving.bundle")
    assert graph.has_edge("animusic_assets.core.embeddings", "animusic_assets.core.encoders")


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


TYPE_ONLY_BACK_IMPORT = (
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nclass B: ...\n"
)
LAZY_RE_EXPORT = (
    "class B: ...\ndef __getattr__(name):\n    from animusic_devtools.a import A\n    return A\n"
)
DEFERRED_IMPORT = "class B: ...\ndef helper():\n    from animusic_devtools.a import A\n"


@pytest.mark.parametrize(
    ("b_source", "cycle"),
    [(TYPE_ONLY_BACK_IMPORT, True), (LAZY_RE_EXPORT, True), (DEFERRED_IMPORT, False)],
    ids=["type-only", "lazy-getattr", "import-in-function"],
)
def test_the_checker_itself(tmp_path, monkeypatch, b_source, cycle):
    package = tmp_path / "animusic_devtools"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from animusic_devtools.b import B\nclass A: ...\n")
    (package / "b.py").write_text(b_source)
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("animusic_devtools",))
    components = [c for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert components == ([{"animusic_devtools.a", "animusic_devtools.b"}] if cycle else [])


@pytest.mark.parametrize(
    "module", ["animusic_devtools.local_postgres", "animusic_devtools.demo.supervisor"]
)
def test_dev_tooling_imports_only_the_standard_library(module):
    """`make stop` runs it with the system python3 before the venv exists."""
    code = (
        f"import json, sys\nimport {module}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(json.loads(out.stdout)) - {"animusic_devtools", "__main__"}
    assert loaded <= set(sys.stdlib_module_names), loaded - set(sys.stdlib_module_names)


def test_neither_half_imports_the_dev_tooling():
    graph = import_graph()
    offenders = sorted(
        (a, b)
        for a, b in graph.edges
        if b.startswith("animusic_devtools") and not a.startswith("animusic_devtools")
    )
    assert not offenders


def test_every_module_imports():
    """What a type checker cannot see: an annotation or a name that fails when the module
    runs (a re-export that moved, a name dagster gives type checkers only)."""
    modules = [m for m in _modules() if not any(part in m for part in NOT_IMPORTABLE)]
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    out = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
