"""Tenant isolation for the core tables: indexes led by tenant_id, and row-level security.

Written by hand: Piccolo cannot express composite indexes or RLS policies.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.migration_steps import create_index, enable_tenant_rls

ID = "2026-11-23T05:02:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant-leading indexes and row-level security"

# Frozen at the time of writing: later tables get their own migration.
RLS_TABLES = (
    "users", "idempotency_keys", "customers", "customer_tags", "consents",
    "timeline_entries", "contacts", "tasks", "interactions", "payments",
    "tenant_plugins", "plugin_config_changes", "schedule_runs",
    "message_channels",
    "webhook_endpoints",
)

INDEXES = (
    ("api_keys", ("tenant_id", "user_id"), False),
    ("users", ("tenant_id", "email"), True),
    ("idempotency_keys", ("tenant_id", "user_id", "key"), True),
    ("customers", ("tenant_id", "id"), False),
    ("customers", ("tenant_id", "phone"), False),
    ("customers", ("tenant_id", "email"), False),
    ("customers", ("tenant_id", "owner_id"), False),
    ("customers", ("tenant_id", "referred_by_id"), False),
    ("customer_tags", ("tenant_id", "customer_id", "tag"), True),
    ("customer_tags", ("tenant_id", "tag"), False),
    ("consents", ("tenant_id", "customer_id"), False),
    ("timeline_entries", ("tenant_id", "customer_id", "occurred_at", "id"), False),
    ("contacts", ("tenant_id", "customer_id"), False),
    ("tasks", ("tenant_id", "id"), False),
    ("tasks", ("tenant_id", "customer_id"), False),
    ("tasks", ("tenant_id", "assignee_id", "status"), False),
    ("tasks", ("tenant_id", "status", "due_at"), False),
    ("interactions", ("tenant_id", "customer_id", "occurred_at"), False),
    ("payments", ("tenant_id", "id"), False),
    ("payments", ("tenant_id", "customer_id"), False),
    ("payments", ("tenant_id", "refund_of_id"), False),
    ("tenant_plugins", ("tenant_id", "plugin"), True),
    ("plugin_config_changes", ("tenant_id", "plugin"), False),
    ("outbox_events", ("status", "partition", "id"), False),
    ("outbox_events", ("tenant_id", "customer_id"), False),
    ("schedule_runs", ("tenant_id", "plugin", "schedule", "slot"), True),
    ("message_channels", ("tenant_id", "kind"), True),
    ("messages", ("tenant_id", "cause_key"), True),
    ("messages", ("tenant_id", "customer_id"), False),
    ("messages", ("status", "next_attempt_at"), False),
    ("webhook_endpoints", ("tenant_id", "id"), False),
    ("webhook_deliveries", ("tenant_id", "endpoint_id", "event_id"), True),
    ("webhook_deliveries", ("tenant_id", "endpoint_id", "id"), False),
    ("webhook_deliveries", ("status", "next_attempt_at"), False),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="patron", description=DESCRIPTION)

    async def isolate() -> None:
        for table, columns, unique in INDEXES:
            await create_index(table, *columns, unique=unique)
        await enable_tenant_rls(*RLS_TABLES)

    manager.add_raw(isolate)
    return manager
