"""Tasks: callbacks, visits, gifts, reminders… assigned to staff, created by staff or plugins."""

from piccolo.columns import UUID, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class Task(TenantTable, tablename="tasks"):
    title = Varchar(length=200)
    kind = Varchar(length=200, null=True, default=None)  # free text: plugins add kinds
    customer_id = UUID(null=True, default=None)
    assignee_id = UUID(null=True, default=None)
    due_at = Timestamptz(null=True, default=None)
    priority = Varchar(length=20, default="normal")
    status = Varchar(length=20, default="open")
    source = Varchar(length=64, default="manual")  # "manual" or the creating plugin's name
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)
