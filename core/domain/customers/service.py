"""Customer rules: normalisation, references within the tenant, masking, soft deletion."""

from __future__ import annotations

import builtins
import uuid
from typing import Any

import msgspec

from core import events
from core.catalogue import CustomerCreated, CustomerDeleted, CustomerPayload, CustomerUpdated
from core.contactinfo import (
    SENSITIVE_VIEWER_FLOOR,
    ContactInfoError,
    mask_id_number,
    mask_phone,
    normalize_phone,
    normalized_contact_fields,
)
from core.crypto import FieldCipher
from core.db import in_transaction, tenant_transaction
from core.domain.customers import schemas
from core.domain.customers.repository import (
    ConsentRepository,
    CustomerRepository,
    CustomerTagRepository,
)
from core.domain.customers.tables import Consent, Customer
from core.domain.timeline.service import Timeline
from core.errors import Conflict, InvalidInput, NotFound
from core.messaging import consent
from core.pagination import Cursor, Page
from core.plugins.descriptor import Excluding
from core.plugins.host import PluginHost, SectionFailed
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow
from core.tenancy.users import UserRepository

MAX_ATTRIBUTES_BYTES = 16_384
# How far up the chain of referrers a change of `referred_by_id` looks for a cycle.
MAX_REFERRAL_CHAIN = 1000


