"""The architecture rules of ``chalicelib`` (docs/decisions.md), read from the source:

- no import cycle among its modules (an import inside a function counts; one under
  ``if TYPE_CHECKING:`` does not, it never runs);
- ``chalicelib.core`` imports no context: contexts reach core, never the other way (core
  learns of a context only by what the context installs in it);
- a context imports no other context's ``store`` or ``service``: it reads another context
  through that context's ``queries`` (its ``models`` are the domain objects those return);
- only the stores touch PynamoDB: no module outside ``chalicelib/storage/``, a context's
  ``store`` and the WeCom token store imports ``pynamodb`` or binds a model (``.bound()``);
  every other module works with the domain objects the stores return.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "chalicelib"
CORE = f"{PACKAGE}.core"
#: Packages of ``chalicelib`` that are shared plumbing rather than contexts.
SHARED = (CORE, f"{PACKAGE}.storage", f"{PACKAGE}.signals")
#: What a context keeps to itself (another context reads it through its ``queries``).
PRIVATE = ("store", "service")

#: Cycles that still stand, each as its sorted modules; the list only shrinks (a cycle not
#: on it fails, and so does one on it that is gone).
KNOWN_CYCLES: list[tuple[str, ...]] = []

#: ``None``: the cross-context rule is off. A list of ``(importer, imported)``: the rule is
#: on and these are the only imports of another context's store, service or models still
#: allowed; it shrinks to empty.
CROSS_CONTEXT_ALLOWED: list[tuple[str, str]] | None = []

#: Modules that may touch PynamoDB besides ``chalicelib.storage`` and the stores, each with
#: its reason: the WeCom access token is cached in its own model, read on every call.
PYNAMODB_ALLOWED: dict[str, str] = {
    f"{PACKAGE}.wecom.token_store": "the WeCom access token's cache is a store of its own",
}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        if not str(modules()[module]).endswith("__init__.py"):
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([base] if base else [])])
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self._add(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._add(node)

    def _add(self, node: ast.Import | ast.ImportFrom) -> None:
        known = modules()
        self.found.update(
            name for name in _imported(self.module, node) if name in known and name != self.module
        )


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the ``chalicelib`` modules it imports when it runs."""
    edges = {}
    for module, path in modules().items():
        visitor = _Imports(module)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        edges[module] = frozenset(visitor.found)
    return edges


def cycles(edges: dict[str, frozenset[str]]) -> list[tuple[str, ...]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(tuple(sorted(group)))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def context_of(module: str) -> str | None:
    """``chalicelib.<context>`` of a module, ``None`` for shared plumbing."""
    parts = module.split(".")
    if len(parts) < 2 or any(module == s or module.startswith(s + ".") for s in SHARED):
        return None
    return ".".join(parts[:2])


def cross_context_imports(edges: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    """``(importer, imported)`` where a context reaches another's store, service or models."""
    found = set()
    for module, targets in edges.items():
        for target in targets:
            mine, theirs = context_of(module), context_of(target)
            parts = target.split(".")
            if mine and theirs and mine != theirs and len(parts) == 3 and parts[2] in PRIVATE:
                found.add((module, target))
    return found


def test_no_import_cycle_among_chalicelib_modules() -> None:
    standing = cycles(graph())
    new = [cycle for cycle in standing if cycle not in KNOWN_CYCLES]
    gone = [cycle for cycle in KNOWN_CYCLES if cycle not in standing]
    assert new == [], f"import cycles: {new}"
    assert gone == [], f"these cycles are gone: take them off KNOWN_CYCLES: {gone}"


def test_no_cycle_involves_core() -> None:
    assert [cycle for cycle in cycles(graph()) if any(m.startswith(CORE) for m in cycle)] == []


def test_core_imports_no_context() -> None:
    wrong = sorted(
        (module, target)
        for module, targets in graph().items()
        if module == CORE or module.startswith(CORE + ".")
        for target in targets
        if not (target == CORE or target.startswith(CORE + "."))
    )
    assert wrong == [], f"chalicelib.core must import only chalicelib.core: {wrong}"


def test_a_context_imports_no_other_contexts_store_service_or_models() -> None:
    if CROSS_CONTEXT_ALLOWED is None:
        return  # the rule is not on yet
    found = cross_context_imports(graph())
    allowed = set(CROSS_CONTEXT_ALLOWED)
    assert sorted(found - allowed) == [], "read another context through its queries.py"
    assert sorted(allowed - found) == [], "gone: take these off CROSS_CONTEXT_ALLOWED"


def test_the_checks_see_what_they_look_for() -> None:
    """The graph is read as the rules mean it: a cycle through imports inside functions is
    one, an import under TYPE_CHECKING is none, a context reaching into another's service
    is found."""
    edges = {
        "chalicelib.a.service": frozenset({"chalicelib.b.service"}),
        "chalicelib.b.service": frozenset({"chalicelib.a.service", "chalicelib.core.http"}),
        "chalicelib.core.http": frozenset(),
    }
    assert cycles(edges) == [("chalicelib.a.service", "chalicelib.b.service")]
    assert ("chalicelib.a.service", "chalicelib.b.service") in cross_context_imports(edges)
    # Real modules: a route imports its service lazily and only for types under
    # TYPE_CHECKING, so no edge; the function-level import in the apidocs entry point counts.
    assert "chalicelib.sop.service" not in graph()["chalicelib.sop.routes"]
    assert "chalicelib.core.http" in graph()["chalicelib.apidocs.__main__"]


def pynamodb_uses(module: str, source: str) -> list[str]:
    """Where ``module`` imports ``pynamodb`` (an import inside a function or under
    ``TYPE_CHECKING`` counts: a type from PynamoDB is a PynamoDB item) or calls
    ``.bound()``, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "bound"
        ):
            found.append(f"{node.lineno}: .bound()")
            continue
        else:
            continue
        found.extend(
            f"{node.lineno}: import {name}"
            for name in names
            if name == "pynamodb" or name.startswith("pynamodb.")
        )
    return sorted(found, key=lambda use: int(use.partition(":")[0]))


def may_touch_pynamodb(module: str) -> bool:
    storage = f"{PACKAGE}.storage"
    return (
        module == storage
        or module.startswith(storage + ".")
        or module.endswith(".store")
        or module in PYNAMODB_ALLOWED
    )


def test_only_stores_touch_pynamodb() -> None:
    wrong = {
        module: uses
        for module, path in modules().items()
        if not may_touch_pynamodb(module)
        and (uses := pynamodb_uses(module, path.read_text(encoding="utf-8")))
    }
    assert wrong == {}, "move these into the context's store.py (it returns domain objects)"
    unused = sorted(
        module
        for module in PYNAMODB_ALLOWED
        if module not in modules() or not pynamodb_uses(module, modules()[module].read_text())
    )
    assert unused == [], f"gone: take these off PYNAMODB_ALLOWED: {unused}"


def test_the_pynamodb_check_sees_imports_and_binding() -> None:
    source = (
        "from pynamodb.exceptions import PutError\n"
        "import json\n"
        "def f():\n"
        "    import pynamodb.attributes\n"
        "    return Item.bound()(1)\n"
    )
    assert pynamodb_uses("chalicelib.x.service", source) == [
        "1: import pynamodb.exceptions",
        "4: import pynamodb.attributes",
        "5: .bound()",
    ]
    assert pynamodb_uses("chalicelib.x.service", '"""needs pynamodb"""\n') == []
    assert may_touch_pynamodb("chalicelib.sop.store")
    assert may_touch_pynamodb("chalicelib.storage.ops")
    assert not may_touch_pynamodb("chalicelib.sop.tick")
