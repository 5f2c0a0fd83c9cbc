"""Request and response shapes of payments and refunds (api.md §4)."""

from __future__ import annotations

import datetime
import enum
import uuid

from core.domain.types import Amount, Currency, Input, Instant, Output, ShortText

# RFC 3339 with an offset: a time without one would be ambiguous.


class PaymentKind(enum.StrEnum):
    payment = "payment"
    refund = "refund"


class PaymentCreate(Input):
    """A payment, or a refund of `refund_of_id`; the currency defaults to the tenant's
    (to the payment's, for a refund)."""

    customer_id: uuid.UUID
    amount: Amount
    currency: Currency | None = None
    kind: PaymentKind = PaymentKind.payment
    occurred_at: Instant | None = None
    reference: ShortText | None = None
    refund_of_id: uuid.UUID | None = None


class Payment(Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    amount: int
    currency: str
    occurred_at: datetime.datetime
    reference: str | None
    refund_of_id: uuid.UUID | None
    refunded: int | None  # a payment: the sum of its refunds; a refund: null
    recorded_by: uuid.UUID | None
    created_at: datetime.datetime
