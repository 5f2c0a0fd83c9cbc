"""Payments and refunds: integer minor units plus an ISO 4217 currency."""

from piccolo.columns import UUID, BigInt, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class Payment(TenantTable, tablename="payments"):
    customer_id = UUID()
    kind = Varchar(length=10)  # "payment" or "refund"
    amount = BigInt()  # minor units, always positive; `kind` gives the direction
    currency = Varchar(length=3)
    occurred_at = Timestamptz()
    reference = Varchar(length=200, null=True, default=None)  # receipt, invoice, transaction no.
    refund_of_id = UUID(null=True, default=None)  # a refund's payment
    recorded_by = UUID(null=True, default=None)
    created_at = Timestamptz()
