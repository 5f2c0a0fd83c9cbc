"""Base tables and the identity tables the credential resolves through.

`TenantTable` is the base of every tenant-owned table: it carries `tenant_id`, which
leads every index and unique constraint (see the migrations), and is covered by
row-level security on PostgreSQL. Ids are UUIDs set by the application (v7).
"""

from __future__ import annotations

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class PlatformTable(Table):
    """Rows that belong to the platform, not to one tenant."""

    id = UUID(primary_key=True)


class TenantTable(Table):
    """Rows owned by exactly one tenant. Query them only through `TenantRepository`."""

    id = UUID(primary_key=True)
    tenant_id = UUID(null=False)


class Tenant(PlatformTable, tablename="tenants"):
    name = Varchar(length=200)
    slug = Varchar(length=63, unique=True)
    status = Varchar(length=20, default="active")
    plan = Varchar(length=20, default="free")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    currency = Varchar(length=3, default="CNY")
    locale = Varchar(length=35, default="zh-CN")
    country = Varchar(length=2, default="CN")
    # The consent gate for marketing messages: "opt_in" (an active marketing consent is
    # needed) or "opt_out" (sent unless withdrawn); api.md §4.
    marketing_consent = Varchar(length=10, default="opt_in")
    # Bumped on every plugin enable/disable/reconfigure: every process reloads on the next request.
    plugins_revision = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ApiKey(TenantTable, tablename="api_keys"):
    """The credential index. It is looked up by hash before the tenant is known, so it is
    one of the tenant tables without row-level security (see `RLS_EXEMPT`); everything else
    reaches it through `TenantRepository`, which filters by tenant.
    """

    user_id = UUID(null=False)
    label = Varchar(length=200)
    key_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class User(TenantTable, tablename="users"):
    name = Varchar(length=200)
    email = Varchar(length=254)
    role = Varchar(length=20)
    created_at = Timestamptz()


class IdempotencyRecord(TenantTable, tablename="idempotency_keys"):
    """One `Idempotency-Key` of one staff member; `response_body` is NULL while the request
    runs, and stays NULL for responses that show a secret once."""

    user_id = UUID()
    key = Varchar(length=255)
    request_hash = Varchar(length=64)
    status_code = Integer(null=True, default=None)
    response_body = Text(null=True, default=None)
    created_at = Timestamptz()


# Tables that the platform reads across tenants: credential resolution (`api_keys`), the
# event relay (`outbox_events`), the message relay (`messages`, for due ids only) and the
# webhook relay (`webhook_deliveries`, due ids only). Every other tenant table has
# row-level security.
RLS_EXEMPT = frozenset({"api_keys", "outbox_events", "messages", "webhook_deliveries"})
