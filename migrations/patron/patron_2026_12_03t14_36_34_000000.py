"""Tenant isolation for schedule_requests (created by the migration before this one).

Written by hand: Piccolo cannot express composite indexes or RLS policies.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.migration_steps import create_index, enable_tenant_rls

ID = "2026-12-03T14:36:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "schedule_requests: tenant-leading index and row-level security"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="patron", description=DESCRIPTION)

    async def isolate() -> None:
        await create_index("schedule_requests", "tenant_id", "plugin", "schedule", "id")
        await enable_tenant_rls("schedule_requests")

    manager.add_raw(isolate)
    return manager