class CustomerService:
    def __init__(
        self, ctx: TenantContext, cipher: FieldCipher, host: PluginHost | None = None
    ) -> None:
        self.ctx = ctx
        self.cipher = cipher
        self.host = host  # plugin sections, filters and vetoes
        self.customers = CustomerRepository(ctx.tenant_id)
        self.tags = CustomerTagRepository(ctx.tenant_id)
        self.consents = ConsentRepository(ctx.tenant_id)
        self.timeline = Timeline(ctx)

    # -- reads ---------------------------------------------------------------------------
    async def get(self, customer_id: uuid.UUID | None) -> schemas.Customer:
        # Sections without savepoints first (a round trip each cheaper); isolated from the
        # start inside a caller's transaction, which a second read could not roll back.
        try:
            return await self._read(customer_id, isolated=in_transaction())
        except SectionFailed:
            # A plugin's section failed where it may have spoilt the transaction: read
            # again with each section behind a savepoint, leaving out only the failing one.
            return await self._read(customer_id, isolated=True)

    async def _read(self, customer_id: uuid.UUID | None, *, isolated: bool) -> schemas.Customer:
        # One transaction for the customer, its tags and every plugin's section.
        async with tenant_transaction(self.ctx.tenant_id):
            row, tags = await self.customers.get_active_with_tags(customer_id)
            if row is None:
                raise NotFound("No such customer.")
            customer = self.view(row, tags)
            customer.plugins = {}
            if self.host is not None and self.ctx.plugins:
                customer.plugins = await self.host.customer_sections(
                    self.ctx, msgspec.to_builtins(customer), isolated=isolated
                )
        return customer

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        q: str | None = None,
        tag: str | None = None,
        owner_id: uuid.UUID | None = None,
        plugin_filters: dict[str, str] | None = None,
    ) -> Page[schemas.Customer]:
        where = [Customer.deleted_at.is_null()]
        for name, value in (plugin_filters or {}).items():
            if self.host is None:
                raise InvalidInput([(name, "not a filter of an enabled plugin")])
            selected = self.host.customer_filter(self.ctx, name, value)
            if isinstance(selected, Excluding):
                where.append(Customer.id.not_in(selected.query))
            else:
                where.append(Customer.id.is_in(selected))
        if q:
            where.append(self._search(q))
        if tag:
            where.append(self.tags.customers_tagged(tag))
        if owner_id is not None:
            where.append(Customer.owner_id == owner_id)
        async with tenant_transaction(self.ctx.tenant_id):
            page = await self.customers.page(*where, limit=limit, cursor=Cursor.decode(cursor))
            tags = await self.tags.tags_of(row["id"] for row in page.items)
        return page.map(lambda row: self.view(row, tags.get(row["id"], [])))

    def _search(self, q: str) -> Any:
        """Who sees phones masked may find a customer by the whole number only."""
        if self.ctx.at_least(SENSITIVE_VIEWER_FLOOR):
            return self.customers.search(q)
        try:
            whole = normalize_phone(q, self.ctx.country)
        except ContactInfoError:
            whole = ""  # no phone equals it
        return self.customers.search(q, whole_phone=whole)

    # -- writes --------------------------------------------------------------------------
    async def create(self, data: schemas.CustomerCreate) -> schemas.Customer:
        values = self._storable(msgspec.structs.asdict(data))
        provenance = data.provenance or schemas.ProvenanceIn()
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            # Vetoes are asked at one point for every write: first thing in its transaction.
            await self._veto("customer.create", None, msgspec.to_builtins(data))
            await self._check_references(values, provenance.collected_by)
            tags = values.pop("tags")
            row = await self.customers.insert(
                **values,
                collected_at=provenance.collected_at or now,
                collected_via=provenance.channel or data.source,
                collected_by=provenance.collected_by or self.ctx.user_id,
                created_at=now,
                updated_at=now,
            )
            await self.tags.replace(row["id"], tags)
            await self.timeline.record(
                row["id"], "customer.created", f"Customer {data.name} created", subject_id=row["id"]
            )
            await events.emit(
                self.ctx, CustomerCreated(customer=self._payload(row, sorted(set(tags))))
            )
        return self.view(row, sorted(set(tags)))

    async def update(
        self, customer_id: uuid.UUID | None, data: schemas.CustomerUpdate
    ) -> schemas.Customer:
        changes = self._storable(data.changes())
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            current = await self._require(customer_id)
            await self._veto("customer.update", current, msgspec.to_builtins(data.changes()))
            await self._check_references(changes, None, customer_id=current["id"])
            tags = changes.pop("tags", None)
            if tags is not None:
                await self.tags.replace(current["id"], tags)
            row = await self.customers.update(current["id"], {**changes, "updated_at": utcnow()})
            changed = sorted([*changes, *(["tags"] if tags is not None else [])])
            await self.timeline.record(
                current["id"],
                "customer.updated",
                "Changed " + ", ".join(changed) if changed else "No change",
                subject_id=current["id"],
                data={"fields": changed},
            )
            all_tags = await self.tags.tags_of([current["id"]])
            assert row is not None
            customer = self._payload(row, all_tags.get(row["id"], []))
            await events.emit(self.ctx, CustomerUpdated(customer=customer, changed=changed))
        return self.view(row, all_tags.get(current["id"], []))

    async def delete(self, customer_id: uuid.UUID | None) -> None:
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self._require(customer_id)
            await self._veto("customer.delete", row, {})
            await self.customers.update(row["id"], {"deleted_at": utcnow()})
            await self.timeline.record(
                row["id"], "customer.deleted", "Customer deleted", subject_id=row["id"]
            )
            await events.emit(self.ctx, CustomerDeleted(customer_id=row["id"]))

    async def restore(self, customer_id: uuid.UUID | None) -> schemas.Customer:
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self.customers.get_deleted(customer_id)
            if row is None:
                if await self.customers.get_active(customer_id):
                    raise Conflict("The customer is not deleted.")
                raise NotFound("No such customer.")
            row = await self.customers.update(
                row["id"], {"deleted_at": None, "updated_at": utcnow()}
            )
            assert row is not None
            await self.timeline.record(
                row["id"], "customer.restored", "Customer restored", subject_id=row["id"]
            )
            tags = await self.tags.tags_of([row["id"]])
        return self.view(row, tags.get(row["id"], []))

    # -- consent -------------------------------------------------------------------------
    async def grant_consent(
        self, customer_id: uuid.UUID | None, data: schemas.ConsentCreate
    ) -> schemas.Consent:
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            customer = await self._require(customer_id)
            row = await self.consents.insert(
                customer_id=customer["id"],
                purpose=data.purpose,
                granted_at=utcnow(),
                granted_via=data.channel,
                recorded_by=self.ctx.user_id,
            )
            await self.timeline.record(
                customer["id"],
                "consent.granted",
                f"Consent granted: {data.purpose}",
                subject_id=row["id"],
            )
        return consent_view(row)

    async def list_consents(self, customer_id: uuid.UUID | None) -> builtins.list[schemas.Consent]:
        async with tenant_transaction(self.ctx.tenant_id):
            customer = await self._require(customer_id)
            rows = (
                await self.consents.select()
                .where(Consent.customer_id == customer["id"])
                .order_by(Consent.granted_at)
            )
        return [consent_view(row) for row in rows]

    async def withdraw_consent(
        self, customer_id: uuid.UUID | None, consent_id: uuid.UUID | None
    ) -> schemas.Consent:
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            customer = await self._require(customer_id)
            row = await self.consents.get(consent_id, Consent.customer_id == customer["id"])
            if row is None:
                raise NotFound("No such consent for this customer.")
            if row["withdrawn_at"] is not None:
                raise Conflict("The consent is already withdrawn.")
            row = await self.consents.update(row["id"], {"withdrawn_at": utcnow()})
            assert row is not None
            # The gate (api.md §4): queued, unsent messages of this purpose stop at once.
            if await consent.refusal(self.ctx.tenant_id, customer["id"], row["purpose"]):
                await consent.block_queued(
                    self.ctx.tenant_id,
                    customer["id"],
                    row["purpose"],
                    f"{row['purpose']} consent withdrawn",
                )
            await self.timeline.record(
                customer["id"],
                "consent.withdrawn",
                f"Consent withdrawn: {row['purpose']}",
                subject_id=row["id"],
            )
        return consent_view(row)

    # -- helpers -------------------------------------------------------------------------
    async def _veto(self, action: str, row: dict | None, change: dict[str, Any]) -> None:
        """Ask the enabled plugins; the facts they decide on are the customer as the API
        shows it (unmasked), with every enabled plugin's section under `plugins`."""
        if self.host is None or not self.host.vetoers(self.ctx):
            return
        current = None
        if row is not None:
            tags = await self.tags.tags_of([row["id"]])
            current = msgspec.to_builtins(self.view(row, tags.get(row["id"], []), unmasked=True))
            current["plugins"] = await self.host.customer_sections(self.ctx, current)
        self.host.veto(self.ctx, action, current, change)

    def _payload(self, row: dict, tags: builtins.list[str]) -> CustomerPayload:
        """The customer as events carry it: real contact values (plugins act on them), the
        ID number masked (events reach webhooks and plugins; the secret stays here)."""
        customer = msgspec.to_builtins(self.view(row, tags, unmasked=True))
        customer.pop("plugins", None)
        if customer["id_number"] is not None:
            customer["id_number"] = mask_id_number(customer["id_number"])
        return msgspec.convert(customer, CustomerPayload)

    async def _require(self, customer_id: uuid.UUID | None) -> dict:
        row = await self.customers.get_active(customer_id)
        if row is None:
            raise NotFound("No such customer.")
        return row

    def _storable(self, values: dict[str, Any]) -> dict[str, Any]:
        values = normalized_contact_fields(values, self.ctx.country)
        values.pop("provenance", None)
        if "attributes" in values:
            encoded = msgspec.json.encode(values["attributes"])
            if len(encoded) > MAX_ATTRIBUTES_BYTES:
                raise InvalidInput(
                    [("attributes", f"at most {MAX_ATTRIBUTES_BYTES} bytes of JSON")]
                )
            values["attributes"] = encoded.decode()
        if "id_number" in values:
            number = values.pop("id_number")
            values["id_number_encrypted"] = None if number is None else self.cipher.encrypt(number)
        for key in ("kind", "gender"):
            if values.get(key) is not None:
                values[key] = str(values[key])
        return values

    async def _check_references(
        self,
        values: dict[str, Any],
        collected_by: uuid.UUID | None,
        customer_id: uuid.UUID | None = None,
    ) -> None:
        errors = []
        users = UserRepository(self.ctx.tenant_id)
        for field, user_id in (
            ("owner_id", values.get("owner_id")),
            ("provenance.collected_by", collected_by),
        ):
            if user_id is not None and not await users.exists(user_id):
                errors.append((field, "no such user in this tenant"))
        referrer = values.get("referred_by_id")
        if referrer is not None:
            if referrer == customer_id:
                errors.append(("referred_by_id", "a customer cannot refer themselves"))
            elif not await self.customers.get_active(referrer):
                errors.append(("referred_by_id", "no such customer in this tenant"))
            elif customer_id is not None and await self._refers_back(referrer, customer_id):
                errors.append(("referred_by_id", "the referral would make a cycle"))
        if errors:
            raise InvalidInput(errors)

    async def _refers_back(self, referrer: uuid.UUID, customer_id: uuid.UUID) -> bool:
        """Whether `customer_id` is on the chain of referrers above `referrer` (so that
        `referrer` referring `customer_id` would close a cycle). The walk is bounded; a
        chain longer than the bound is refused too, as a cycle cannot be ruled out."""
        current: uuid.UUID | None = referrer
        seen: set[uuid.UUID] = set()
        for _ in range(MAX_REFERRAL_CHAIN):
            if current is None or current in seen:
                return False
            if current == customer_id:
                return True
            seen.add(current)
            row = (
                await self.customers.select(Customer.referred_by_id)
                .where(Customer.id == current)
                .first()
            )
            current = None if row is None else row["referred_by_id"]
        return current is not None

    def view(
        self, row: dict[str, Any], tags: builtins.list[str], unmasked: bool = False
    ) -> schemas.Customer:
        sees_whole = unmasked or self.ctx.at_least(SENSITIVE_VIEWER_FLOOR)
        phone = row["phone"]
        id_number = (
            self.cipher.decrypt(row["id_number_encrypted"]) if row["id_number_encrypted"] else None
        )
        return schemas.Customer(
            id=row["id"],
            kind=row["kind"],
            name=row["name"],
            phone=phone if sees_whole or phone is None else mask_phone(phone),
            email=row["email"],
            gender=row["gender"],
            birthday=row["birthday"],
            address=row["address"],
            region=row["region"],
            id_number=id_number if sees_whole or id_number is None else mask_id_number(id_number),
            education=row["education"],
            source=row["source"],
            owner_id=row["owner_id"],
            referred_by_id=row["referred_by_id"],
            tags=tags,
            attributes=row["attributes"],
            provenance=schemas.Provenance(
                collected_at=row["collected_at"],
                channel=row["collected_via"],
                collected_by=row["collected_by"],
            ),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


def consent_view(row: dict[str, Any]) -> schemas.Consent:
    # By hand: `active` is computed.
    return schemas.Consent(
        id=row["id"],
        customer_id=row["customer_id"],
        purpose=row["purpose"],
        granted_at=row["granted_at"],
        granted_via=row["granted_via"],
        recorded_by=row["recorded_by"],
        withdrawn_at=row["withdrawn_at"],
        active=row["withdrawn_at"] is None,
    )
