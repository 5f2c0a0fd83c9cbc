"""The education plugin's daily care job at injected moments, run in its own process (its
own database engine), printing JSON.

Two tenants, in Asia/Shanghai and America/Los_Angeles, each with a key student born on
15 March, a general one born on 15 March and a key one born on 29 February; the job runs
at its default time, 08:00, at 2026-03-15T00:00Z — 08:00 on the 15th in Shanghai, still
17:00 on the 14th in Los Angeles — twice, then at 08:00 on the 15th in Los Angeles, on
1 October (Shanghai: National Day) and on 28 February 2027.
Usage: python -m tests.education.care_scenario  (PATRON_DATABASE_URL set).
"""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any

import msgspec

from cli.runtime import migrate
from core import db
from core.crypto import FieldCipher
from core.domain.customers.schemas import ConsentCreate, CustomerCreate
from core.domain.customers.service import CustomerService
from core.domain.payments.schemas import PaymentCreate, PaymentKind
from core.domain.payments.service import PaymentService
from core.domain.tasks.repository import TaskRepository
from core.messaging.repository import MessageRepository
from core.plugins.context import PluginContext
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from core.settings import Settings
from plugins.education import care, hooks, reports, students
from plugins.education.config import Tier
from plugins.education.plugin import EDUCATION
from plugins.education.repository import ServiceLogRepository
from plugins.education.schemas import StudentIn
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
from tenants.schemas import SignupIn
from tests.support.in_process import drain

ZONES = {"shanghai": "Asia/Shanghai", "la": "America/Los_Angeles"}
# (name, phone, birthday, tier, marketing consent: granted / withdrawn)
PEOPLE = (
    ("重点甲", "13800000001", datetime.date(1990, 3, 15), Tier.key, "granted"),
    ("普通乙", "13800000002", datetime.date(1991, 3, 15), None, "granted"),
    ("闰日丙", "13800000003", datetime.date(1992, 2, 29), Tier.key, "granted"),
    ("撤回丁", "13800000004", datetime.date(1993, 7, 1), None, "withdrawn"),
)
MOMENTS = {
    "birthday": "2026-03-15T00:00:00+00:00",
    "la_birthday": "2026-03-15T15:00:00+00:00",
    "qingming": "2026-04-05T00:00:00+00:00",
    "teachers_day": "2026-09-10T00:00:00+00:00",
    "national_day": "2026-10-01T00:00:00+00:00",
    "chuxi": "2027-02-05T00:00:00+00:00",
    "spring_festival": "2027-02-06T00:00:00+00:00",
    "leap_birthday": "2027-02-28T00:00:00+00:00",
}


async def tenant_ctx(host: PluginHost, slug: str) -> PluginContext:
    """The tenant's owner, bound to the education plugin (what its jobs receive)."""
    await create_tenant(
        SignupIn(name=slug, slug=slug, admin_email=f"o@{slug}.example.com", timezone=ZONES[slug])
    )
    tenant = await tenant_by_slug(slug)
    owner = await owner_context(tenant)
    config = {"message_admin_id": str(owner.user_id)}
    await PluginService(owner, host).enable("education", config)
    owner = msgspec.structs.replace(
        await owner_context(await tenant_by_slug(slug)),
        plugins={"education": EDUCATION.parse_config(config)},
    )
    return host.bind(owner, "education")


async def snapshot(ctx: PluginContext) -> dict[str, Any]:
    async with db.tenant_transaction(ctx.tenant_id):
        tasks = await TaskRepository(ctx.tenant_id).select().order_by(TaskRepository.table.id)
        messages = await MessageRepository(ctx.tenant_id).select()
    care_kinds = {"birthday_gift", "birthday_check"}
    return {
        "tasks": [
            {
                "kind": t["kind"],
                "title": t["title"],
                "assignee": str(t["assignee_id"]),
                "due_at": t["due_at"].astimezone(datetime.UTC).isoformat(),
            }
            for t in tasks
            if t["kind"] in care_kinds
        ],
        "messages": sorted(m["body"] for m in messages if m["status"] != "blocked"),
        "blocked": sorted(
            (m["body"], m["purpose"], m["reason"]) for m in messages if m["status"] == "blocked"
        ),
    }


async def periodic(ctx: PluginContext, cipher: FieldCipher) -> dict[str, Any]:
    """A payment whose event was never delivered is still taken into account by the periodic
    re-evaluation, which runs once per period however often its monthly tick fires."""
    customer = await CustomerService(ctx.tenant, cipher).create(CustomerCreate(name="周期"))
    await students.update_profile(ctx, customer.id, StudentIn(position="senior"))
    await PaymentService(ctx.tenant).record(
        PaymentCreate(customer_id=customer.id, amount=800000, kind=PaymentKind.payment)
    )
    before = (await students.get_student(ctx, customer.id)).tier
    await hooks.periodic_reevaluation(ctx)
    await hooks.periodic_reevaluation(ctx)
    async with db.tenant_transaction(ctx.tenant_id):
        runs = (
            await ServiceLogRepository(ctx.tenant_id)
            .select()
            .where(ServiceLogRepository.table.service == "reevaluation")
        )
    after = await students.get_student(ctx, customer.id)
    return {"before": before, "after": after.tier, "runs": len(runs)}


async def main() -> dict[str, Any]:
    await db.start()
    await migrate()
    host = PluginHost(discover(["education"]))
    outcome: dict[str, Any] = {}
    cipher = FieldCipher(Settings.from_env().secret_key)
    contexts = {slug: await tenant_ctx(host, slug) for slug in ZONES}
    for ctx in contexts.values():
        for name, phone, birthday, tier, consent in PEOPLE:
            customers = CustomerService(ctx.tenant, cipher)
            customer = await customers.create(
                CustomerCreate(name=name, phone=phone, birthday=birthday)
            )
            granted = await customers.grant_consent(customer.id, ConsentCreate(purpose="marketing"))
            if consent == "withdrawn":
                await customers.withdraw_consent(customer.id, granted.id)
            if tier is not None:
                await students.set_override(ctx, customer.id, tier, "scenario")
            else:  # a student (a profile) of the computed tier, general
                await students.update_profile(ctx, customer.id, StudentIn(intent="low"))
    await drain(host)
    for label, moment in MOMENTS.items():
        now = datetime.datetime.fromisoformat(moment)
        for ctx in contexts.values():
            await care.daily_care(ctx, now=now)
            await care.daily_care(ctx, now=now)  # a job runs at least once: maybe twice
        await drain(host)
        outcome[label] = {slug: await snapshot(ctx) for slug, ctx in contexts.items()}
        outcome[label]["owner"] = str(contexts["shanghai"].user_id)
    outcome["periodic"] = await periodic(contexts["shanghai"], cipher)
    for month in ("2026-03", "2026-10"):
        report = await reports.greetings_report(contexts["shanghai"], month)
        outcome[f"report {month}"] = msgspec.to_builtins(report)
    await db.stop()
    return outcome


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False))
