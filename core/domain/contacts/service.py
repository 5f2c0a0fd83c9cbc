"""Contact rules: normalised channels, one primary contact per customer, live customers only."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from core.contactinfo import SENSITIVE_VIEWER_FLOOR, mask_phone, normalized_contact_fields
from core.db import tenant_transaction
from core.domain.contacts import schemas
from core.domain.contacts.repository import ContactRepository
from core.domain.contacts.tables import Contact
from core.domain.customers.repository import CustomerRepository
from core.errors import NotFound
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow


class ContactService:
    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.contacts = ContactRepository(ctx.tenant_id)
        self.customers = CustomerRepository(ctx.tenant_id)

    # -- reads ---------------------------------------------------------------------------
    async def list(
        self, customer_id: uuid.UUID | None, *, limit: int, cursor: str | None
    ) -> Page[schemas.Contact]:
        async with tenant_transaction(self.ctx.tenant_id):
            customer = await self.customers.require_active(customer_id)
            page = await self.contacts.page(
                Contact.customer_id == customer["id"], limit=limit, cursor=Cursor.decode(cursor)
            )
        return page.map(self.view)

    # -- writes --------------------------------------------------------------------------
    async def create(
        self, customer_id: uuid.UUID | None, data: schemas.ContactCreate
    ) -> schemas.Contact:
        values = normalized_contact_fields(msgspec.structs.asdict(data), self.ctx.country)
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            # A new primary contact locks the customer: concurrent changes of it queue up.
            customer = await self.customers.require_active(customer_id, lock=data.is_primary)
            if data.is_primary:
                await self.contacts.unset_primary(customer["id"], now)
            row = await self.contacts.insert(
                **values, customer_id=customer["id"], created_at=now, updated_at=now
            )
        return self.view(row)

    async def update(
        self, contact_id: uuid.UUID | None, data: schemas.ContactUpdate
    ) -> schemas.Contact:
        changes = normalized_contact_fields(data.changes(), self.ctx.country)
        becomes_primary = changes.get("is_primary") is True
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            contact = await self._require(contact_id, lock_customer=becomes_primary)
            if becomes_primary:
                await self.contacts.unset_primary(contact["customer_id"], now, keep=contact["id"])
            row = await self.contacts.update(contact["id"], {**changes, "updated_at": now})
        assert row is not None
        return self.view(row)

    async def delete(self, contact_id: uuid.UUID | None) -> None:
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            contact = await self._require(contact_id)
            await self.contacts.delete(contact["id"])

    # -- helpers -------------------------------------------------------------------------
    async def _require(self, contact_id: uuid.UUID | None, *, lock_customer: bool = False) -> dict:
        """The contact, when its customer is not deleted (a deleted customer's contacts are 404)."""
        row = await self.contacts.get(contact_id)
        if row is None:
            raise NotFound("No such contact.")
        try:
            await self.customers.require_active(row["customer_id"], lock=lock_customer)
        except NotFound:
            raise NotFound("No such contact.") from None
        return row

    def view(self, row: dict[str, Any]) -> schemas.Contact:
        phone = row["phone"]
        if phone is not None and not self.ctx.at_least(SENSITIVE_VIEWER_FLOOR):
            phone = mask_phone(phone)
        return schemas.Contact(
            id=row["id"],
            customer_id=row["customer_id"],
            name=row["name"],
            relation=row["relation"],
            phone=phone,
            email=row["email"],
            messaging_id=row["messaging_id"],
            is_primary=bool(row["is_primary"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
