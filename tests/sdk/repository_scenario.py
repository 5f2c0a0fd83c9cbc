"""`TenantRepository` against a real database, in its own process, printing JSON: keyset
pages over keys of every type, unique-key clashes as `sdk.UniqueViolation`, aggregates as
one Python type. Usage: python -m tests.sdk.repository_scenario (PATRON_DATABASE_URL set).
"""

from __future__ import annotations

import asyncio
import datetime
import json
from types import SimpleNamespace
from typing import Any

from cli.runtime import migrate
from core import db, sdk
from core.domain.customers.repository import CustomerRepository
from core.domain.customers.tables import Customer
from core.domain.payments.tables import Payment
from core.tenancy.tables import User
from tenants.provisioning import create_tenant, tenant_by_slug
from tenants.schemas import SignupIn


class Customers(sdk.TenantRepository[Customer]):
    table = Customer


class Payments(sdk.TenantRepository[Payment]):
    table = Payment


class Users(sdk.TenantRepository[User]):
    table = User


NOW = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)


async def _walk(repo: sdk.TenantRepository, column: Any, newest_first: bool) -> dict[str, Any]:
    """Every page of 2 over `column`, through encoded cursors as a client sends them."""
    seen, token, types = [], None, set()
    while True:
        async with db.tenant_transaction(repo.tenant_id):
            page = await repo.page(
                limit=2,
                cursor=sdk.Cursor.decode(token),
                order_column=column,
                newest_first=newest_first,
            )
        seen += [str(row["id"]) for row in page.items]
        if page.next_cursor is None:
            return {"ids": seen, "key_types": sorted(types)}
        token = page.next_cursor
        key = sdk.Cursor.decode(token).last_key  # type: ignore[union-attr]
        types.add(type(key).__name__)


async def _expected(repo: sdk.TenantRepository, column: Any, newest_first: bool) -> list[str]:
    async with db.tenant_transaction(repo.tenant_id):
        rows = await repo.select(repo.table.id, column)
    ordered = sorted(rows, key=lambda r: (r[column._meta.name], r["id"]), reverse=newest_first)
    return [str(row["id"]) for row in ordered]


async def main() -> dict[str, Any]:
    await db.start()
    await migrate()
    await create_tenant(SignupIn(name="Repo", slug="repo", admin_email="o@repo.example.com"))
    tenant_id = (await tenant_by_slug("repo"))["id"]  # type: ignore[index]
    customers, payments, users = Customers(tenant_id), Payments(tenant_id), Users(tenant_id)
    outcome: dict[str, Any] = {}

    # Ties on every key, so that the id must break them.
    birthdays = [datetime.date(2001, 5, d) for d in (3, 1, 3, 2, 1, 3, 2)]
    names = ["李娜", "Ann", "李娜", "Bob", "Ann", "zed", "Bob"]
    async with db.tenant_transaction(tenant_id, write=True):
        for i, (birthday, name) in enumerate(zip(birthdays, names, strict=True)):
            customer = await customers.insert(
                name=name, birthday=birthday, created_at=NOW, collected_at=NOW
            )
            await payments.insert(
                customer_id=customer["id"],
                kind="payment",
                amount=[500, 100, 500, 300, 100, 500, 300][i],
                currency="CNY",
                occurred_at=NOW + datetime.timedelta(hours=[2, 0, 2, 1, 0, 2, 1][i]),
                created_at=NOW,
            )
    pages = {}
    for label, repo, column in (
        ("date", customers, Customer.birthday),
        ("text", customers, Customer.name),
        ("int", payments, Payment.amount),
        ("datetime", payments, Payment.occurred_at),
        ("uuid", payments, Payment.customer_id),
    ):
        for newest_first in (False, True):
            walked = await _walk(repo, column, newest_first)
            pages[f"{label}/{'desc' if newest_first else 'asc'}"] = {
                "complete_and_in_order": walked["ids"]
                == await _expected(repo, column, newest_first),
                "key_types": walked["key_types"],
            }
    outcome["pages"] = pages

    clashes = []
    async with db.tenant_transaction(tenant_id, write=True):
        first = await users.insert(
            name="A", email="a@repo.example.com", role="agent", created_at=NOW
        )
        second = await users.insert(
            name="B", email="b@repo.example.com", role="agent", created_at=NOW
        )
    for attempt in ("insert", "update", "insert_many"):
        try:
            async with db.tenant_transaction(tenant_id, write=True):
                if attempt == "insert":
                    await users.insert(
                        name="A2", email="a@repo.example.com", role="agent", created_at=NOW
                    )
                elif attempt == "update":
                    await users.update(second["id"], {"email": first["email"]})
                else:
                    await users.insert_many(
                        [
                            {
                                "name": "A3",
                                "email": "a@repo.example.com",
                                "role": "agent",
                                "created_at": NOW,
                            }
                        ]
                    )
            clashes.append({"attempt": attempt, "raised": None})
        except sdk.UniqueViolation as exc:
            clashes.append(
                {
                    "attempt": attempt,
                    "raised": "UniqueViolation",
                    "conflict": isinstance(exc, sdk.Conflict),
                    "status": exc.status,
                    "columns": list(exc.columns),
                }
            )
    async with db.tenant_transaction(tenant_id, write=True):
        await users.insert_many(
            [{"name": "A4", "email": "a@repo.example.com", "role": "agent", "created_at": NOW}],
            skip_existing=True,
        )
        emails = sorted(row["email"] for row in await users.select(User.email))
    outcome["clashes"] = clashes
    outcome["emails_after_skip_existing"] = emails

    def typed(values: dict[str, Any]) -> dict[str, Any]:
        return {
            name: [
                type(value).__name__,
                value.isoformat() if hasattr(value, "isoformat") else value,
            ]
            for name, value in values.items()
        }

    async with db.tenant_transaction(tenant_id):
        everything = await payments.aggregate(
            n=sdk.Count(),
            total=sdk.Sum(Payment.amount),
            low=sdk.Min(Payment.amount),
            first=sdk.Min(Payment.occurred_at),
            last=sdk.Max(Payment.occurred_at),
            mean=sdk.Avg(Payment.amount),
        )
        nothing = await payments.aggregate(
            Payment.amount > 10_000,
            n=sdk.Count(),
            total=sdk.Sum(Payment.amount),
            last=sdk.Max(Payment.occurred_at),
        )
        youngest = await customers.aggregate(born=sdk.Max(Customer.birthday))
        by_amount = await payments.aggregate_by(
            Payment.amount, n=sdk.Count(), last=sdk.Max(Payment.occurred_at)
        )
    outcome["aggregates"] = {
        "everything": typed(everything),
        "nothing": typed(nothing),
        "youngest": typed(youngest),
        "by_amount": sorted(
            [row["amount"], *typed({"n": row["n"], "last": row["last"]}).values()]
            for row in by_amount
        ),
    }
    outcome["rows"] = await _rows(customers)
    outcome["require_customer"] = await _require_customer(customers)
    await db.stop()
    return outcome


