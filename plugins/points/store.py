"""The points plugin's queries, always within the caller's tenant, and the one way a ledger
posting is written: `post` loads a customer's book under the account's row lock, applies
one rule of `plugins.points.ledger` and writes the entries, the lots and the stored balance
in the same transaction."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from core import sdk
from plugins.points import ledger
from plugins.points.tables import Account, Allocation, Entry, Lot, Redemption, Reward


class AccountRepository(sdk.TenantRepository[Account]):
    table = Account

    async def of(self, customer_id: uuid.UUID) -> dict | None:
        # `first_by`: a statement prepared once, as this is the customer section's read.
        return await self.first_by(customer_id=customer_id)

    async def locked(self, customer_id: uuid.UUID) -> dict:
        """The customer's account, made if missing, locked until commit."""
        query = self.select().where(Account.customer_id == customer_id)
        row = await self.locking(query).first()
        if row is not None:
            return row
        now = sdk.utcnow()
        # A concurrent first posting may make the same account: the unique index keeps one.
        await self.insert_many(
            [
                {
                    "customer_id": customer_id,
                    "balance": 0,
                    "owed": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
            skip_existing=True,
        )
        row = await self.locking(self.select().where(Account.customer_id == customer_id)).first()
        assert row is not None
        return row


class EntryRepository(sdk.TenantRepository[Entry]):
    table = Entry

    async def write(self, sql: str, statement: _Statement) -> None:
        """Run a posting's statement (PostgreSQL), built by `_write_postgres` for this
        tenant: every row it inserts is the tenant's, every update is filtered by it."""
        assert statement.tenant_id == self.tenant_id
        await self.table.raw(sql, *statement.args)

    async def posted(self, cause: str) -> bool:
        return await self.select(Entry.id).where(Entry.cause == cause).first() is not None

    async def totals(self, customer_id: uuid.UUID) -> dict[tuple[str, str], int]:
        rows = await self.select(Entry.kind, Entry.origin, Entry.points).where(
            Entry.customer_id == customer_id
        )
        return _grouped(rows)

    async def totals_between(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> dict[tuple[str, str], int]:
        rows = await self.select(Entry.kind, Entry.origin, Entry.points).where(
            Entry.occurred_at >= start, Entry.occurred_at < end
        )
        return _grouped(rows)

    async def sum_before(self, end: datetime.datetime) -> int:
        rows = await self.select(Entry.points).where(Entry.occurred_at < end)
        return sum(row["points"] for row in rows)


def _grouped(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["kind"], row["origin"])
        found[key] = found.get(key, 0) + row["points"]
    return found


class LotRepository(sdk.TenantRepository[Lot]):
    table = Lot

    async def of_book(self, customer_id: uuid.UUID, also: Iterable[uuid.UUID] = ()) -> list[dict]:
        """The customer's live lots, and the lots `also` names (whatever is left of them)."""
        live = (Lot.remaining > 0) & (Lot.expired == False)  # noqa: E712 - SQL
        wanted = list(also)
        where = (live | Lot.id.is_in(wanted)) if wanted else live
        return await self.select().where(Lot.customer_id == customer_id, where)

    async def of_payment(self, payment_id: uuid.UUID) -> dict | None:
        return await self.select().where(Lot.payment_id == payment_id).first()

    async def due(self, now: datetime.datetime, limit: int = 5000) -> list[dict]:
        """Lots past their expiry that have not been expired yet."""
        return await (
            self.select(Lot.id, Lot.customer_id)
            .where(Lot.expired == False, Lot.expires_at <= now)  # noqa: E712 - SQL
            .limit(limit)
        )


class RewardRepository(sdk.TenantRepository[Reward]):
    table = Reward


class RedemptionRepository(sdk.TenantRepository[Redemption]):
    table = Redemption

    async def catalogue_between(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> list[dict]:
        return await self.select(Redemption.reward_id, Redemption.points).where(
            Redemption.reward_id.is_not_null(),
            Redemption.status == "active",
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )


class AllocationRepository(sdk.TenantRepository[Allocation]):
    table = Allocation

    async def shown(self, redemption_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
        """Each redemption's allocations with their lots' expiry, soonest-expiring first."""
        found: dict[uuid.UUID, list[dict]] = {}
        lots = LotRepository(self.tenant_id)
        for batch in sdk.chunked(redemption_ids):
            rows = await self.select().where(Allocation.redemption_id.is_in(batch))
            expiry = {}
            for lot_batch in sdk.chunked({row["lot_id"] for row in rows}):
                for lot in await lots.select(Lot.id, Lot.expires_at).where(Lot.id.is_in(lot_batch)):
                    expiry[lot["id"]] = lot["expires_at"]
            for row in rows:
                found.setdefault(row["redemption_id"], []).append(
                    {
                        "lot_id": row["lot_id"],
                        "points": row["points"],
                        "expires_at": expiry.get(row["lot_id"]),
                    }
                )
        for shown in found.values():
            _in_spending_order(shown)
        return found

    async def of(self, redemption_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
        rows = await self.select(Allocation.lot_id, Allocation.points).where(
            Allocation.redemption_id == redemption_id
        )
        return [(row["lot_id"], row["points"]) for row in rows]


# -- posting --------------------------------------------------------------------------------
def _lot_of(row: dict[str, Any]) -> ledger.Lot:
    return ledger.Lot(
        id=row["id"],
        earned_at=row["earned_at"],  # aware, as every repository row's timestamps
        expires_at=row["expires_at"],
        points=row["points"],
        remaining=row["remaining"],
        expired=bool(row["expired"]),
    )


class Posted:
    """What `post` wrote: the posting, the ids of its entries, the account's balance after
    it, and the expiry of each lot it read (as stored), so that a caller can show its
    allocations without reading them back."""

    def __init__(
        self,
        posting: ledger.Posting,
        entry_ids: list[uuid.UUID],
        balance: int,
        expiry: dict[uuid.UUID, Any] | None = None,
    ) -> None:
        self.posting = posting
        self.entry_ids = entry_ids
        self.balance = balance
        self.expiry = expiry or {}

    def shown(self, allocations: Iterable[tuple[uuid.UUID, int]]) -> list[dict]:
        """`allocations` (of lots this posting read) as `AllocationRepository.shown` shows
        them: with their lots' expiry, in spending order."""
        return _in_spending_order(
            [
                {"lot_id": lot_id, "points": points, "expires_at": self.expiry.get(lot_id)}
                for lot_id, points in allocations
            ]
        )


def _in_spending_order(shown: list[dict]) -> list[dict]:
    shown.sort(key=lambda a: (a["expires_at"] is None, str(a["expires_at"]), a["lot_id"]))
    return shown


async def post(
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    policy: str,
    rule: Callable[[ledger.Book], ledger.Posting],
    *,
    occurred_at: datetime.datetime,
    lots: Iterable[uuid.UUID] = (),
    reason: str | None = None,
    created_by: uuid.UUID | None = None,
    redemption_id: uuid.UUID | None = None,
    lot_extra: dict[str, Any] | None = None,
    account: dict[str, Any] | None = None,
    load_lots: bool = True,
    redemption: dict[str, Any] | None = None,
) -> Posted:
    """Apply `rule` to the customer's book and write the result. Call inside a write
    `tenant_transaction`; the account row stays locked until it commits. `ledger.Short`
    from the rule leaves everything unchanged. `account`: the row, when the caller locked it
    already; `load_lots=False` for a rule that touches no existing lot (an earning);
    `redemption`: a redemption's row, written with the posting.

    On PostgreSQL everything is written in one statement (one round trip), elsewhere one
    statement per table."""
    accounts, lot_rows = AccountRepository(tenant_id), LotRepository(tenant_id)
    if account is None:
        account = await accounts.locked(customer_id)
    rows = await lot_rows.of_book(customer_id, lots) if load_lots else []
    found = [_lot_of(row) for row in rows]
    book = ledger.Book(
        balance=account["balance"],
        owed=account["owed"],
        lots={lot.id: lot for lot in found},
        policy=policy,
        new_id=sdk.uuid7,
    )
    before = {lot.id: (lot.remaining, lot.expired) for lot in found}
    posting = rule(book)

    entry_ids = [sdk.uuid7() for _ in posting.entries]
    entries = [
        {
            "id": entry_id,
            "customer_id": customer_id,
            "kind": entry.kind,
            "points": entry.points,
            "cause": entry.cause,
            "origin": entry.origin,
            "reason": reason,
            "redemption_id": redemption_id,
            "created_by": created_by,
            "occurred_at": occurred_at,
        }
        for entry_id, entry in zip(entry_ids, posting.entries, strict=True)
    ]
    new_lots = []
    if posting.new_lot is not None:
        lot = posting.new_lot
        new_lots.append(
            {
                "id": lot.id,
                "customer_id": customer_id,
                "entry_id": entry_ids[0],
                "points": lot.points,
                "remaining": lot.remaining,
                "earned_at": lot.earned_at,
                "expires_at": lot.expires_at,
                "expired": lot.expired,
                **(lot_extra or {}),
            }
        )
    changed = [
        (lot.id, lot.remaining, lot.expired)
        for lot in found
        if before[lot.id] != (lot.remaining, lot.expired)
    ]
    allocations = (
        [
            {"redemption_id": redemption_id, "lot_id": lot_id, "points": points}
            for lot_id, points in posting.allocations
        ]
        if redemption_id is not None
        else []
    )
    balance = None
    if book.balance != account["balance"] or book.owed != account["owed"]:
        balance = (account["id"], book.balance, book.owed)
    write = _write_postgres if _is_postgres() else _write_each
    await write(
        tenant_id,
        entries=entries,
        new_lots=new_lots,
        changed=changed,
        allocations=allocations,
        balance=balance,
        redemptions=[redemption] if redemption is not None else [],
    )
    return Posted(posting, entry_ids, book.balance, {row["id"]: row["expires_at"] for row in rows})


def _is_postgres() -> bool:
    return bool(Lot._meta.db.engine_type == "postgres")


async def _write_each(
    tenant_id: uuid.UUID,
    *,
    entries: list[dict[str, Any]],
    new_lots: list[dict[str, Any]],
    changed: list[tuple[uuid.UUID, int, bool]],
    allocations: list[dict[str, Any]],
    balance: tuple[uuid.UUID, int, int] | None,
    redemptions: list[dict[str, Any]],
) -> None:
    """A posting's writes, one statement each (SQLite)."""
    if entries:
        await EntryRepository(tenant_id).insert_many(entries)
    lot_rows = LotRepository(tenant_id)
    if new_lots:
        await lot_rows.insert_many(new_lots)
    for lot_id, left, expired in changed:
        await lot_rows.update_where({Lot.remaining: left, Lot.expired: expired}).where(
            Lot.id == lot_id
        )
    if allocations:
        await AllocationRepository(tenant_id).insert_many(allocations)
    if redemptions:
        await RedemptionRepository(tenant_id).insert_many(redemptions)
    if balance is not None:
        account_id, points, owed = balance
        await (
            AccountRepository(tenant_id)
            .update_where(
                {Account.balance: points, Account.owed: owed, Account.updated_at: sdk.utcnow()}
            )
            .where(Account.id == account_id)
        )


class _Statement:
    """One SQL statement under construction: `{}` placeholders and their values, in the
    order they appear in the text (build the parts in that order)."""

    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.tenant_id = tenant_id
        self.args: list[Any] = []

    def tenant(self) -> str:
        return self.arg(self.tenant_id, "uuid")

    def arg(self, value: Any, cast: str) -> str:
        self.args.append(value)
        return "{}::" + cast

    def insert(self, table: type[sdk.TenantTable], rows: list[dict[str, Any]]) -> str:
        """`INSERT … SELECT … FROM unnest(…)`: each column as one array (a column a row
        leaves out takes the column's default)."""
        tenant_id = self.tenant_id
        names, arrays = [], []
        for column in table._meta.columns:
            name = column._meta.name
            if name == "tenant_id":
                values = [tenant_id] * len(rows)
            elif name == "id":
                values = [row.get("id") or sdk.uuid7() for row in rows]
            else:
                default = column.get_default_value()
                values = [row.get(name, default) for row in rows]
            names.append(f'"{column._meta.db_column_name}"')
            arrays.append(self.arg(values, column.column_type.split("(")[0] + "[]"))
        return (
            f'INSERT INTO "{table._meta.tablename}" ({", ".join(names)}) '
            f"SELECT * FROM unnest({', '.join(arrays)})"
        )


async def _write_postgres(
    tenant_id: uuid.UUID,
    *,
    entries: list[dict[str, Any]],
    new_lots: list[dict[str, Any]],
    changed: list[tuple[uuid.UUID, int, bool]],
    allocations: list[dict[str, Any]],
    balance: tuple[uuid.UUID, int, int] | None,
    redemptions: list[dict[str, Any]],
) -> None:
    """A posting's writes in one statement, one round trip (PostgreSQL): each insert and
    update a data-modifying `WITH` part (all run, on distinct rows). A clash of causes is
    raised as `sdk.UniqueViolation`, as the repositories raise it."""
    statement = _Statement(tenant_id)
    parts = []
    if entries:
        parts.append(statement.insert(Entry, entries))
    if new_lots:
        parts.append(statement.insert(Lot, new_lots))
    if changed:
        ids, remaining, expired = (list(column) for column in zip(*changed, strict=True))
        parts.append(
            'UPDATE "points_lots" AS lot SET "remaining" = v.remaining, "expired" = v.expired '
            f"FROM unnest({statement.arg(ids, 'uuid[]')}, {statement.arg(remaining, 'bigint[]')}, "
            f"{statement.arg(expired, 'boolean[]')}) AS v(id, remaining, expired) "
            f'WHERE lot."tenant_id" = {statement.tenant()} AND lot."id" = v.id'
        )
    if allocations:
        parts.append(statement.insert(Allocation, allocations))
    if redemptions:
        parts.append(statement.insert(Redemption, redemptions))
    if balance is not None:
        account_id, points, owed = balance
        parts.append(
            f'UPDATE "points_accounts" SET "balance" = {statement.arg(points, "bigint")}, '
            f'"owed" = {statement.arg(owed, "bigint")}, '
            f'"updated_at" = {statement.arg(sdk.utcnow(), "timestamptz")} '
            f'WHERE "tenant_id" = {statement.tenant()} '
            f'AND "id" = {statement.arg(account_id, "uuid")}'
        )
    if not parts:
        return
    *first, last = parts
    sql = "".join(
        ("WITH " if n == 0 else ", ") + f"w{n} AS ({part})" for n, part in enumerate(first)
    )
    try:
        await EntryRepository(tenant_id).write(f"{sql} {last}" if first else last, statement)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == "23505":  # unique_violation
            raise sdk.UniqueViolation() from exc
        raise
