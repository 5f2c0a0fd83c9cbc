"""Faulty plugins never take Patron down, never break a response, never undo a write.

The plugins are made on the fly: a module plus a `patron_<name>-0.1.0.dist-info/`
(METADATA and entry_points.txt, group `patron.plugins`) in a temporary directory on the
server's PYTHONPATH, where `importlib.metadata` finds them as installed distributions.
Extra servers run on SQLite whatever PATRON_TEST_BACKENDS says: what is tested is the
plugin host, not the database.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.testing.http import Api, Tenant
from core.testing.server import RunningServer
from tests.plugins.support import enable, new_customer, tasks_of
from tests.support.expect import ok
from tests.support.plugin_dist import install_plugin_module
from tests.support.servers import api_for, own_server
from tests.support.wait import eventually

PRELUDE = """
from core import sdk

"""

FAULTY_PLUGINS = {
    # Loads, but its customer section raises.
    "sectionboom": """
class Hooks:
    @sdk.hookimpl
    async def patron_customer_section(self, ctx, customer):
        raise RuntimeError("the sectionboom section exploded")


PLUGIN = sdk.PluginDescriptor(name="sectionboom", title="Section boom", version="0.1",
                              hooks=Hooks())
""",
    # Loads, but its timeline entries raise.
    "timelineboom": """
class Hooks:
    @sdk.hookimpl
    async def patron_timeline_entries(self, ctx, customer_id, newer_than, not_newer_than):
        raise RuntimeError("the timelineboom timeline exploded")


PLUGIN = sdk.PluginDescriptor(name="timelineboom", title="Timeline boom", version="0.1",
                              hooks=Hooks())
""",
    # Handles customer.created, failing the first FAILURES times for each customer.
    "flaky": """
import collections

FAILURES = 2
attempts = collections.Counter()


async def handle(ctx, event: sdk.CustomerCreated):
    cid = event.customer.id
    attempts[cid] += 1
    if attempts[cid] <= FAILURES:
        raise RuntimeError(f"flaky failure {attempts[cid]}")
    await sdk.create_task(ctx, title=f"handled on attempt {attempts[cid]}",
                          kind="flaky", customer_id=cid)


PLUGIN = sdk.PluginDescriptor(name="flaky", title="Flaky", version="0.1",
                              subscriptions={"customer.created": handle})
""",
    # Fails to import.
    "brokenimport": """
import patron_no_such_dependency  # noqa: F401

PLUGIN = sdk.PluginDescriptor(name="brokenimport", title="Broken import", version="0.1")
""",
    # Wants a core API this Patron does not have.
    "futureapi": """
PLUGIN = sdk.PluginDescriptor(name="futureapi", title="Future API", version="0.1",
                              core_api=">=9")
""",
    # A misspelt hook name: would silently never be called if the host did not check.
    "misspelt": """
class Hooks:
    @sdk.hookimpl
    async def patron_custmer_section(self, ctx, customer):
        pass


PLUGIN = sdk.PluginDescriptor(name="misspelt", title="Misspelt", version="0.1", hooks=Hooks())
""",
    # A table that is not tenant-scoped: isolation is the first promise.
    "sharedtable": """
from piccolo.columns import Varchar
from piccolo.table import Table


class Note(Table, tablename="sharedtable_notes"):
    text = Varchar()


PLUGIN = sdk.PluginDescriptor(name="sharedtable", title="Shared table", version="0.1",
                              tables=[Note])
""",
    # A route on a path of the core's (`GET /api/v1/plugins/<name>/changes`).
    "reservedroute": """
from litestar import get


@get("/changes")
async def my_changes() -> dict:
    return {}


PLUGIN = sdk.PluginDescriptor(name="reservedroute", title="Reserved route", version="0.1",
                              routes=[my_changes])
""",
}
# A route Litestar refuses when the app is built (no return annotation): alone on its server,
# since a host that let it through would not start at all.
UNUSABLE_ROUTE = """
from litestar import get


@get("/hello")
async def hello():
    return "hello"


PLUGIN = sdk.PluginDescriptor(name="badroute", title="Bad route", version="0.1", routes=[hello])
"""
# A path parameter named like a dependency the app provides to plugin routes: ambiguous.
CLASHING_ROUTE = """
from litestar import get


@get("/things/{service:str}")
async def thing(ctx: sdk.TenantContext, service: str) -> str:
    return service


