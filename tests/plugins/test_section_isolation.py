"""A plugin section's SQL error leaves the other sections of `GET /customers/{id}` whole.

On PostgreSQL an SQL error aborts the transaction the sections share. The customer is
read with no savepoint around the sections first; a failing section makes the read start
again with each section behind a savepoint (`PluginHost.customer_sections`). Run on each
backend, with a plugin whose section fails in SQL and sorts before the gym's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.testing.server import RunningServer
from tests.plugins.support import enable, new_customer
from tests.support.backends import BACKENDS
from tests.support.expect import ok
from tests.support.plugin_dist import install_plugin_module
from tests.support.servers import api_for, own_server
from tests.support.wait import eventually

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


@pytest.fixture(scope="module", params=BACKENDS, ids=BACKENDS)
def badsql_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("badsql-plugin")
    install_plugin_module(root, "badsql", BAD_SQL)
    with own_server(request.param, request, plugins=root) as running:
        yield running


def test_an_sql_error_in_one_section_leaves_the_next_sections_whole(badsql_server: RunningServer):
    with api_for(badsql_server) as api:
        tenant = api.new_tenant()
        enable(tenant, "badsql")
        enable(tenant, "gym")
        customer = new_customer(tenant)
        for _ in range(2):  # and the next read too: nothing of the failure is left over
            shown = ok(tenant.client.get(f"/customers/{customer['id']}"))
            assert shown["plugins"] == {"gym": {"active_membership": None}}
            assert shown["id"] == customer["id"]

    def logged() -> bool:
        lines = badsql_server.logs().splitlines()
        return any(tenant.id in line and "badsql" in line for line in lines)

    eventually(logged, timeout=5, what="the failing section logged with tenant and plugin")
