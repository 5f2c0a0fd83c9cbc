"""Payment queries, always within one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from piccolo.query.functions.aggregate import Sum

from core.domain.payments.schemas import PaymentKind
from core.domain.payments.tables import Payment
from core.tenancy.repository import TenantRepository


class PaymentRepository(TenantRepository[Payment]):
    table = Payment

    async def refunded(self, payment_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The sum of the refunds of each payment that has any."""
        ids = list(payment_ids)
        if not ids:
            return {}
        rows = await (
            self.select(Payment.refund_of_id, Sum(Payment.amount, alias="total"))
            .where(Payment.refund_of_id.is_in(ids), Payment.kind == str(PaymentKind.refund))
            .group_by(Payment.refund_of_id)
        )
        return {row["refund_of_id"]: int(row["total"]) for row in rows}
