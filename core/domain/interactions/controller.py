"""HTTP: interactions logged against a customer (api.md §4)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import Provide

from core.domain.interactions import schemas
from core.domain.interactions.service import InteractionService
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import TenantContext


def interaction_service(ctx: TenantContext) -> InteractionService:
    return InteractionService(ctx)


class InteractionController(Controller):
    path = "/api/v1/customers/{customer_id:str}/interactions"
    tags = ["interactions"]
    dependencies = {"service": Provide(interaction_service, sync_to_thread=False)}

    @post(operation_id="createInteraction")
    async def create(
        self, service: InteractionService, customer_id: str, data: schemas.InteractionCreate
    ) -> schemas.Interaction:
        """Logged by the caller (`staff_id`); `occurred_at` defaults to now."""
        return await service.create(parse_id(customer_id), data)

    @get(operation_id="listInteractions")
    async def list(
        self,
        service: InteractionService,
        customer_id: str,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[schemas.Interaction]:
        """Newest first."""
        return await service.list(parse_id(customer_id), limit=limit, cursor=cursor)
