"""HTTP: the contact persons of a customer (api.md §4)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import Provide

from core.domain.contacts import schemas
from core.domain.contacts.service import ContactService
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import TenantContext


def contact_service(ctx: TenantContext) -> ContactService:
    return ContactService(ctx)


class ContactController(Controller):
    path = "/api/v1"
    tags = ["contacts"]
    dependencies = {"service": Provide(contact_service, sync_to_thread=False)}

    @post("/customers/{customer_id:str}/contacts", operation_id="createContact")
    async def create(
        self, service: ContactService, customer_id: str, data: schemas.ContactCreate
    ) -> schemas.Contact:
        """`is_primary: true` makes this the customer's only primary contact."""
        return await service.create(parse_id(customer_id), data)

    @get("/customers/{customer_id:str}/contacts", operation_id="listContacts")
    async def list(
        self,
        service: ContactService,
        customer_id: str,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[schemas.Contact]:
        return await service.list(parse_id(customer_id), limit=limit, cursor=cursor)

    @patch("/contacts/{contact_id:str}", operation_id="updateContact")
    async def update(
        self, service: ContactService, contact_id: str, data: schemas.ContactUpdate
    ) -> schemas.Contact:
        return await service.update(parse_id(contact_id), data)

    @delete("/contacts/{contact_id:str}", operation_id="deleteContact")
    async def delete(self, service: ContactService, contact_id: str) -> None:
        await service.delete(parse_id(contact_id))
