"""Row-level security on PostgreSQL, checked as the ordinary role the app connects as.

Superusers and BYPASSRLS roles skip RLS, so a test connecting as one would prove nothing:
these tests use the app's own role (`patron`, neither).
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from core.testing.http import Tenant
from core.testing.server import RunningServer
from tests.support.database import as_app_role

pytestmark = pytest.mark.postgres_only

# Read across tenants by the platform (see RLS_EXEMPT in core/tenancy/tables.py).
RLS_EXEMPT = {"api_keys", "outbox_events", "messages", "webhook_deliveries"}


def test_the_app_role_is_ordinary(server: RunningServer):
    [role] = as_app_role(
        server.database_url,
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)


def test_without_the_tenant_setting_no_row_is_visible(server: RunningServer, tenant: Tenant):
    assert tenant.client.post("/customers", json={"name": "RLS probe"}).status_code == 201
    assert as_app_role(server.database_url, "SELECT count(*) AS n FROM customers")[0]["n"] == 0
    assert as_app_role(server.database_url, "SELECT count(*) AS n FROM users")[0]["n"] == 0


def test_the_tenant_setting_shows_that_tenant_only(
    server: RunningServer, tenant: Tenant, other_tenant: Tenant
):
    tenant.client.post("/customers", json={"name": "Mine"})
    other_tenant.client.post("/customers", json={"name": "Theirs"})
    rows = as_app_role(
        server.database_url, "SELECT name, tenant_id FROM customers", tenant_id=tenant.id
    )
    assert {str(r["tenant_id"]) for r in rows} == {tenant.id}
    assert "Theirs" not in {r["name"] for r in rows}


def test_rows_cannot_be_written_into_another_tenant(
    server: RunningServer, tenant: Tenant, other_tenant: Tenant
):
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        as_app_role(
            server.database_url,
            "INSERT INTO customers (id, tenant_id, kind, name, attributes, collected_at,"
            " created_at, updated_at) VALUES ($1, $2, 'person', 'x', '{}', now(), now(), now())",
            uuid.uuid4(),
            uuid.UUID(other_tenant.id),
            tenant_id=tenant.id,
        )


def test_every_tenant_table_forces_row_level_security(server: RunningServer):
    rows = as_app_role(
        server.database_url,
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (
            SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
    """,
    )
    tables = {r["relname"]: r for r in rows}
    assert {"customers", "users", "tasks", "payments", "education_students"} <= set(tables)
    assert {"points_accounts", "points_entries", "points_lots", "points_redemptions"} <= set(tables)
    unguarded = [
        name
        for name, r in tables.items()
        if name not in RLS_EXEMPT
        and not (r["relrowsecurity"] and r["relforcerowsecurity"] and r["has_policy"])
    ]
    assert unguarded == []
