"""Payment rules: live customers, the tenant's currency, refunds bounded by their payment."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import events
from core.catalogue import PaymentPayload, PaymentRecorded
from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.payments import schemas
from core.domain.payments.repository import PaymentRepository
from core.domain.payments.schemas import PaymentKind
from core.domain.payments.tables import Payment
from core.domain.timeline.service import Timeline
from core.errors import Conflict, InvalidInput, NotFound
from core.money import check_currency, major_units
from core.pagination import Cursor, Page
from core.plugins.host import PluginHost
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow

# ISO 4217 minor-unit exponents other than 2, for human-readable timeline summaries.


class PaymentService:
    def __init__(self, ctx: TenantContext, host: PluginHost | None = None) -> None:
        self.ctx = ctx
        self.host = host  # for plugin vetoes of new payments
        self.payments = PaymentRepository(ctx.tenant_id)
        self.customers = CustomerRepository(ctx.tenant_id)
        self.timeline = Timeline(ctx)

    # -- reads ---------------------------------------------------------------------------
    async def get(self, payment_id: uuid.UUID | None) -> schemas.Payment:
        async with tenant_transaction(self.ctx.tenant_id):
            row = await self.payments.get(payment_id)
            if row is None:
                raise NotFound("No such payment.")
            refunded = await self.payments.refunded([row["id"]])
        return payment_view(row, refunded)

    async def list(
        self, *, limit: int, cursor: str | None, customer_id: uuid.UUID | None = None
    ) -> Page[schemas.Payment]:
        where = [] if customer_id is None else [Payment.customer_id == customer_id]
        async with tenant_transaction(self.ctx.tenant_id):
            page = await self.payments.page(*where, limit=limit, cursor=Cursor.decode(cursor))
            refunded = await self.payments.refunded(
                row["id"] for row in page.items if row["kind"] == PaymentKind.payment
            )
        return page.map(lambda row: payment_view(row, refunded))

    # -- writes --------------------------------------------------------------------------
    async def record(self, data: schemas.PaymentCreate) -> schemas.Payment:
        """Record a payment or a refund; a refund never exceeds what its payment has left.

        The refund check runs in the write transaction with the payment's row locked
        (PostgreSQL) or the database write lock held (SQLite), so two concurrent refunds
        of one payment cannot both pass it.
        """
        is_refund = data.kind == PaymentKind.refund
        if is_refund and data.refund_of_id is None:
            raise InvalidInput([("refund_of_id", "a refund names the payment it refunds")])
        if not is_refund and data.refund_of_id is not None:
            raise InvalidInput([("refund_of_id", "only a refund names a payment")])
        now = utcnow()
        occurred_at = data.occurred_at.astimezone(datetime.UTC) if data.occurred_at else now
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            # Vetoes are asked at one point for every write: first thing in its transaction.
            if self.host is not None:
                self.host.veto(self.ctx, "payment.record", None, msgspec.to_builtins(data))
            if not await self.customers.get_active(data.customer_id):
                raise InvalidInput([("customer_id", "no such customer in this tenant")])
            currency = data.currency or self.ctx.currency
            check_currency(currency)
            if is_refund:
                currency = await self._check_refund(data)
            row = await self.payments.insert(
                customer_id=data.customer_id,
                kind=str(data.kind),
                amount=data.amount,
                currency=currency,
                occurred_at=occurred_at,
                reference=data.reference,
                refund_of_id=data.refund_of_id,
                recorded_by=self.ctx.user_id,
                created_at=now,
            )
            noun = "Refund" if is_refund else "Payment"
            await self.timeline.record(
                data.customer_id,
                f"{data.kind}.recorded",
                f"{noun} of {major_units(data.amount, currency)} {currency}"
                + (f" ({data.reference})" if data.reference else ""),
                subject_id=row["id"],
                occurred_at=occurred_at,
                data={
                    "amount": data.amount,
                    "currency": currency,
                    "refund_of_id": data.refund_of_id,
                },
            )
            payment = payment_view(row, {})
            recorded = msgspec.convert(msgspec.to_builtins(payment), PaymentPayload)
            await events.emit(self.ctx, PaymentRecorded(payment=recorded))
        return payment

    # -- helpers -------------------------------------------------------------------------
    async def _check_refund(self, data: schemas.PaymentCreate) -> str:
        """Lock the refunded payment, check the refund against it; the refund's currency."""
        original = await self.payments.get_for_update(data.refund_of_id)
        if original is None or original["customer_id"] != data.customer_id:
            raise InvalidInput([("refund_of_id", "no such payment of this customer")])
        if original["kind"] != PaymentKind.payment:
            raise InvalidInput([("refund_of_id", "names a refund, not a payment")])
        currency = data.currency or original["currency"]
        if currency != original["currency"]:
            expected = original["currency"]
            raise InvalidInput([("currency", f"must be the payment's currency, {expected}")])
        refunded = (await self.payments.refunded([original["id"]])).get(original["id"], 0)
        left = original["amount"] - refunded
        if data.amount > left:
            raise Conflict(
                f"The refund of {data.amount} exceeds what the payment has left: {left} "
                f"of {original['amount']} ({currency} minor units)."
            )
        return currency


def payment_view(row: dict[str, Any], refunded: dict[uuid.UUID, int]) -> schemas.Payment:
    is_payment = row["kind"] == PaymentKind.payment
    return schemas.Payment(
        id=row["id"],
        customer_id=row["customer_id"],
        kind=row["kind"],
        amount=int(row["amount"]),
        currency=row["currency"],
        occurred_at=row["occurred_at"],
        reference=row["reference"],
        refund_of_id=row["refund_of_id"],
        refunded=refunded.get(row["id"], 0) if is_payment else None,
        recorded_by=row["recorded_by"],
        created_at=row["created_at"],
    )
