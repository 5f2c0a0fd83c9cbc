"""Tenant isolation for the points tables: indexes led by tenant_id (the unique ones are
the ledger's exactly-once keys), and row-level security.

Written by hand: Piccolo cannot express composite indexes or row-level security.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.sdk import create_index, enable_tenant_rls

ID = "2026-12-03T14:36:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "points: tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = (
    "points_accounts",
    "points_entries",
    "points_lots",
    "points_rewards",
    "points_redemptions",
    "points_allocations",
)

INDEXES = (
    # One account per customer.
    ("points_accounts", ("tenant_id", "customer_id"), True),
    # Each cause posted once.
    ("points_entries", ("tenant_id", "cause"), True),
    ("points_entries", ("tenant_id", "customer_id", "id"), False),
    ("points_entries", ("tenant_id", "occurred_at"), False),
    ("points_lots", ("tenant_id", "customer_id", "remaining"), False),
    ("points_lots", ("tenant_id", "expired", "expires_at"), False),
    ("points_lots", ("tenant_id", "payment_id"), False),
    ("points_rewards", ("tenant_id", "id"), False),
    ("points_redemptions", ("tenant_id", "customer_id", "id"), False),
    ("points_redemptions", ("tenant_id", "created_at"), False),
    ("points_allocations", ("tenant_id", "redemption_id"), False),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="points", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
