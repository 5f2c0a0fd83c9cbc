"""No plugin package imports itself in a circle.

A descriptor that imports its hooks, which import the descriptor back, works only while
every back-reference is read late; one module-level use breaks `import` of the package, and
importing any module drags in all the others. Descriptors therefore name their parts by
import path (`"package.module:attr"`), and modules receive a `PluginContext` instead of
importing the descriptor. This test builds each plugin package's import graph with `ast`
(module-level imports: those that run when the module is imported) and fails on a cycle.
It covers the built-in plugins (plugins/*) and every installed third-party one.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from core.plugins.loader import ENTRY_POINT_GROUP
from core.testing.server import REPO_ROOT

SKIPPED_DIRS = {"piccolo_migrations", "__pycache__"}


def _modules(package: str, root: Path) -> dict[str, Path]:
    """{dotted module name: file} of the package under `root` (its directory)."""
    found = {}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if SKIPPED_DIRS & set(relative.parts):
            continue
        parts = [package, *relative.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runs_on_import(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports executed when the module is imported: not those inside functions or
    `if TYPE_CHECKING:` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit([n for n in getattr(node, field, []) if isinstance(n, ast.stmt)])
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return found


def import_graph(package: str, root: Path) -> dict[str, set[str]]:
    """{module: the package's modules it imports when imported}."""
    modules = _modules(package, root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _runs_on_import(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from pkg import mod` imports the module pkg.mod when there is one.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def plugin_packages() -> dict[str, Path]:
    """{top-level package: directory} of plugins/* and every installed plugin."""
    packages = {
        f"plugins.{path.name}": path
        for path in sorted((REPO_ROOT / "plugins").iterdir())
        if (path / "__init__.py").exists()
    }
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        module = entry_point.value.split(":")[0]
        top = module.split(".")[0]
        if top == "plugins":
            continue
        spec = importlib.util.find_spec(top)
        assert spec is not None and spec.origin, f"cannot find the package of {entry_point}"
        packages[top] = Path(spec.origin).parent
    return packages


def test_the_installed_plugins_are_found():
    assert {"plugins.education", "patron_gym"} <= set(plugin_packages())


@pytest.mark.parametrize("package", sorted(plugin_packages()))
def test_no_plugin_package_imports_itself_in_a_circle(package: str):
    found = cycles(import_graph(package, plugin_packages()[package]))
    assert found == [], f"{package} has import cycles: {found}"


def test_a_cycle_is_found(tmp_path: Path):
    """The check itself: the shape issue 9 found (plugin.py ↔ hooks) is reported."""
    root = tmp_path / "patron_circle"
    root.mkdir()
    (root / "__init__.py").write_text("from patron_circle.plugin import PLUGIN\n")
    (root / "plugin.py").write_text("from patron_circle import hooks\nPLUGIN = 1\n")
    (root / "hooks.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import plugin\n"
        "if TYPE_CHECKING:\n    from patron_circle import tables\n"
    )
    (root / "tables.py").write_text("from patron_circle import hooks\n")
    (root / "late.py").write_text("def f():\n    from patron_circle import plugin\n")
    assert cycles(import_graph("patron_circle", root)) == [
        ["patron_circle.hooks", "patron_circle.plugin"]
    ]


def test_a_pure_module_does_not_load_the_app():
    """`plugins.education.tiering` is pure policy: importing it stays cheap (issue 9: it
    pulled in the whole app through the package's `__init__`)."""
    probe = (
        "import sys, plugins.education.tiering; "
        "print(sorted(m for m in ('core.sdk', 'litestar', 'piccolo') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
