"""HTTP: outbound webhooks (api.md §7). Admins only: the delivery log shows event data."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.di import Provide

from core.crypto import FieldCipher
from core.domain.webhooks import schemas
from core.domain.webhooks.service import WebhookService
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import Role, TenantContext

ADMIN = {"min_role": Role.admin}


def webhook_service(ctx: TenantContext, cipher: FieldCipher, request: Request) -> WebhookService:
    settings = request.app.state["settings"]
    return WebhookService(
        ctx,
        cipher,
        allow_private=settings.webhook_allow_private,
        known_events=request.app.state["host"].catalogue.names(),
    )


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]
    dependencies = {"service": Provide(webhook_service, sync_to_thread=False)}

    @post(operation_id="createWebhook", opt={**ADMIN, "shows_secret": True})
    async def create(
        self, service: WebhookService, data: schemas.WebhookCreate
    ) -> schemas.WebhookCreated:
        """Subscribe a URL to events (`"*"`: all). The signing `secret` is shown only here."""
        return await service.create(data)

    @get(operation_id="listWebhooks", opt=ADMIN)
    async def list(
        self, service: WebhookService, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[schemas.Webhook]:
        """The tenant's endpoints, oldest first, without their secrets."""
        return await service.list(limit=limit, cursor=cursor)

    @delete("/{webhook_id:str}", operation_id="deleteWebhook", opt=ADMIN)
    async def delete(self, service: WebhookService, webhook_id: str) -> None:
        await service.delete(parse_id(webhook_id))

    @post("/{webhook_id:str}/enable", operation_id="enableWebhook", opt=ADMIN, status_code=200)
    async def enable(self, service: WebhookService, webhook_id: str) -> schemas.Webhook:
        """Re-enable an endpoint disabled after repeated failed deliveries."""
        return await service.enable(parse_id(webhook_id))

    @get("/{webhook_id:str}/deliveries", operation_id="listWebhookDeliveries", opt=ADMIN)
    async def deliveries(
        self,
        service: WebhookService,
        webhook_id: str,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[schemas.Delivery]:
        """The delivery log, newest first: status, attempts, last response and error."""
        return await service.deliveries_of(parse_id(webhook_id), limit=limit, cursor=cursor)
