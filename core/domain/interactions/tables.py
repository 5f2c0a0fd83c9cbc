"""Interactions with a customer, each with channel, direction, summary, time and staff member."""

from piccolo.columns import UUID, Text, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class Interaction(TenantTable, tablename="interactions"):
    customer_id = UUID()
    channel = Varchar(length=50)  # "phone", "wechat", "visit", "email", "note", …
    direction = Varchar(length=10)  # "inbound" or "outbound"
    summary = Text()
    # What the interaction was about, e.g. "feedback" (an opinion that needs a reply).
    kind = Varchar(length=50, null=True, default=None)
    occurred_at = Timestamptz()
    staff_id = UUID(null=True, default=None)
    created_at = Timestamptz()
