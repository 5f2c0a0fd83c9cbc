"""A plugin section's SQL error leaves the other sections of `GET /customers/{id}` whole.

On PostgreSQL an SQL error aborts the transaction the sections share. The customer is
read with no savepoint around the sections first; a failing section makes the read start
again with each section behind a savepoint (`PluginHost.customer_sections`). Run on each
backend, with a plugin whose section fails in SQL and sorts before the gym's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

from tests.conftest import Api
from tests.plugins.support import enable, eventually, new_customer, ok
from tests.support.plugin_dist import install_plugin_dist
from tests.support.postgres import PostgresCluster
from tests.support.server import RunningServer, start_server

BAD_SQL = """
import uuid

from core import sdk


class Nowhere(sdk.TenantRepository):
    table = sdk.TenantTable  # abstract: no such table in the database


class Hooks:
    @sdk.hookimpl
    async def patron_customer_section(self, ctx, customer):
        await Nowhere(ctx.tenant_id).first_by(id=uuid.UUID(str(customer["id"])))
        return {"reached": True}


PLUGIN = sdk.PluginDescriptor(name="badsql", title="Bad SQL", version="0.1", hooks=Hooks())
"""


@pytest.fixture(scope="module")
def badsql_server(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("badsql-plugin")
    (root / "patron_badsql.py").write_text(textwrap.dedent(BAD_SQL))
    install_plugin_dist(root, "patron-badsql", {"badsql": "patron_badsql:PLUGIN"})
    database_url = None
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.create_database()
    running = start_server(
        database_url,
        extra_env={"PYTHONPATH": str(root)},
        workdir=tmp_path_factory.mktemp("badsql-server"),
    )
    try:
        yield running
    finally:
        running.stop()


def test_an_sql_error_in_one_section_leaves_the_next_sections_whole(badsql_server: RunningServer):
    api = Api(badsql_server)
    try:
        tenant = api.new_tenant()
        enable(tenant, "badsql")
        enable(tenant, "gym")
        customer = new_customer(tenant)
        for _ in range(2):  # and the next read too: nothing of the failure is left over
            shown = ok(tenant.client.get(f"/customers/{customer['id']}"))
            assert shown["plugins"] == {"gym": {"active_membership": None}}
            assert shown["id"] == customer["id"]
    finally:
        api.close()

    def logged() -> bool:
        lines = badsql_server.logs().splitlines()
        return any(tenant.id in line and "badsql" in line for line in lines)

    eventually(logged, timeout=5, what="the failing section logged with tenant and plugin")
