"""HTTP: payments and refunds (api.md §4)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide

from core.auth import tenant_of
from core.domain.payments import schemas
from core.domain.payments.service import PaymentService
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page


def payment_service(request: Request) -> PaymentService:
    # One dependency rather than `ctx` and `host` (see `customer_service`).
    return PaymentService(tenant_of(request), request.app.state["host"])


class PaymentController(Controller):
    path = "/api/v1/payments"
    tags = ["payments"]
    dependencies = {"service": Provide(payment_service, sync_to_thread=False)}

    @post(operation_id="createPayment")
    async def create(self, service: PaymentService, data: schemas.PaymentCreate) -> schemas.Payment:
        """A payment, or a refund of `refund_of_id` (409 when it exceeds what is left)."""
        return await service.record(data)

    @get(operation_id="listPayments")
    async def list(
        self,
        service: PaymentService,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
        customer_id: str | None = None,
    ) -> Page[schemas.Payment]:
        """Payments and refunds in the order recorded; filter by `customer_id`."""
        customer = parse_id(customer_id) if customer_id else None
        if customer_id and customer is None:
            return Page(items=[], next_cursor=None)
        return await service.list(limit=limit, cursor=cursor, customer_id=customer)

    @get("/{payment_id:str}", operation_id="getPayment")
    async def get(self, service: PaymentService, payment_id: str) -> schemas.Payment:
        """A payment includes `refunded`, the sum of its refunds."""
        return await service.get(parse_id(payment_id))
