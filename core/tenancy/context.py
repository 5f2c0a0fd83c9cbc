"""Who is calling: the tenant and staff member a credential resolves to."""

from __future__ import annotations

import enum
import uuid
from typing import Any, Protocol

import msgspec


class Role(enum.IntEnum):
    """Staff roles, weakest first; a route names the weakest role it admits."""

    viewer = 1
    agent = 2
    supervisor = 3
    admin = 4
    owner = 5

    @classmethod
    def parse(cls, name: str) -> Role:
        return cls[name]


ROLE_NAMES = tuple(role.name for role in Role)


class TenantStatus(enum.StrEnum):
    active = "active"
    trialing = "trialing"
    past_due = "past_due"
    suspended = "suspended"
    canceled = "canceled"

    @property
    def writable(self) -> bool:
        return self not in (TenantStatus.suspended, TenantStatus.canceled)


class TenantContext(msgspec.Struct, frozen=True, kw_only=True):
    """Passed explicitly to services and repositories; never read from ambient state.

    `plugins` maps each plugin the tenant enabled to its validated config, as of
    `plugins_revision` (bumped on every enable, disable or reconfigure).
    """

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    status: TenantStatus
    timezone: str
    currency: str
    country: str
    plugins: dict[str, Any] = msgspec.field(default_factory=dict)
    plugins_revision: int = 0

    @classmethod
    def of(
        cls,
        tenant: dict[str, Any],
        *,
        user_id: uuid.UUID,
        role: Role,
        plugins: dict[str, Any] | None = None,
    ) -> TenantContext:
        """The context of `user_id` acting in `tenant` (a tenants row, or a row holding its
        status, timezone, currency, country and plugins_revision)."""
        return cls(
            tenant_id=uuid.UUID(str(tenant.get("tenant_id") or tenant["id"])),
            user_id=user_id,
            role=role,
            status=TenantStatus(tenant["status"]),
            timezone=tenant["timezone"],
            currency=tenant["currency"],
            country=tenant["country"],
            plugins=plugins or {},
            plugins_revision=tenant["plugins_revision"],
        )

    def at_least(self, role: Role) -> bool:
        return self.role >= role


class TenantScoped(Protocol):
    """Anything naming the caller's tenant: a `TenantContext` or a plugin's `PluginContext`
    (for functions that need only the tenant id, so both kinds of context type-check)."""

    @property
    def tenant_id(self) -> uuid.UUID: ...