async def _rows(customers: Customers) -> dict[str, Any]:
    """The types of a JSON column and a timestamp in every way the repository hands a row
    back, for a row written with the JSON as text and a naive (UTC) timestamp."""
    naive = NOW.replace(tzinfo=None)
    async with db.tenant_transaction(customers.tenant_id, write=True):
        inserted = await customers.insert(
            name="Rows", attributes='{"a": [1]}', created_at=naive, collected_at=naive
        )
        updated = await customers.update(inserted["id"], {"name": "Rows!"})
    cid = inserted["id"]
    async with db.tenant_transaction(customers.tenant_id):
        found = {
            "insert": inserted,
            "update": updated,
            "get": await customers.get(cid),
            "get_active": await CustomerRepository(customers.tenant_id).get_active(cid),
            "get_for_update": await customers.get_for_update(cid),
            "first_by": await customers.first_by(id=cid),
            "first_by_any": await customers.first_by(id=[cid]),
            "select": (await customers.select().where(Customer.id == cid))[0],
            "select_first": await customers.select().where(Customer.id == cid).first(),
            "select_columns": await customers.select(Customer.attributes, Customer.created_at)
            .where(Customer.id == cid)
            .first(),
            "page": (await customers.page(Customer.id == cid, limit=5, cursor=None)).items[0],
        }
        aliased = (
            await customers.select(Customer.attributes.as_alias("extra"))
            .where(Customer.id == cid)
            .first()
        )
    shapes = {
        way: {
            "attributes": [type(row["attributes"]).__name__, row["attributes"]],
            "created_at": [type(row["created_at"]).__name__, str(row["created_at"].tzinfo)],
        }
        for way, row in found.items()
    }
    shapes["select_aliased"] = {"attributes": [type(aliased["extra"]).__name__, aliased["extra"]]}
    return shapes


async def _require_customer(customers: Customers) -> dict[str, Any]:
    """`sdk.require_customer` for a live customer, another tenant's and a deleted one."""
    await create_tenant(SignupIn(name="Other", slug="other", admin_email="o@other.example.com"))
    other = Customers((await tenant_by_slug("other"))["id"])  # type: ignore[index]
    async with db.tenant_transaction(other.tenant_id, write=True):
        theirs = await other.insert(name="Theirs", created_at=NOW, collected_at=NOW)
    async with db.tenant_transaction(customers.tenant_id, write=True):
        live = await customers.insert(name="Live", created_at=NOW, collected_at=NOW)
        gone = await customers.insert(name="Gone", created_at=NOW, collected_at=NOW)
        await customers.update(gone["id"], {"deleted_at": NOW})
    ctx = SimpleNamespace(tenant_id=customers.tenant_id)  # what the check needs of a context
    found: dict[str, Any] = {}
    for label, customer_id in (
        ("live", live["id"]),
        ("other_tenant", theirs["id"]),
        ("deleted", gone["id"]),
    ):
        try:
            row = await sdk.require_customer(ctx, customer_id)
            found[label] = {"name": row["name"]}
        except sdk.NotFound as exc:
            found[label] = {"status": exc.status, "detail": exc.detail}
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
