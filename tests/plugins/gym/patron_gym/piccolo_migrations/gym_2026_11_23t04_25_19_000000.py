"""Tenant isolation for the gym's tables: indexes led by tenant_id, and row-level security.

Written by hand: Piccolo cannot express composite indexes or row-level security.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.sdk import create_index, enable_tenant_rls

ID = "2026-11-23T04:25:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "gym: tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = ("gym_memberships", "gym_welcomes")

INDEXES = (
    ("gym_memberships", ("tenant_id", "id"), False),
    ("gym_memberships", ("tenant_id", "customer_id", "ends_on"), False),
    ("gym_memberships", ("tenant_id", "ends_on"), False),
    # One welcome per customer: the welcome task's idempotency key.
    ("gym_welcomes", ("tenant_id", "customer_id"), True),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="gym", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
