"""Authentication and authorization.

The credential alone decides the tenant: a tenant API key resolves to a `TenantContext`
(tenant, staff member, role); the operator token is valid only under `/api/v1/platform/`.
No header, path or body can choose another tenant.

Authorization is declarative: a handler names its weakest admitted role in
`opt={"min_role": Role.X}` (default: viewer for reads, agent for writes), and one
app-level guard enforces it together with the read-only state of suspended tenants.

A role too weak for a route that names resources in its path is answered 404 unless every
id names a row of the caller's own tenant (then 403): a 403 for another tenant's id would
confirm that it exists somewhere (api.md §2: 404, never 403, for other tenants' ids).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from core import db
from core.crypto import constant_time_equals, hash_api_key
from core.domain.contacts.tables import Contact
from core.domain.customers.tables import Consent, Customer
from core.domain.interactions.tables import Interaction
from core.domain.payments.tables import Payment
from core.domain.tasks.tables import Task
from core.domain.webhooks.tables import WebhookEndpoint
from core.errors import Forbidden, NotFound, TenantReadOnly, Unauthorized
from core.ids import parse_id
from core.plugins.state import EnabledPlugins
from core.tenancy.context import Role, TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import ApiKey, TenantTable, User
from core.tenancy.users import UserRepository

PLATFORM_PREFIX = "/api/v1/platform/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
# The table each core path parameter names a row of; a plugin route's other `*_id`
# parameters are looked up among that plugin's tables.
ID_TABLES: dict[str, type[TenantTable]] = {
    "customer_id": Customer,
    "contact_id": Contact,
    "consent_id": Consent,
    "task_id": Task,
    "interaction_id": Interaction,
    "payment_id": Payment,
    "user_id": User,
    "api_key_id": ApiKey,
    "webhook_id": WebhookEndpoint,
}


class Operator(msgspec.Struct, frozen=True):
    """The platform operator: may manage tenants, never act inside one."""


OPERATOR = Operator()

_KEY_LOOKUP = """
SELECT k.id AS key_id, k.tenant_id, k.user_id, k.last_used_at,
       t.status, t.timezone, t.currency, t.country, t.plugins_revision
FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
WHERE k.key_hash = {} AND k.revoked_at IS NULL
"""


def _bearer(connection: ASGIConnection) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <key>`.")
    return token.strip()


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def resolve_api_key(key: str, enabled: EnabledPlugins) -> TenantContext:
    async with db.transaction():
        rows = await ApiKey.raw(_KEY_LOOKUP, hash_api_key(key))
    if not rows:
        raise Unauthorized("The API key is unknown or revoked.")
    row = rows[0]
    tenant_id = _as_uuid(row["tenant_id"])
    async with db.tenant_transaction(tenant_id):
        user = await UserRepository(tenant_id).get(_as_uuid(row["user_id"]))
    if user is None:
        raise Unauthorized("The API key's user no longer exists.")
    await _touch(row)
    return TenantContext.of(
        row,
        user_id=_as_uuid(row["user_id"]),
        role=Role.parse(user["role"]),
        plugins=await enabled.configs(tenant_id, row["plugins_revision"]),
    )


async def _touch(row: dict[str, Any]) -> None:
    """Keep `last_used_at` to the minute without a write on every request."""
    now = utcnow()
    last = row["last_used_at"]
    if isinstance(last, str):
        last = datetime.datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=datetime.UTC)
    if last is None or now - last > LAST_USED_RESOLUTION:
        async with db.transaction(write=True):
            await ApiKey.update({ApiKey.last_used_at: now}).where(
                ApiKey.id == _as_uuid(row["key_id"])
            )


class CredentialMiddleware(AbstractAuthenticationMiddleware):
    def __init__(
        self, app: Any, operator_token: str | None, enabled: EnabledPlugins, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self.operator_token = operator_token
        self.enabled = enabled

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = _bearer(connection)
        if connection.scope["path"].startswith(PLATFORM_PREFIX):
            if self.operator_token and constant_time_equals(token, self.operator_token):
                return AuthenticationResult(user=OPERATOR, auth=OPERATOR)
            raise Unauthorized("Platform endpoints take the operator token.")
        context = await resolve_api_key(token, self.enabled)
        return AuthenticationResult(user=context, auth=context)


async def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Plugin routes of disabled plugins (404), the role floor (404 first for ids that are
    not the tenant's) and read-only tenants."""
    user = connection.scope.get("user")
    if not isinstance(user, TenantContext):
        return  # public and platform routes are guarded by the middleware
    plugin = handler.opt.get("plugin")
    if plugin is not None and plugin not in user.plugins:
        raise NotFound(f"Not found (the plugin {plugin} is not enabled for this tenant).")
    method = connection.scope.get("method", "GET")
    floor = handler.opt.get("min_role") or (Role.viewer if method in SAFE_METHODS else Role.agent)
    if not user.at_least(floor):
        if not await _ids_are_the_tenants(connection, user, plugin):
            raise NotFound("Not found.")
        raise Forbidden(f"This needs the role {floor.name} or above; you are {user.role.name}.")
    if (
        method not in SAFE_METHODS
        and not user.status.writable
        and not handler.opt.get("allowed_when_read_only")
    ):
        raise TenantReadOnly(
            f"The tenant is {user.status.value}: its data can be read but not changed."
        )


def _lookup(table: type[TenantTable], tenant_id: uuid.UUID) -> TenantRepository[Any]:
    repository = type(f"{table.__name__}Lookup", (TenantRepository,), {"table": table})
    return repository(tenant_id)  # type: ignore[no-any-return]


async def _ids_are_the_tenants(
    connection: ASGIConnection, ctx: TenantContext, plugin: str | None
) -> bool:
    """Whether every `*_id` path parameter names a row of the caller's tenant."""
    ids = {k: v for k, v in connection.path_params.items() if k.endswith("_id")}
    if not ids:
        return True
    host = connection.app.state.get("host")
    plugin_tables = list(host.descriptors[plugin].tables) if host and plugin else []
    async with db.tenant_transaction(ctx.tenant_id):
        for name, value in ids.items():
            row_id = parse_id(str(value))
            tables = [ID_TABLES[name]] if name in ID_TABLES else plugin_tables
            if row_id is None or not tables:
                return False
            for table in tables:
                if await _lookup(table, ctx.tenant_id).get(row_id) is not None:
                    break
            else:
                return False
    return True


def tenant_of(request: Request) -> TenantContext:
    """The caller's tenant context (dependency `ctx` of every tenant route)."""
    user = request.scope.get("user")
    if not isinstance(user, TenantContext):
        raise Unauthorized("This endpoint takes a tenant API key.")
    return user
