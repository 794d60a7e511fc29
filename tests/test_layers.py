"""The layers rule: kuznia's top-level packages (and modules) import each other without cycles,
and the pure cores (planning, resilience) import nothing of the database, the models or the web.

The graph is read from the source with `ast`: every `import` and `from ... import`, at module
level or inside a function, counts (a function-level import is still a dependency)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "kuznia"
PURE = ("planning", "resilience")
NOT_IN_PURE = ("db", "models", "web", "api", "main", "auth", "plans", "registry")


def unit_of(path: Path) -> str:
    """The top-level package (or module) of kuznia that a source file belongs to."""
    first = path.relative_to(SOURCE).parts[0]
    return first.removesuffix(".py")


def imported(tree: ast.AST) -> Iterator[str]:
    """Every kuznia module a file imports (absolute imports; relative ones stay in a package)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "kuznia":
                yield from (f"kuznia.{alias.name}" for alias in node.names)
            else:
                yield node.module


def import_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> unit it imports -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        unit = unit_of(path)
        graph.setdefault(unit, {})
        for module in imported(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] != "kuznia" or len(parts) < 2 or parts[1] in (unit, "__version__"):
                continue
            graph[unit].setdefault(parts[1], set()).add(str(path.relative_to(SOURCE)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for other in graph.get(unit, {}):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in on_stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_the_graph_sees_imports_inside_functions() -> None:
    tree = ast.parse("def f():\n    from kuznia.db import session_scope\n")
    assert list(imported(tree)) == ["kuznia.db"]


def test_a_cycle_is_found_and_named() -> None:
    graph = {"a": {"b": {"a/x.py"}}, "b": {"c": {"b/y.py"}}, "c": {"a": {"c/z.py"}}, "d": {}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_packages_of_kuznia_import_each_other_without_cycles() -> None:
    graph = import_graph()
    assert {"planning", "resilience", "replan", "db", "models", "audit", "auth"} <= set(graph)
    found = cycles(graph)
    edges = [
        f"{a} -> {b} ({', '.join(sorted(graph[a][b]))})"
        for component in found
        for a in component
        for b in graph[a]
        if b in component
    ]
    assert found == [], "import cycles:\n" + "\n".join(edges)


@pytest.mark.parametrize("core", PURE)
def test_the_pure_cores_import_no_database_models_or_web(core: str) -> None:
    imports = import_graph()[core]
    assert sorted(set(imports) & set(NOT_IN_PURE)) == [], {
        unit: sorted(imports[unit]) for unit in set(imports) & set(NOT_IN_PURE)
    }


def test_planning_is_the_lp_core_only() -> None:
    modules = {path.stem for path in (SOURCE / "planning").glob("*.py")}
    assert {"inputs", "model", "solve", "results", "explain", "plan"} <= modules
    resilience_or_replan = {"scenarios", "sweep", "robust", "critical", "sampling", "rolling"}
    assert modules & resilience_or_replan == set()
