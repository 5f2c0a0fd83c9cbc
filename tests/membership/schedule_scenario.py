"""The membership plugin's daily re-evaluation at injected moments, run in its own process
(its own database engine), printing JSON.

Three tenants in Asia/Shanghai with the ladder of tests/membership/support.py: `plain`, `grace`
(30 days' downgrade grace) and `floor` (silver never downgrades). In each a customer pays
600 twice on 10 January 2026 (Shanghai) and is re-evaluated by the daily job on 5 January
(base, a first level), 1 February (silver), at 23:59:59 on 9 January 2027 (still silver: the
purchases count for 12 months), at 00:00 on 10 January 2027 (they have left the window), and
30 days later less a second, and exactly. Then a referral is delivered twice. Before any
event is delivered, a customer not evaluated yet is read (section, member) without writing.
Usage: python -m tests.membership.schedule_scenario  (PATRON_DATABASE_URL set).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from typing import Any

import msgspec

from cli.runtime import migrate
from core import db, sdk
from core.crypto import FieldCipher
from core.domain.customers.schemas import CustomerCreate
from core.domain.customers.service import CustomerService
from core.domain.payments.schemas import PaymentCreate, PaymentKind
from core.domain.payments.service import PaymentService
from core.domain.tasks.repository import TaskRepository
from core.domain.timeline.service import TimelineRepository
from core.events import OutboxRepository
from core.plugins.context import PluginContext
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from core.settings import Settings
from plugins.membership import hooks, members, reactions
from plugins.membership.plugin import MEMBERSHIP
from plugins.membership.repository import LevelChangeRepository, MemberRepository
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
from tenants.schemas import SignupIn
from tests.membership.support import LADDER
from tests.support.in_process import drain

FLOOR = [dict(level) for level in LADDER]
FLOOR[1]["never_downgrade"] = True
CONFIGS: dict[str, dict[str, Any]] = {
    "plain": {"levels": LADDER, "referral_rewards": {"base": {"points": 10, "gift_task": "礼品"}}},
    "grace": {"levels": LADDER, "downgrade_grace_days": 30},
    "floor": {"levels": FLOOR},
}
LEFT = datetime.datetime.fromisoformat("2027-01-10T00:00:00+08:00")
MOMENTS = {
    "before": datetime.datetime.fromisoformat("2026-01-05T12:00:00+08:00"),
    "after": datetime.datetime.fromisoformat("2026-02-01T12:00:00+08:00"),
    "last_second": LEFT - datetime.timedelta(seconds=1),
    "left": LEFT,
    "grace_last_second": LEFT + datetime.timedelta(days=30, seconds=-1),
    "grace_over": LEFT + datetime.timedelta(days=30),
}


async def tenant_ctx(host: PluginHost, slug: str) -> PluginContext:
    """The tenant's owner, bound to the membership plugin (what its jobs receive)."""
    await create_tenant(
        SignupIn(
            name=slug, slug=slug, admin_email=f"o@{slug}.example.com", timezone="Asia/Shanghai"
        )
    )
    tenant = await tenant_by_slug(slug)
    owner = await owner_context(tenant)
    await PluginService(owner, host).enable("membership", CONFIGS[slug])
    owner = msgspec.structs.replace(
        await owner_context(await tenant_by_slug(slug)),
        plugins={"membership": MEMBERSHIP.parse_config(CONFIGS[slug])},
    )
    return host.bind(owner, "membership")


async def events(ctx: PluginContext, kind: str) -> list[dict[str, Any]]:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = (
            await OutboxRepository(ctx.tenant_id)
            .select()
            .where(OutboxRepository.table.type == kind)
            .order_by(OutboxRepository.table.id)
        )
    payloads = [row["payload"] for row in rows]
    return [json.loads(p) if isinstance(p, str) else p for p in payloads]


async def level_of(ctx: PluginContext, customer_id: uuid.UUID) -> dict[str, Any]:
    async with db.tenant_transaction(ctx.tenant_id):
        row = await MemberRepository(ctx.tenant_id).of(customer_id)
    assert row is not None
    return {
        "level": row["level"],
        "below_since": row["below_since"] and row["below_since"].isoformat(),
    }


async def timeline_kinds(ctx: PluginContext, customer_id: uuid.UUID) -> list[str]:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = (
            await TimelineRepository(ctx.tenant_id)
            .select()
            .where(TimelineRepository.table.customer_id == customer_id)
        )
    return [row["kind"] for row in rows]


