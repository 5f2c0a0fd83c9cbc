"""The customer timeline: one row per thing that happened to a customer."""

from piccolo.columns import JSON, UUID, Text, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class TimelineEntry(TenantTable, tablename="timeline_entries"):
    customer_id = UUID()
    occurred_at = Timestamptz()
    kind = Varchar(
        length=100
    )  # "interaction", "task", "payment", "customer.updated", "<plugin>.<event>"
    source = Varchar(length=64, default="core")  # "core" or the plugin's name
    subject_id = UUID(null=True, default=None)
    summary = Text(default="")
    data = JSON(default="{}")
    actor_id = UUID(null=True, default=None)
