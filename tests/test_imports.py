"""No import cycles: every module of the project imports on its own, and the graph of imports —
function-level ones included, type-checking-only ones left out — has no cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support import REPO, subprocess_env

PACKAGES = ("kiosk", "wire", "offline_queue", "platform_link", "hardware", "store_lan", "ui", "o2o_platform")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO)
            if "migrations" in rel.parts:  # Alembic loads these by path, not by import
                continue
            name = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports anywhere in its code, except under ``if TYPE_CHECKING``."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in out if name in known}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    modules = _modules()
    assert {"kiosk.redemption", "ui.app", "platform_link.sync", "wire.platform", "o2o_platform.app"} <= set(modules)
    graph = {name: _imported(path, set(modules)) - {name} for name, path in modules.items()}
    assert sum(len(edges) for edges in graph.values()) > 200  # the walk really sees the imports
    assert _cycles(graph) == []


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_module_imports_on_its_own() -> None:
    """Each module imported first, with no other project module loaded (one interpreter, the
    project's modules forgotten between imports), so that no module relies on another being loaded."""
    names = sorted(_modules())
    script = (
        "import importlib, sys\n"
        f"packages = {PACKAGES!r}\n"
        "failed = []\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] in packages]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {exc!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=subprocess_env(),
                         cwd=REPO, timeout=240)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"modules that do not import on their own:\n{out.stdout}"
