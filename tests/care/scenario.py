"""The consent gate and the care plugin at injected moments, in their own process (their own
database engine), printing JSON.

Consent: a tenant on `opt_in` (the default) and one on `opt_out`; messages of both
purposes to customers with and without consent; a consent withdrawn while a message waits;
queued messages sent to a local HTTP gateway.

Care: tenants at UTC+14 (Pacific/Kiritimati) and UTC−11 (Pacific/Pago_Pago), each with
甲 (born 29 February 2000, consents), 乙 (born 10 September 1990, consents, no phone),
丙 (no consent); the `greetings` schedule runs twice at each moment.
Usage: python -m tests.care.scenario  (PATRON_DATABASE_URL set).
"""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any

import msgspec

from cli.runtime import migrate
from core import db, sdk
from core.crypto import FieldCipher
from core.domain.customers.schemas import ConsentCreate, CustomerCreate
from core.domain.customers.service import CustomerService
from core.domain.tasks.repository import TaskRepository
from core.messaging.repository import MessageRepository
from core.messaging.schemas import ChannelIn, ChannelKind
from core.messaging.service import ChannelService, MessageSender, deliver_message
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from core.settings import Settings
from plugins.care import broadcasts, callbacks, greetings, reactions, reports
from plugins.care.repository import RenewalRepository
from plugins.care.schemas import BroadcastIn
from plugins.care.tables import Renewal
from plugins.education import enrollments, students
from plugins.education.config import Intent, Tier
from plugins.education.schemas import EnrollmentIn, StudentIn
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug, update_tenant
from tenants.schemas import SignupIn, TenantPatch
from tests.support import loopback
from tests.support.in_process import drain

ZONES = {"kiritimati": "Pacific/Kiritimati", "pago": "Pacific/Pago_Pago"}
PEOPLE = (
    ("甲", "13800000001", datetime.date(2000, 2, 29), True, ["vip"]),
    ("乙", None, datetime.date(1990, 9, 10), True, ["vip"]),
    ("丙", "13800000003", datetime.date(1991, 1, 1), False, []),
)
# UTC instants; the comments give the local days.
MOMENTS = {
    # Kiritimati: 10 Sep 10:00 (Teachers' Day, 乙's birthday); Pago Pago: 9 Sep 09:00.
    "teachers_kiritimati": "2026-09-09T20:00:00+00:00",
    # Kiritimati: 11 Sep 10:00; Pago Pago: 10 Sep 09:00 (Teachers' Day, 乙's birthday).
    "teachers_pago": "2026-09-10T20:00:00+00:00",
    # Kiritimati 5 Apr 10:00 (Qingming 2026); Pago Pago 4 Apr 09:00.
    "qingming": "2026-04-04T20:00:00+00:00",
    # Kiritimati 5 Feb 2027 (除夕) 10:00.
    "chuxi": "2027-02-04T20:00:00+00:00",
    # Kiritimati 6 Feb 2027 (春节) 10:00; Pago Pago 5 Feb.
    "spring_festival": "2027-02-05T20:00:00+00:00",
    # Kiritimati 28 Feb 2027 10:00: 甲's birthday in a common year.
    "leap_2027": "2027-02-27T20:00:00+00:00",
    # Kiritimati 28 Feb 2028 10:00: not 甲's birthday (2028 has a 29th) ...
    "leap_2028_28": "2028-02-27T20:00:00+00:00",
    # ... 29 Feb 2028 10:00 is.
    "leap_2028_29": "2028-02-28T20:00:00+00:00",
}


