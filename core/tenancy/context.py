"""Who is calling: the tenant and staff member a credential resolves to."""

from __future__ import annotations

import enum
import uuid

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


class TenantContext(msgspec.Struct, frozen=True):
    """Passed explicitly to services and repositories; never read from ambient state."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    status: TenantStatus
    timezone: str
    currency: str
    country: str

    def at_least(self, role: Role) -> bool:
        return self.role >= role
