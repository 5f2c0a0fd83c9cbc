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

import asyncio
import datetime
import logging
import time
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
from core.tenancy.rows import aware
from core.tenancy.tables import ApiKey, TenantTable, User

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
TOUCH_DELAY_SECONDS = 0.5
log = logging.getLogger("patron.auth")


class Operator(msgspec.Struct, frozen=True):
    """The platform operator: may manage tenants, never act inside one."""


OPERATOR = Operator()

# One statement: the key, its tenant and its user. On PostgreSQL `patron_credential` (a
# migration) sets the tenant for its own statement and reads the user under row-level
# security; SQLite has no RLS and joins directly.
_CREDENTIAL_PG = "SELECT * FROM patron_credential({})"
_CREDENTIAL_SQLITE = """
SELECT k.id AS key_id, k.tenant_id, k.user_id, k.last_used_at,
       t.status, t.timezone, t.currency, t.country, t.plugins_revision,
       (SELECT u.role FROM users u WHERE u.id = k.user_id AND u.tenant_id = k.tenant_id)
         AS role
FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
WHERE k.key_hash = {} AND k.revoked_at IS NULL
"""
CACHE_SECONDS = 1.0
CACHE_SIZE = 50_000


class CredentialCache:
    """Resolved credentials for `CACHE_SECONDS`, by key hash, in this process.

    A revocation, role change, suspension or plugin change made in this process forgets
    the tenant's entries at once (`forget_tenant`), and for `CACHE_SECONDS` afterwards
    caches nothing of that tenant (a request resolving while the change commits must not
    keep the old state); other processes see the change when their entry expires, within
    `CACHE_SECONDS`. Only successful resolutions are kept.
    """

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: dict[str, tuple[float, TenantContext]] = {}
        self._changed: dict[uuid.UUID, float] = {}

    def get(self, key_hash: str) -> TenantContext | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key_hash, None)
            return None
        return entry[1]

    def put(self, key_hash: str, context: TenantContext) -> None:
        now = time.monotonic()
        if self._changed and self._changed.get(context.tenant_id, 0.0) > now:
            return
        if len(self._entries) >= self.size:
            self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
            if len(self._entries) >= self.size:
                self._entries.clear()
        self._entries[key_hash] = (now + self.seconds, context)

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        now = time.monotonic()
        self._changed = {t: until for t, until in self._changed.items() if until > now}
        self._changed[tenant_id] = now + self.seconds
        stale = [k for k, (_, ctx) in self._entries.items() if ctx.tenant_id == tenant_id]
        for key in stale:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
        self._changed.clear()


CREDENTIALS = CredentialCache()


def credentials_changed(tenant_id: Any) -> None:
    """Call after changing a tenant's keys, staff roles, status or plugins: this process
    stops using what it cached for the tenant at once (others within `CACHE_SECONDS`)."""
    CREDENTIALS.forget_tenant(_as_uuid(tenant_id))


def _bearer(connection: ASGIConnection) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <key>`.")
    return token.strip()


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def resolve_api_key(key: str, enabled: EnabledPlugins) -> TenantContext:
    key_hash = hash_api_key(key)
    cached = CREDENTIALS.get(key_hash)
    if cached is not None:
        return cached
    if db.is_postgres():  # a statement asyncpg prepares once per connection
        rows = await db.fetch_postgres(_CREDENTIAL_PG, key_hash)
    else:
        rows = await ApiKey.raw(_CREDENTIAL_SQLITE, key_hash)
    if not rows:
        raise Unauthorized("The API key is unknown or revoked.")
    row = rows[0]
    if row["role"] is None:
        raise Unauthorized("The API key's user no longer exists.")
    await _touch(row)
    tenant_id = _as_uuid(row["tenant_id"])
    context = TenantContext.of(
        row,
        user_id=_as_uuid(row["user_id"]),
        role=Role.parse(row["role"]),
        plugins=await enabled.configs(tenant_id, row["plugins_revision"]),
    )
    CREDENTIALS.put(key_hash, context)
    return context


_TOUCH_SQL = "UPDATE api_keys SET last_used_at = {} WHERE id = ANY({}) AND revoked_at IS NULL"
_TOUCH_SQLITE = "UPDATE api_keys SET last_used_at = {} WHERE id = {}"
_touches: dict[uuid.UUID, None] = {}
_flushing: set[asyncio.Task[None]] = set()


async def _touch(row: dict[str, Any]) -> None:
    """Keep `last_used_at` to the minute, off the request's path: keys are collected and
    written by one statement shortly after (`api_keys` is the platform's credential index,
    not a tenant table, so one statement may name keys of many tenants)."""
    now = utcnow()
    last = aware(row["last_used_at"])
    if last is None or now - last > LAST_USED_RESOLUTION:
        _touches[_as_uuid(row["key_id"])] = None
        if not _flushing:
            task = asyncio.create_task(_flush_touches())
            _flushing.add(task)
            task.add_done_callback(_flushing.discard)


async def _flush_touches() -> None:
    await asyncio.sleep(TOUCH_DELAY_SECONDS)
    keys = list(_touches)
    _touches.clear()
    if not keys:
        return
    try:
        async with db.transaction(write=True):
            if db.is_postgres():
                await ApiKey.raw(_TOUCH_SQL, utcnow(), keys)
            else:
                for key in keys:
                    await ApiKey.raw(_TOUCH_SQLITE, utcnow(), key)
    except Exception:  # noqa: BLE001 - a lost `last_used_at` never fails a request
        log.warning("could not record the use of %d API keys", len(keys), exc_info=True)


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
    not the tenant's) and read-only tenants.

    A coroutine: Litestar runs a plain function guard in a thread, a hop that cost more
    than the rest of the guard on every request."""
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
    return repository(tenant_id)


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