class Gateway:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        gateway = self

        class Handler(loopback.QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                gateway.bodies.append(json.loads(self.rfile.read(length))["body"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = loopback.start(Handler)
        self.url = loopback.base_url(self.server) + "/sms"


async def tenant_ctx(
    host: PluginHost, slug: str, zone: str, care: dict | None, **others: dict
) -> Any:
    """The tenant's owner: bound to the care plugin (what its jobs receive) when it has
    enabled it with the config `care`; the plugins of `others` enabled too."""
    await create_tenant(
        SignupIn(name=slug, slug=slug, admin_email=f"o@{slug}.example.com", timezone=zone)
    )
    tenant = await tenant_by_slug(slug)
    owner = await owner_context(tenant)
    enabled = {**others, **({} if care is None else {"care": care})}
    for name, config in enabled.items():
        await PluginService(owner, host).enable(name, config)
    owner = msgspec.structs.replace(
        await owner_context(await tenant_by_slug(slug)),
        plugins={name: host.descriptors[name].parse_config(c) for name, c in enabled.items()},
    )
    return owner if care is None else host.bind(owner, "care")


async def messages(ctx: Any) -> list[dict[str, Any]]:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = await MessageRepository(ctx.tenant_id).select().order_by(MessageRepository.table.id)
    return [
        {
            "body": m["body"],
            "status": m["status"],
            "purpose": m["purpose"],
            "reason": m["reason"],
            "cause": m["cause_key"],
        }
        for m in rows
    ]


async def send_all(ctx: Any, cipher: FieldCipher) -> None:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = await MessageRepository(ctx.tenant_id).select(MessageRepository.table.id)
    for row in rows:
        await MessageSender(cipher, allow_private=True).send(ctx.tenant_id, row["id"])


async def consent_part(host: PluginHost, cipher: FieldCipher, gateway: Gateway) -> dict:
    out: dict[str, Any] = {}
    for slug, mode in (("optin", "opt_in"), ("optout", "opt_out")):
        ctx = await tenant_ctx(host, slug, "Asia/Shanghai", None)
        if mode == "opt_out":
            await update_tenant(ctx.tenant_id, TenantPatch(marketing_consent="opt_out"))
        await ChannelService(ctx, cipher, allow_private=True).configure(
            ChannelKind.http, ChannelIn(config={"url": gateway.url})
        )
        people = CustomerService(ctx, cipher)
        ids = {}
        for name in ("none", "granted", "withdrawn_later", "withdrawn_before"):
            ids[name] = (await people.create(CustomerCreate(name=name, phone="13900000000"))).id
        granted = {
            name: await people.grant_consent(ids[name], ConsentCreate(purpose="marketing"))
            for name in ("granted", "withdrawn_later", "withdrawn_before")
        }
        service = await people.grant_consent(
            ids["withdrawn_before"], ConsentCreate(purpose="service")
        )
        await people.withdraw_consent(ids["withdrawn_before"], granted["withdrawn_before"].id)
        await people.withdraw_consent(ids["withdrawn_before"], service.id)
        for name, cid in ids.items():
            for purpose in ("marketing", "service"):
                await deliver_message(
                    ctx,
                    channel="http",
                    to="13900000000",
                    subject=None,
                    body=f"{slug}:{name}:{purpose}",
                    cause_key=f"test:{name}:{purpose}",
                    customer_id=cid,
                    purpose=purpose,
                )
        # Withdrawn while the marketing message waits (not sent yet): it is cancelled.
        await people.withdraw_consent(ids["withdrawn_later"], granted["withdrawn_later"].id)
        out[f"{slug} at once"] = {  # before any send: the withdrawal itself blocked it
            m["body"]: m["status"] for m in await messages(ctx) if "withdrawn_later" in m["body"]
        }
        await send_all(ctx, cipher)
        await send_all(ctx, cipher)  # a blocked message is never sent later
        out[slug] = {m["body"]: [m["status"], m["reason"]] for m in await messages(ctx)}
    out["gateway"] = sorted(gateway.bodies)
    return out


async def snapshot(ctx: Any) -> dict[str, Any]:
    found = await messages(ctx)
    async with db.tenant_transaction(ctx.tenant_id):
        tasks = await TaskRepository(ctx.tenant_id).select().order_by(TaskRepository.table.id)
    return {
        "queued": sorted(m["body"] for m in found if m["status"] == "queued"),
        "blocked": sorted(m["body"] for m in found if m["status"] == "blocked"),
        "tasks": sorted(t["title"] for t in tasks),
    }


async def care_part(host: PluginHost, cipher: FieldCipher) -> dict:
    config = {
        "send_at": "09:00",
        "callbacks": [{"name": "vip-call", "every_days": 14, "tag": "vip", "title": "回访"}],
    }
    contexts = {slug: await tenant_ctx(host, slug, zone, config) for slug, zone in ZONES.items()}
    customers = {}
    for slug, ctx in contexts.items():
        people = CustomerService(ctx.tenant, cipher)
        for name, phone, birthday, consents, tags in PEOPLE:
            customer = await people.create(
                CustomerCreate(name=name, phone=phone, birthday=birthday, tags=tags)
            )
            customers[(slug, name)] = customer.id
            if consents:
                await people.grant_consent(customer.id, ConsentCreate(purpose="marketing"))
    out: dict[str, Any] = {}
    kiri = contexts["kiritimati"]
    for label, moment in MOMENTS.items():
        now = datetime.datetime.fromisoformat(moment)
        for ctx in contexts.values():
            await greetings.run(ctx, now=now)
            await greetings.run(ctx, now=now)  # a job runs at least once: maybe twice
        await drain(host)
        out[label] = {slug: await snapshot(ctx) for slug, ctx in contexts.items()}
    out["report"] = msgspec.to_builtins(await reports.messages_report(kiri, "2026-09"))
    # Renewal notices: 30 days before, once, as a service message (丙 has no marketing
    # consent and still gets it).
    for name in ("甲", "丙"):
        await reactions.remember_renewal(
            kiri,
            customers[("kiritimati", name)],
            datetime.date(2028, 4, 10),
            "宽带套餐",
        )
    for moment in ("2028-03-10T20:00:00+00:00", "2028-03-11T20:00:00+00:00"):
        await greetings.run(kiri, now=datetime.datetime.fromisoformat(moment))
    out["renewal"] = [m for m in await messages(kiri) if "宽带套餐" in m["body"]]
    # A notice on demand: the vip segment; then an empty segment.
    notice = await broadcasts.start(
        kiri, BroadcastIn(label="台风预警", template="{name}：台风将至，请注意安全。", tag="vip")
    )
    empty = await broadcasts.start(
        kiri, BroadcastIn(label="空", template="{name}", tag="nobody-has-this")
    )
    await drain(host)
    out["broadcast"] = msgspec.to_builtins(await broadcasts.get(kiri, notice.id))
    out["empty_broadcast"] = msgspec.to_builtins(empty)
    # Callbacks: every 14 days for the vip tag, twice in one period, then the next one.
    for moment in ("2026-09-09T20:00:00+00:00", "2026-09-09T21:00:00+00:00"):
        await callbacks.run(kiri, now=datetime.datetime.fromisoformat(moment))
    out["callbacks_once"] = (await snapshot(kiri))["tasks"]
    await callbacks.run(kiri, now=datetime.datetime.fromisoformat("2026-09-30T20:00:00+00:00"))
    out["callbacks_next"] = (await snapshot(kiri))["tasks"]
    out["report_2028_03"] = msgspec.to_builtins(await reports.messages_report(kiri, "2028-03"))
    # Once per customer, occasion and year, whichever day asks (a time zone changed, a
    # second plugin): Teachers' Day 2026 again on another day, then in 2027.
    jia = {"id": customers[("kiritimati", "甲")], "name": "甲", "phone": "13800000001"}
    template = sdk.parse_template("{name}", ["name"], field="t")
    out["once_a_year"] = [
        (
            await sdk.occasions.greet(
                kiri,
                sdk.occasions.festival("teachers_day"),
                [jia],
                template=template,
                channels=["http"],
                day=day,
            )
        )[0].outcome
        for day in (datetime.date(2026, 9, 20), datetime.date(2027, 9, 10))
    ]
    return out


async def enrolment_part(host: PluginHost, cipher: FieldCipher) -> dict:
    """Renewal notices from the education plugin's events, through the real outbox: an
    enrolment's end is remembered by care's subscription (decoded into care's own Struct)
    and noticed 30 days before, at the tenant's `send_at`; a deleted enrolment is forgotten."""
    config = {
        "send_at": "09:30",
        "callbacks": [
            {"name": "key-call", "every_days": 30, "filter": "education.tier=key", "title": "回访"},
            {"name": "gym-call", "every_days": 30, "filter": "gym.plan=annual"},
        ],
    }
    ctx = await tenant_ctx(host, "enrol", "Asia/Shanghai", config, education={})
    school = host.bind(ctx.tenant, "education")
    people = CustomerService(ctx.tenant, cipher)
    ding = (await people.create(CustomerCreate(name="丁", phone="13800000004"))).id
    await drain(host)
    kept = await enrollments.create_enrollment(
        school,
        EnrollmentIn(
            customer_id=ding,
            course="Python 入门",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 1, 31),
        ),
    )
    mistake = await enrollments.create_enrollment(
        school,
        EnrollmentIn(
            customer_id=ding,
            course="错课",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 1, 31),
        ),
    )
    await drain(host)
    remembered = await renewals(ctx)
    await enrollments.delete_enrollment(school, mistake.id)
    await drain(host)
    await drain(host)  # delivered again: nothing twice
    out: dict[str, Any] = {"remembered": remembered, "after_delete": await renewals(ctx)}
    out["enrollment"] = str(kept.id)
    # Segments by another plugin's customer filter (`?education.tier=key`): 丁 is a key
    # student, 戊 is not; a filter of a plugin the tenant has not enabled is refused.
    wu = (await people.create(CustomerCreate(name="戊", phone="13800000005"))).id
    # 戊 becomes a student by a profile (a customer alone is no student), tiered general.
    await students.update_profile(school, wu, StudentIn(intent=Intent.low))
    await drain(host)
    await students.set_override(school, ding, Tier.key, "scenario")
    names = {ding: "丁", wu: "戊"}
    async with db.tenant_transaction(ctx.tenant_id):  # as the app role on PostgreSQL: RLS
        key = await broadcasts.segment(ctx, None, None, "education.tier=key")
        general = await broadcasts.segment(ctx, None, [ding, wu], "education.tier=general")
    out["segment_key"] = [names[i] for i in key]
    out["segment_general"] = [names[i] for i in general]
    refused = []
    for selector in ("education.nope=x", "gym.plan=annual"):
        try:
            async with db.tenant_transaction(ctx.tenant_id):
                await broadcasts.segment(ctx, None, None, selector)
        except sdk.InvalidInput as exc:
            refused.append([selector, exc.errors[0]["field"]])
    out["segment_refused"] = refused
    await callbacks.run(ctx, now=datetime.datetime.fromisoformat("2026-09-10T00:00:00+00:00"))
    async with db.tenant_transaction(ctx.tenant_id):
        tasks = (
            await TaskRepository(ctx.tenant_id)
            .select()
            .where(TaskRepository.table.kind == "callback")
        )
    out["callbacks_by_filter"] = sorted(t["title"] for t in tasks)
    # 09:30 Shanghai on 31 Dec 2026 (a day early), then on 1 Jan 2027 (30 days before).
    for label, moment in (
        ("day_before", "2026-12-31T01:30:00+00:00"),
        ("due_day", "2027-01-01T01:30:00+00:00"),
        ("due_day_again", "2027-01-01T01:30:00+00:00"),
    ):
        await greetings.run(ctx, now=datetime.datetime.fromisoformat(moment))
        await drain(host)
        out[label] = [
            [m["body"], m["purpose"], m["status"]]
            for m in await messages(ctx)
            if m["cause"].startswith("care:renewal:")
        ]
    return out


async def renewals(ctx: Any) -> list[list[str]]:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = await RenewalRepository(ctx.tenant_id).select().order_by(Renewal.label)
    return [[r["label"], str(r["due_on"]), str(r["notify_on"])] for r in rows]


async def main() -> dict[str, Any]:
    await db.start()
    await migrate()
    host = PluginHost(discover(["care", "education"]))
    cipher = FieldCipher(Settings.from_env().secret_key)
    gateway = Gateway()
    outcome = {"consent": await consent_part(host, cipher, gateway)}
    outcome["care"] = await care_part(host, cipher)
    outcome["enrolment"] = await enrolment_part(host, cipher)
    await db.stop()
    return outcome


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False, default=str))
