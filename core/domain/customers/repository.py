"""Customer queries, always within one tenant."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.custom_types import Combinable

from core.contactinfo import phone_digits
from core.db import fetch_postgres, is_postgres
from core.domain.customers.tables import Consent, Customer, CustomerTag
from core.errors import NotFound
from core.tenancy.repository import TenantRepository

MIN_PHONE_DIGITS = 3
_TAGS_OF = (
    'SELECT "customer_id", "tag" FROM "customer_tags" '
    'WHERE "tenant_id" = {} AND "customer_id" = ANY({}::uuid[]) ORDER BY "tag"'
)


# The tags as one more column of the one-row statement of `_get_by_sql`.
_TAGS_COLUMN = (
    'ARRAY(SELECT t."tag" FROM "customer_tags" t WHERE t."tenant_id" = "customers"."tenant_id" '
    'AND t."customer_id" = "customers"."id" ORDER BY t."tag") AS "_tags"'
)


class _ILikeEscaped(ComparisonOperator):
    template = "{name} ILIKE {value} ESCAPE '\\'"


class _LikeEscaped(ComparisonOperator):
    template = "{name} LIKE {value} ESCAPE '\\'"


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern: `%`, `_` and the escape escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Column, text: str) -> Where:
    """Case-insensitive "`column` contains `text`", with `text` taken literally."""
    postgres = column._meta.engine_type in ("postgres", "cockroach")
    operator = _ILikeEscaped if postgres else _LikeEscaped  # SQLite's LIKE ignores ASCII case
    return Where(column=column, value=f"%{escape_like(text)}%", operator=operator)


class CustomerRepository(TenantRepository[Customer]):
    table = Customer

    async def get_active(self, customer_id: uuid.UUID | None) -> dict | None:
        if customer_id is not None and is_postgres():
            return await self._get_by_sql(customer_id, 'AND "deleted_at" IS NULL')
        return await self.get(customer_id, Customer.deleted_at.is_null())

    async def require_active(self, customer_id: uuid.UUID | None, *, lock: bool = False) -> dict:
        """The live (not deleted) customer, else 404 "No such customer." (another tenant's
        and a deleted one alike); `lock`: locked until commit on PostgreSQL, so concurrent
        changes of it queue up (SQLite serialises writers)."""
        if lock:
            row = await self.get_for_update(customer_id, Customer.deleted_at.is_null())
        else:
            row = await self.get_active(customer_id)
        if row is None:
            raise NotFound("No such customer.")
        return row

    async def get_active_with_tags(
        self, customer_id: uuid.UUID | None
    ) -> tuple[dict | None, list[str]]:
        """The customer (not deleted) and its tags; one statement on PostgreSQL."""
        if customer_id is None:
            return None, []
        if is_postgres():
            row = await self._get_by_sql(customer_id, 'AND "deleted_at" IS NULL', _TAGS_COLUMN)
            return (None, []) if row is None else (row, list(row.pop("_tags")))
        row = await self.get_active(customer_id)
        if row is None:
            return None, []
        tags = await CustomerTagRepository(self.tenant_id).tags_of([row["id"]])
        return row, tags.get(row["id"], [])

    async def get_deleted(self, customer_id: uuid.UUID | None) -> dict | None:
        return await self.get(customer_id, Customer.deleted_at.is_not_null())

    def search(self, q: str, *, whole_phone: str | None = None) -> Combinable:
        """Name or e-mail containing `q` (literally: `%` and `_` are no wildcards), or the
        phone: containing the digits of `q` when `whole_phone` is None, else only equal to
        `whole_phone` (the whole normalised number, for callers who see phones masked: a
        digit-by-digit search would unmask them)."""
        condition = contains(Customer.name, q) | contains(Customer.email, q)
        if whole_phone is not None:
            return condition | (Customer.phone == whole_phone)
        digits = phone_digits(q)
        if len(digits) >= MIN_PHONE_DIGITS:
            condition = condition | contains(Customer.phone, digits)
        return condition


class CustomerTagRepository(TenantRepository[CustomerTag]):
    table = CustomerTag

    async def tags_of(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        ids = list(customer_ids)
        found: dict[uuid.UUID, list[str]] = defaultdict(list)
        if ids and is_postgres():
            for row in await fetch_postgres(_TAGS_OF, self.tenant_id, ids):
                found[row["customer_id"]].append(row["tag"])
        elif ids:
            rows = await (
                self.select(CustomerTag.customer_id, CustomerTag.tag)
                .where(CustomerTag.customer_id.is_in(ids))
                .order_by(CustomerTag.tag)
            )
            for row in rows:
                found[row["customer_id"]].append(row["tag"])
        return found

    async def replace(self, customer_id: uuid.UUID, tags: Iterable[str]) -> None:
        await self.delete_where().where(CustomerTag.customer_id == customer_id)
        await self.insert_many(
            [{"customer_id": customer_id, "tag": tag} for tag in dict.fromkeys(tags)]
        )

    def customers_tagged(self, tag: str) -> Where:
        return Customer.id.is_in(self.select(CustomerTag.customer_id).where(CustomerTag.tag == tag))


class ConsentRepository(TenantRepository[Consent]):
    table = Consent