async def referral(ctx: PluginContext, host: PluginHost, cipher: FieldCipher) -> dict[str, Any]:
    """A referral delivered twice (at least once) is rewarded once."""
    service = CustomerService(ctx, cipher)
    referrer = await service.create(CustomerCreate(name="推荐人"))
    referred = await service.create(CustomerCreate(name="朋友", referred_by_id=referrer.id))
    await drain(host)
    [payload] = [
        e for e in await events(ctx, "customer.created") if e["customer"]["id"] == str(referred.id)
    ]
    again = msgspec.convert(payload, sdk.CustomerCreated, strict=False)
    await reactions.on_customer_created(ctx, again)  # delivered again
    async with db.tenant_transaction(ctx.tenant_id):
        tasks = (
            await TaskRepository(ctx.tenant_id)
            .select()
            .where(TaskRepository.table.customer_id == referrer.id)
        )
    rewarded = await events(ctx, "membership.referral_rewarded")
    return {
        "events": rewarded,
        "referrer": str(referrer.id),
        "referred": str(referred.id),
        "tasks": [t["kind"] for t in tasks],
    }


async def rows(ctx: PluginContext) -> dict[str, int]:
    """How many rows the tenant has where evaluating a member would write."""
    found = {}
    async with db.tenant_transaction(ctx.tenant_id):
        for name, repo in {
            "members": MemberRepository(ctx.tenant_id),
            "level_changes": LevelChangeRepository(ctx.tenant_id),
            "outbox": OutboxRepository(ctx.tenant_id),
            "timeline": TimelineRepository(ctx.tenant_id),
        }.items():
            found[name] = len(await repo.select(repo.table.id))
    return found


async def read_only(ctx: PluginContext, cipher: FieldCipher) -> dict[str, Any]:
    """A customer with two payments whose events are not delivered yet: the section and the
    member read the level the rule gives, and write nothing."""
    someone = await CustomerService(ctx, cipher).create(CustomerCreate(name="新客"))
    for _ in range(2):
        await PaymentService(ctx).record(
            PaymentCreate(amount=600, kind=PaymentKind.payment, customer_id=someone.id)
        )
    before = await rows(ctx)
    section = await hooks.patron_customer_section(ctx, {"id": str(someone.id)})
    member = await members.get_member(ctx, someone.id)
    return {
        "section": section,
        "member": msgspec.to_builtins(member),
        "rows_before": before,
        "rows_after": await rows(ctx),
    }


async def main() -> dict[str, Any]:
    await db.start()
    await migrate()
    host = PluginHost(discover(["membership"]))
    cipher = FieldCipher(Settings.from_env().secret_key)
    outcome: dict[str, Any] = {}
    contexts = {slug: await tenant_ctx(host, slug) for slug in CONFIGS}
    customers: dict[str, uuid.UUID] = {}
    await drain(host)
    for slug, ctx in contexts.items():
        buyer = await CustomerService(ctx, cipher).create(CustomerCreate(name="会员"))
        customers[slug] = buyer.id
    outcome["read_only"] = await read_only(contexts["plain"], cipher)
    # The events are not delivered: the daily job alone decides, at each moment.
    outcome["before"] = {}
    for slug, ctx in contexts.items():
        await reactions.daily_reevaluation(ctx, now=MOMENTS["before"])
        outcome["before"][slug] = await level_of(ctx, customers[slug])
        for hour in (10, 11):
            await PaymentService(ctx).record(
                PaymentCreate(
                    amount=600,
                    kind=PaymentKind.payment,
                    occurred_at=datetime.datetime(
                        2026, 1, 10, hour, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
                    ),
                    customer_id=customers[slug],
                )
            )
    for label, now in list(MOMENTS.items())[1:]:
        outcome[label] = {}
        for slug, ctx in contexts.items():
            await reactions.daily_reevaluation(ctx, now=now)
            await reactions.daily_reevaluation(ctx, now=now)  # maybe twice
            outcome[label][slug] = await level_of(ctx, customers[slug])
    for slug, ctx in contexts.items():
        outcome[f"events {slug}"] = [
            (e["old"], e["new"])
            for e in await events(ctx, "membership.level_changed")
            if e["customer_id"] == str(customers[slug])
        ]
        outcome[f"timeline {slug}"] = (await timeline_kinds(ctx, customers[slug])).count(
            "membership.level_changed"
        )
    outcome["referral"] = await referral(contexts["plain"], host, cipher)
    return outcome


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), default=str))
