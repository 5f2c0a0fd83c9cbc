"""The tenant context a job runs in: the tenant as it is now, with its enabled plugins."""

from __future__ import annotations

import uuid
from typing import Any

from core import db
from core.tenancy.context import Role, TenantContext
from core.tenancy.tables import Tenant

SYSTEM_USER = uuid.UUID(int=0)


async def job_context(
    host: Any, tenant_id: uuid.UUID, actor_id: uuid.UUID | None = None
) -> TenantContext | None:
    """Acting for `actor_id` (the staff member who caused the work) or the system."""
    async with db.transaction():
        tenant = await Tenant.select().where(Tenant.id == tenant_id).first()
    if tenant is None:
        return None
    return TenantContext.of(
        tenant,
        user_id=actor_id or SYSTEM_USER,
        role=Role.owner,
        plugins=await host.enabled.configs(tenant["id"], tenant["plugins_revision"]),
    )