PLUGIN = sdk.PluginDescriptor(name="clashroute", title="Clash", version="0.1", routes=[thing])
"""
# Installed with Patron itself, so present beside the example plugins.
BUILT_IN = {"education", "care", "membership", "points"}
HEALTHY = {"gym", "sectionboom", "timelineboom", "flaky"} | BUILT_IN
SKIPPED = {
    # plugin: what its log line must say besides the plugin's name
    "brokenimport": "patron_no_such_dependency",
    "futureapi": ">=9",
    "misspelt": "patron_custmer_section",
    "sharedtable": "TenantTable",
    "reservedroute": "/changes",
}


def write_plugin(root: Path, name: str, source: str) -> None:
    """Install plugin `name` (module `patron_<name>`, descriptor `PLUGIN`) into `root`."""
    install_plugin_module(root, name, PRELUDE + textwrap.dedent(source))


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faulty-plugins")
    for name, source in FAULTY_PLUGINS.items():
        write_plugin(root, name, source)
    return root


@pytest.fixture(scope="module")
def faulty_server(
    plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with own_server(
        plugins=plugin_dir, workdir=tmp_path_factory.mktemp("faulty-server")
    ) as running:
        yield running


@pytest.fixture
def faulty_api(faulty_server: RunningServer) -> Iterator[Api]:
    with api_for(faulty_server) as helper:
        yield helper


def _installed(tenant: Tenant) -> set[str]:
    return {p["name"] for p in ok(tenant.client.get("/plugins"))["items"]}


def _log_line(server: RunningServer, *words: str) -> str:
    """The first line of the server's log containing every one of `words` (waiting a moment
    for it: the log is written by another process)."""

    def find() -> str:
        lines = server.logs().splitlines()
        return next((line for line in lines if all(word in line for word in words)), "")

    return eventually(find, timeout=5, what=f"a log line with {words}")


def _log_from(server: RunningServer, line: str, lines: int = 40) -> str:
    """`line` of the server's log and the `lines` after it (e.g. a traceback)."""
    after = server.logs().split(line, 1)[1]
    return line + "\n".join(after.splitlines()[:lines])


# -- loading ---------------------------------------------------------------------------------
def test_broken_plugins_are_skipped_loudly_and_the_rest_load(faulty_server, faulty_api):
    tenant = faulty_api.new_tenant()
    assert _installed(tenant) == HEALTHY
    for name, reason in SKIPPED.items():
        line = _log_line(faulty_server, repr(name), "skipped")
        assert reason in _log_from(faulty_server, line), f"the log says why {name} was skipped"


def test_a_skipped_plugin_cannot_be_enabled(faulty_api):
    tenant = faulty_api.new_tenant()
    for name in SKIPPED:
        assert tenant.client.put(f"/plugins/{name}", json={"config": {}}).status_code == 404


def test_the_allowlist_restricts_loading(plugin_dir: Path, tmp_path: Path):
    with own_server(
        plugins=plugin_dir, extra_env={"PATRON_PLUGINS": "gym"}, workdir=tmp_path
    ) as server:
        with api_for(server) as api:
            tenant = api.new_tenant()
            assert _installed(tenant) == {"gym"}  # the allowlist leaves out built-in ones too
            assert tenant.client.put("/plugins/flaky", json={"config": {}}).status_code == 404
            enable(tenant)
        # The others were not even imported: their faults are not logged.
        assert not re.search(
            r"'(brokenimport|futureapi|misspelt|sharedtable|reservedroute)'", server.logs()
        )


def test_a_plugin_with_routes_litestar_refuses_is_skipped_and_the_server_starts(
    tmp_path_factory: pytest.TempPathFactory,
):
    root = tmp_path_factory.mktemp("unusable-route")
    write_plugin(root, "badroute", UNUSABLE_ROUTE)
    write_plugin(root, "clashroute", CLASHING_ROUTE)
    with own_server(
        plugins=root, workdir=tmp_path_factory.mktemp("unusable-route-server")
    ) as server:
        with api_for(server) as api:
            assert _installed(api.new_tenant()) == {"gym"} | BUILT_IN
        _log_line(server, "'badroute'", "skipped")
        _log_line(server, "'clashroute'", "skipped")


# -- failing contributions ---------------------------------------------------------------------
def test_a_failing_section_is_left_out_and_logged_with_tenant_and_plugin(faulty_server, faulty_api):
    tenant = faulty_api.new_tenant()
    enable(tenant, "gym")
    enable(tenant, "sectionboom")
    customer = new_customer(tenant)
    shown = ok(tenant.client.get(f"/customers/{customer['id']}"))
    assert shown["plugins"] == {"gym": {"active_membership": None}}
    _log_line(faulty_server, tenant.id, "sectionboom", "patron_customer_section")


def test_a_failing_timeline_hook_leaves_the_timeline_whole(faulty_server, faulty_api):
    tenant = faulty_api.new_tenant()
    enable(tenant, "timelineboom")
    customer = new_customer(tenant)
    timeline = ok(tenant.client.get(f"/customers/{customer['id']}/timeline"))
    assert [e["kind"] for e in timeline["items"]] == ["customer.created"]
    _log_line(faulty_server, tenant.id, "timelineboom", "patron_timeline_entries")


# -- failing event handlers --------------------------------------------------------------------
def test_a_failing_event_handler_never_undoes_the_write_and_is_retried(faulty_server, faulty_api):
    tenant = faulty_api.new_tenant()
    enable(tenant, "flaky")
    customer = new_customer(tenant, "Retried")
    # The write stands at once, whatever the handler does later.
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["name"] == "Retried"
    # Attempts 1 and 2 fail; the relay retries after 1 s and then 2 s.
    [task] = eventually(lambda: tasks_of(tenant, customer["id"], "flaky"), what="the retry")
    assert task["title"] == "handled on attempt 3"
    failures = [
        line
        for line in faulty_server.logs().splitlines()
        if tenant.id in line and "flaky" in line and "customer.created" in line
    ]
    assert len(failures) == 2, failures
    assert len(tasks_of(tenant, customer["id"], "flaky")) == 1
