"""Structural promises of the code base, checked on the source tree itself."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import core
from core.tenancy.tables import TenantTable

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "tenants", "plugins", "cli")
QUERY_METHODS = {"select", "objects", "update", "delete", "insert", "raw", "count", "exists"}
# Read across tenants by the platform (see RLS_EXEMPT in core/tenancy/tables.py): the
# credential index before any tenant is known, the outbox by the event relay, and the
# due messages (ids only) by the message relay, due webhook deliveries by the webhook relay.
ALLOWED_DIRECT_ACCESS = {
    ("core/auth.py", "ApiKey"),
    ("core/events.py", "OutboxEvent"),
    ("core/jobs/failures.py", "OutboxEvent"),  # the operator's list of dead events
    ("core/messaging/repository.py", "Message"),
    ("core/domain/webhooks/repository.py", "WebhookDelivery"),
}


def _sources(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _imported_names(path: Path) -> set[str]:
    """Modules and `from` names: `from core import sdk` gives "core.sdk"."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _tenant_table_names() -> set[str]:
    # Every module of the core, so that the answer never depends on what ran before.
    for module in pkgutil.walk_packages(core.__path__, "core."):
        if not module.name.startswith("core.testing"):
            importlib.import_module(module.name)
    names, pending = set(), [TenantTable]
    while pending:
        for sub in pending.pop().__subclasses__():
            names.add(sub.__name__)
            pending.append(sub)
    return names


def test_core_never_imports_tenants_plugins_or_cli() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _sources("core")
        for module in _imported_modules(path)
        if module.split(".")[0] in {"tenants", "plugins", "cli"}
    ]
    assert offenders == []


def test_plugins_import_only_the_sdk_from_patron() -> None:
    """Built-in and example plugins use the public API only, as third parties must. The
    plugin tests beside the example plugin (tests/plugins/*.py) may also use the testing
    kit third parties test with, `core.testing`."""
    plugin_tests = ROOT / "tests" / "plugins"
    plugin_sources = _sources("plugins") + sorted(plugin_tests.rglob("*.py"))
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in plugin_sources
        for name in _imported_names(path)
        if name.split(".")[0] in {"core", "tenants", "cli", "migrations"}
        and not (name == "core.sdk" or name.startswith("core.sdk."))
        and not (path.parent == plugin_tests and name.startswith("core.testing."))
    ]
    assert offenders == []


def test_tenant_tables_are_queried_only_through_repositories() -> None:
    tables = _tenant_table_names()
    assert {"Customer", "User", "TimelineEntry"} <= tables
    offenders = []
    for path in _sources(*PACKAGES):
        relative = str(path.relative_to(ROOT))
        if relative == "core/tenancy/repository.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in tables
                and (relative, node.func.value.id) not in ALLOWED_DIRECT_ACCESS
            ):
                offenders.append(f"{relative}:{node.lineno} {node.func.value.id}.{node.func.attr}")
    assert offenders == [], "query tenant tables through a TenantRepository"


def test_every_tenant_table_leads_with_tenant_id() -> None:
    from migrations.tables import CORE_TABLES

    for table in CORE_TABLES:
        if issubclass(table, TenantTable):
            assert table._meta.get_column_by_name("tenant_id")._meta.null is False
