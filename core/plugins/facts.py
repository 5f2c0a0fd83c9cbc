"""Read-only, set-based facts from the core's records, for plugins' policy.

A plugin that ranks customers (tiers, levels, grades) needs the same few facts for many
customers at once: what each has paid, who they are. These queries load them for a whole
tenant (or a list of customers) in a handful of statements, never one per customer. Call
them inside `tenant_transaction(ctx.tenant_id)`.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from piccolo.query.functions.aggregate import Sum

from core.domain.customers.repository import CustomerRepository, CustomerTagRepository
from core.domain.customers.tables import Customer
from core.domain.payments.repository import PaymentRepository
from core.domain.payments.tables import Payment
from core.errors import InvalidInput
from core.messaging.repository import MessageRepository
from core.messaging.tables import Message
from core.plugins.descriptor import Excluding
from core.tenancy.context import TenantContext

# The customer fields a plugin may read in bulk (as the API names them; never the
# encrypted ID number).
CUSTOMER_FIELDS = (
    "id",
    "kind",
    "name",
    "phone",
    "email",
    "gender",
    "birthday",
    "region",
    "source",
    "owner_id",
    "referred_by_id",
    "created_at",
)
# Ids per `IN (…)` list: well below SQLite's and asyncpg's bind-parameter limits.
CHUNK = 5000
T = TypeVar("T")


def chunked(ids: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`ids` in lists of at most `size`: for `IN (…)` lists within bind-parameter limits."""
    batch: list[T] = []
    for item in ids:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class CoreFacts:
    """The tenant's core records, read in bulk. Deleted customers are left out."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.customers_repo = CustomerRepository(ctx.tenant_id)
        self.payments_repo = PaymentRepository(ctx.tenant_id)

    async def customers(
        self, ids: Iterable[uuid.UUID] | None = None, fields: Sequence[str] = CUSTOMER_FIELDS
    ) -> list[dict[str, Any]]:
        """The live customers named by `ids` (all of them when None), with `fields`."""
        unknown = set(fields) - set(CUSTOMER_FIELDS)
        if unknown:
            raise ValueError(f"not readable customer fields: {sorted(unknown)}")
        columns = [Customer._meta.get_column_by_name(name) for name in {"id", *fields}]

        def live() -> Any:  # a fresh query each time: Piccolo's `where` adds to the query
            return self.customers_repo.select(*columns).where(Customer.deleted_at.is_null())

        if ids is None:
            return await live()
        rows: list[dict[str, Any]] = []
        for batch in chunked(ids):
            rows.extend(await live().where(Customer.id.is_in(batch)))
        return rows

    async def matching(self, name: str, value: str) -> list[uuid.UUID]:
        """The ids of the live customers a plugin's customer filter selects — the
        `?<plugin>.<key>=<value>` of `GET /customers`, e.g. `matching("education.tier",
        "key")`. `InvalidInput` naming `name` when no plugin the tenant enabled has that
        filter. Needs the `PluginContext` the plugin host gave the caller."""
        host = getattr(self.ctx, "host", None)
        if host is None:
            raise InvalidInput([(name, "customer filters need the plugin-bound context")])
        tenant = getattr(self.ctx, "tenant", self.ctx)
        selected = host.customer_filter(tenant, name, value)
        if isinstance(selected, Excluding):
            where = Customer.id.not_in(selected.query)
        else:
            where = Customer.id.is_in(selected)
        rows = await self.customers_repo.select(Customer.id).where(
            Customer.deleted_at.is_null(), where
        )
        return [row["id"] for row in rows]

    async def tagged(self, tag: str) -> list[uuid.UUID]:
        """The ids of the live customers carrying `tag` (a segment)."""
        rows = await self.customers_repo.select(Customer.id).where(
            Customer.deleted_at.is_null(),
            CustomerTagRepository(self.ctx.tenant_id).customers_tagged(tag),
        )
        return [row["id"] for row in rows]

    async def net_paid(
        self, currency: str, ids: Iterable[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, int]:
        """Payments less refunds in `currency` (minor units), per customer that has any."""
        totals: dict[uuid.UUID, int] = {}
        batches: Iterable[list[uuid.UUID] | None] = [None] if ids is None else chunked(ids)
        for batch in batches:
            query = (
                self.payments_repo.select(
                    Payment.customer_id, Payment.kind, Sum(Payment.amount, alias="total")
                )
                .where(Payment.currency == currency)
                .group_by(Payment.customer_id, Payment.kind)
            )
            if batch is not None:
                query = query.where(Payment.customer_id.is_in(batch))
            for row in await query:
                sign = -1 if row["kind"] == "refund" else 1
                totals[row["customer_id"]] = totals.get(row["customer_id"], 0) + sign * int(
                    row["total"]
                )
        return totals

    async def payments(
        self,
        currency: str,
        ids: Iterable[uuid.UUID] | None = None,
        since: datetime.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Each payment and refund in `currency` (of the customers named, every customer's
        when None) that occurred at or after `since`: `id`, `customer_id`, `kind`
        ("payment" or "refund"), `amount` (minor units, positive), `occurred_at`,
        `refund_of_id`. For rules over a window of time; `net_paid` for all-time totals."""
        columns = (
            Payment.id,
            Payment.customer_id,
            Payment.kind,
            Payment.amount,
            Payment.occurred_at,
            Payment.refund_of_id,
        )
        rows: list[dict[str, Any]] = []
        batches: Iterable[list[uuid.UUID] | None] = [None] if ids is None else chunked(ids)
        for batch in batches:
            query = self.payments_repo.select(*columns).where(Payment.currency == currency)
            if since is not None:
                query = query.where(Payment.occurred_at >= since)
            if batch is not None:
                query = query.where(Payment.customer_id.is_in(batch))
            rows.extend(await query)
        return rows

    async def referrals(
        self, referrer_ids: Iterable[uuid.UUID] | None = None
    ) -> list[dict[str, Any]]:
        """The live customers referred by the customers named (by anyone when None): `id`,
        `referred_by_id`, `created_at`."""
        columns = (Customer.id, Customer.referred_by_id, Customer.created_at)
        rows: list[dict[str, Any]] = []
        batches: Iterable[list[uuid.UUID] | None] = (
            [None] if referrer_ids is None else chunked(referrer_ids)
        )
        for batch in batches:
            query = self.customers_repo.select(*columns).where(
                Customer.deleted_at.is_null(), Customer.referred_by_id.is_not_null()
            )
            if batch is not None:
                query = query.where(Customer.referred_by_id.is_in(batch))
            rows.extend(await query)
        return rows

    async def message_statuses(self, cause_keys: Iterable[str]) -> dict[str, str]:
        """The status ("queued", "sent", "failed") of each message queued with one of
        `cause_keys` (see `queue_message`); keys never queued are absent."""
        found: dict[str, str] = {}
        for keys in chunked(dict.fromkeys(cause_keys)):
            rows = (
                await MessageRepository(self.ctx.tenant_id)
                .select(Message.cause_key, Message.status)
                .where(Message.cause_key.is_in(keys))
            )
            found.update({row["cause_key"]: row["status"] for row in rows})
        return found
