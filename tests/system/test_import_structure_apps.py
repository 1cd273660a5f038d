"""Import structure inside the apps: no import cycle within an app, and no import inside a function
body unless a ``# lazy:`` comment says why.

A cycle (``a`` imports ``b``, which imports ``a`` back, directly or through other modules of the
same app) is found on the import graph that grimp builds from the source, imports in function
bodies included — so hiding one side of a cycle in a function does not make it go away. An import
in a function body is allowed only with a comment starting ``# lazy:`` on its line or in the
comment lines right above it (a heavy library only some processes need, ``AppConfig.ready``).

Add an app to ``APPS`` once it passes.
"""

from __future__ import annotations

import ast
from collections import deque
from itertools import pairwise
from pathlib import Path

import grimp
import pytest
from django.conf import settings

APPS = [
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
    "simulation",
    "config",
]
SKIPPED_DIRS = {"migrations", "tests"}
LAZY_MARK = "# lazy:"

ROOT = Path(settings.BASE_DIR)


# --- Cycles ---------------------------------------------------------------------------------------


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit on big apps)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            pushed = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges.get(succ, ())))))
                    pushed = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if pushed:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _cycle_through(start: str, edges: dict[str, set[str]], members: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself, inside ``members``."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(edges.get(node, ())):
            if succ not in members:
                continue
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if succ not in previous:
                previous[succ] = node
                queue.append(succ)
    return []


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle (as a path ``a, b, …, a``) per group of modules that import each other."""
    cycles = []
    for component in _strongly_connected(edges):
        members = set(component)
        if len(component) == 1 and component[0] not in edges.get(component[0], ()):
            continue
        cycles.append(_cycle_through(component[0], edges, members))
    return cycles


def _in_app(module: str, app: str) -> bool:
    return module == app or module.startswith(app + ".")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, cache_dir=None)


def _describe(graph, path: list[str]) -> str:
    steps = []
    for importer, imported in pairwise(path):
        lines = sorted(
            {
                detail["line_number"]
                for detail in graph.get_import_details(importer=importer, imported=imported)
            }
        )
        where = f" (line {', '.join(map(str, lines))})" if lines else ""
        steps.append(f"{importer}{where} -> {imported}")
    return "\n    ".join(steps)


@pytest.mark.parametrize("app", APPS)
def test_no_module_of_the_app_imports_itself_back_through_the_app(graph, app):
    modules = {module for module in graph.modules if _in_app(module, app)}
    edges = {
        module: {
            imported for imported in graph.find_modules_directly_imported_by(module) if imported in modules
        }
        for module in modules
    }
    cycles = find_cycles(edges)
    assert not cycles, f"import cycles inside {app}:\n" + "\n".join(
        f"  {' -> '.join(cycle)}\n    {_describe(graph, cycle)}" for cycle in cycles
    )


def test_the_cycle_finder_finds_a_cycle_and_its_path():
    edges = {"a.x": {"a.y"}, "a.y": {"a.z", "a.w"}, "a.z": {"a.x"}, "a.w": set(), "a.self": {"a.self"}}
    assert sorted(find_cycles(edges)) == [["a.self", "a.self"], ["a.x", "a.y", "a.z", "a.x"]]
    assert find_cycles({"a.x": {"a.y"}, "a.y": set()}) == []


# --- Imports in function bodies ---------------------------------------------------------------


def _has_lazy_comment(lines: list[str], node: ast.stmt) -> bool:
    """``# lazy:`` on the import's own lines, or in the run of comment lines right above it."""
    own = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
    if any(LAZY_MARK in line for line in own):
        return True
    number = node.lineno - 2
    while number >= 0 and lines[number].lstrip().startswith("#"):
        if lines[number].lstrip().startswith(LAZY_MARK):
            return True
        number -= 1
    return False


def unexplained_function_imports(source: str) -> list[tuple[int, str]]:
    """(line, statement) of every import inside a function body without a ``# lazy:`` comment (one
    comment covers the imports on the lines right below each other under it)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        explained_until = None  # last line of an explained import; the next line's import shares it
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                if in_function:
                    if explained_until == child.lineno - 1 or _has_lazy_comment(lines, child):
                        explained_until = child.end_lineno
                    else:
                        found.append((child.lineno, ast.unparse(child)))
                continue
            explained_until = None
            visit(
                child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            )

    visit(tree, False)
    return found


def _source_files(app: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    )


@pytest.mark.parametrize("app", APPS)
def test_no_import_in_a_function_body_without_a_reason(app):
    files = _source_files(app)
    assert files, f"no source found for {app}"
    unexplained = [
        f"{path.relative_to(ROOT)}:{line}: {statement}"
        for path in files
        for line, statement in unexplained_function_imports(path.read_text(encoding="utf-8"))
    ]
    assert not unexplained, (
        "imports in function bodies: move them to the module's top (break the cycle that kept them "
        f"there), or say why on the line above with a comment starting {LAZY_MARK!r}:\n  "
        + "\n  ".join(unexplained)
    )


def test_the_function_import_check_tells_a_reasoned_import_from_a_hidden_one():
    source = (
        "import os\n"
        "def hidden():\n"
        "    from .services import thing\n"
        "class Form:\n"
        "    def method(self):\n"
        "        if True:\n"
        "            import letters.jobs\n"
        "def reasoned():\n"
        "    # lazy: heavy to import and only the PDF job needs it,\n"
        "    # not every process at start-up.\n"
        "    from weasyprint import HTML\n"
        "    from weasyprint.urls import URLFetcher\n"
        "    import pypdf  # lazy: only the print batches need it\n"
        "def gap():\n"
        "    import json  # lazy: a reason\n"
        "\n"
        "    import csv\n"
        "class Config:\n"
        "    from . import models\n"
    )
    assert unexplained_function_imports(source) == [
        (3, "from .services import thing"),
        (7, "import letters.jobs"),
        (17, "import csv"),
    ]
