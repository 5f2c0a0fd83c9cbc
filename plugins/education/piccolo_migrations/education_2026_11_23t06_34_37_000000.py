"""Tenant isolation for the education tables: indexes led by tenant_id (the unique ones
are the plugin's idempotency keys), and row-level security.

Written by hand: Piccolo cannot express composite indexes or row-level security.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.sdk import create_index, enable_tenant_rls

ID = "2026-11-23T06:34:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "education: tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = (
    "education_students",
    "education_enrollments",
    "education_tier_changes",
    "education_override_requests",
    "education_service_tasks",
    "education_service_log",
    "education_stage_changes",
)

INDEXES = (
    # One student row per customer.
    ("education_students", ("tenant_id", "customer_id"), True),
    ("education_students", ("tenant_id", "tier"), False),
    ("education_enrollments", ("tenant_id", "customer_id", "ends_on"), False),
    ("education_enrollments", ("tenant_id", "id"), False),
    ("education_tier_changes", ("tenant_id", "customer_id", "changed_at"), False),
    ("education_override_requests", ("tenant_id", "status", "id"), False),
    ("education_override_requests", ("tenant_id", "id"), False),
    # At most one open task per recurring service and student.
    ("education_service_tasks", ("tenant_id", "customer_id", "service"), True),
    ("education_service_tasks", ("tenant_id", "task_id"), False),
    # Each occasion served once.
    ("education_service_log", ("tenant_id", "service", "cause"), True),
    ("education_service_log", ("tenant_id", "served_on"), False),
    ("education_stage_changes", ("tenant_id", "changed_at"), False),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="education", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
