"""Customers, their tags and their consent records."""

from piccolo.columns import JSON, UUID, Date, Text, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class Customer(TenantTable, tablename="customers"):
    kind = Varchar(length=20, default="person")
    name = Varchar(length=200)
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    gender = Varchar(length=20, null=True, default=None)
    birthday = Date(null=True, default=None)
    address = Text(null=True, default=None)
    region = Varchar(length=200, null=True, default=None)
    id_number_encrypted = Text(null=True, default=None)
    education = Varchar(length=200, null=True, default=None)
    source = Varchar(length=200, null=True, default=None)
    owner_id = UUID(null=True, default=None)
    referred_by_id = UUID(null=True, default=None)
    attributes = JSON(default="{}")
    collected_at = Timestamptz()
    collected_via = Varchar(length=200, null=True, default=None)
    collected_by = UUID(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    deleted_at = Timestamptz(null=True, default=None)


class CustomerTag(TenantTable, tablename="customer_tags"):
    customer_id = UUID()
    tag = Varchar(length=50)


class Consent(TenantTable, tablename="consents"):
    """Consent to a purpose of processing (seed 004 §3.1.2); withdrawal keeps the record."""

    customer_id = UUID()
    purpose = Varchar(length=200)
    granted_at = Timestamptz()
    granted_via = Varchar(length=200, null=True, default=None)
    recorded_by = UUID(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
