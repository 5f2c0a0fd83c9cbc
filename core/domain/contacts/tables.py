"""Contact persons of a customer, each with their own channels and a primary flag."""

from piccolo.columns import UUID, Boolean, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class Contact(TenantTable, tablename="contacts"):
    customer_id = UUID()
    name = Varchar(length=200)
    relation = Varchar(length=200, null=True, default=None)  # "mother", "purchasing manager", …
    phone = Varchar(length=20, null=True, default=None)  # E.164
    email = Varchar(length=254, null=True, default=None)
    messaging_id = Varchar(length=200, null=True, default=None)  # WeChat id, etc.
    is_primary = Boolean(default=False)  # at most one per customer (ContactService)
    created_at = Timestamptz()
    updated_at = Timestamptz()
