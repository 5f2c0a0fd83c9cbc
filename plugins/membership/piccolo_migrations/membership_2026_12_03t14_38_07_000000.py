"""Tenant isolation for the membership tables: indexes led by tenant_id (the unique ones
are the plugin's idempotency keys), and row-level security.

Written by hand: Piccolo cannot express composite indexes or row-level security.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.sdk import create_index, enable_tenant_rls

ID = "2026-12-03T14:38:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "membership: tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = ("membership_members", "membership_level_changes", "membership_referrals")

INDEXES = (
    # One member row per customer.
    ("membership_members", ("tenant_id", "customer_id"), True),
    ("membership_members", ("tenant_id", "level"), False),
    ("membership_level_changes", ("tenant_id", "customer_id", "changed_at"), False),
    # Each referral recorded once, keyed by the referred customer.
    ("membership_referrals", ("tenant_id", "referred_id"), True),
    ("membership_referrals", ("tenant_id", "referrer_id", "created_at"), False),
    ("membership_referrals", ("tenant_id", "id"), False),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="membership", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
