"""Tenant isolation for the care tables: indexes led by tenant_id (the unique ones are the
plugin's idempotency keys), and row-level security.

Written by hand: Piccolo cannot express composite indexes or row-level security.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.sdk import create_index, enable_tenant_rls

ID = "2026-12-03T14:40:38:000000"
VERSION = "1.38.0"
DESCRIPTION = "care: tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = ("care_log", "care_renewals", "care_broadcasts")

INDEXES = (
    # Each cause (a greeting, a notice, a callback period) done once.
    ("care_log", ("tenant_id", "cause"), True),
    ("care_log", ("tenant_id", "served_on"), False),
    ("care_log", ("tenant_id", "run_id"), False),
    ("care_log", ("tenant_id", "customer_id", "id"), False),
    ("care_log", ("tenant_id", "id"), False),
    # A renewal date remembered once.
    ("care_renewals", ("tenant_id", "customer_id", "label", "due_on"), True),
    ("care_renewals", ("tenant_id", "notify_on"), False),
    ("care_broadcasts", ("tenant_id", "id"), False),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="care", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
