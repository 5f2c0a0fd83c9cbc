"""HTTP: message channels (admin) and the record of messages sent."""

from __future__ import annotations

from litestar import Controller, Request, get, put
from litestar.di import Provide

from core.crypto import FieldCipher
from core.ids import parse_id
from core.messaging import schemas
from core.messaging.schemas import ChannelKind, MessageStatus, Purpose
from core.messaging.service import ChannelService, MessageService
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import Role, TenantContext


def channel_service(ctx: TenantContext, cipher: FieldCipher, request: Request) -> ChannelService:
    settings = request.app.state["settings"]
    return ChannelService(ctx, cipher, allow_private=settings.webhook_allow_private)


def message_service(ctx: TenantContext) -> MessageService:
    return MessageService(ctx)


class ChannelController(Controller):
    path = "/api/v1/channels"
    tags = ["messages"]
    dependencies = {"service": Provide(channel_service, sync_to_thread=False)}

    @get(operation_id="listChannels")
    async def list(self, service: ChannelService) -> schemas.ChannelList:
        """The tenant's channels; secrets are never shown (`password_set`, masked headers,
        the URL's query values masked)."""
        return await service.list()

    @put("/{kind:str}", operation_id="configureChannel", opt={"min_role": Role.admin})
    async def configure(
        self, service: ChannelService, kind: ChannelKind, data: schemas.ChannelIn
    ) -> schemas.Channel:
        """Create or replace the channel of `kind` ("email": SMTP, "http": a JSON gateway);
        secrets left out of `config` keep their stored value."""
        return await service.configure(kind, data)


class MessageController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]
    dependencies = {"service": Provide(message_service, sync_to_thread=False)}

    @get(operation_id="listMessages")
    async def list(
        self,
        service: MessageService,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
        customer_id: str | None = None,
        status: MessageStatus | None = None,
        channel: ChannelKind | None = None,
        purpose: Purpose | None = None,
    ) -> Page[schemas.Message]:
        """What was sent to whom, when and with what result (`blocked`: held back by the
        consent gate, with the `reason`); newest first."""
        customer = parse_id(customer_id) if customer_id else None
        if customer_id and customer is None:
            return Page(items=[], next_cursor=None)
        return await service.list(
            limit=limit,
            cursor=cursor,
            customer_id=customer,
            status=status,
            channel=channel,
            purpose=purpose,
        )
