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
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec

from cli.runtime import migrate
from core import db, sdk
from core.crypto import FieldCipher
from core.domain.customers.schemas import ConsentCreate, CustomerCreate
from core.domain.customers.service import CustomerService
from core.domain.tasks.repository import TaskRepository
from core.events import PARTITIONS, OutboxDispatcher
from core.messaging.repository import MessageRepository
from core.messaging.schemas import ChannelIn, ChannelKind
from core.messaging.service import ChannelService, MessageSender, deliver_message
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from core.settings import Settings
from core.tenancy.context import TenantContext
from plugins.care import broadcasts, callbacks, greetings, reactions, reports
from plugins.care.plugin import CARE
from plugins.care.schemas import BroadcastIn
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug, update_tenant
from tenants.schemas import SignupIn, TenantPatch

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
EARLY = "2026-09-09T17:00:00+00:00"  # Kiritimati 10 Sep 07:00: before send_at (09:00)


class Gateway:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                gateway.bodies.append(json.loads(self.rfile.read(length))["body"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def tenant_ctx(host: PluginHost, slug: str, zone: str, care: dict | None) -> TenantContext:
    await create_tenant(
        SignupIn(name=slug, slug=slug, admin_email=f"o@{slug}.example.com", timezone=zone)
    )
    tenant = await tenant_by_slug(slug)
    owner = await owner_context(tenant)
    plugins = {}
    if care is not None:
        await PluginService(owner, host).enable("care", care)
        plugins = {"care": CARE.parse_config(care)}
    return msgspec.structs.replace(await owner_context(await tenant_by_slug(slug)), plugins=plugins)


async def drain(host: PluginHost) -> None:
    dispatcher = OutboxDispatcher(host)
    while sum([await dispatcher.drain(p) for p in range(PARTITIONS)]):
        pass


async def messages(ctx: TenantContext) -> list[dict[str, Any]]:
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


async def send_all(ctx: TenantContext, cipher: FieldCipher) -> None:
    async with db.tenant_transaction(ctx.tenant_id):
        rows = await MessageRepository(ctx.tenant_id).select(MessageRepository.table.id)
    for row in rows:
        await MessageSender(cipher).send(ctx.tenant_id, row["id"])


async def consent_part(host: PluginHost, cipher: FieldCipher, gateway: Gateway) -> dict:
    out: dict[str, Any] = {}
    for slug, mode in (("optin", "opt_in"), ("optout", "opt_out")):
        ctx = await tenant_ctx(host, slug, "Asia/Shanghai", None)
        if mode == "opt_out":
            await update_tenant(ctx.tenant_id, TenantPatch(marketing_consent="opt_out"))
        await ChannelService(ctx, cipher).configure(
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


async def snapshot(ctx: TenantContext) -> dict[str, Any]:
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
        people = CustomerService(ctx, cipher)
        for name, phone, birthday, consents, tags in PEOPLE:
            customer = await people.create(
                CustomerCreate(name=name, phone=phone, birthday=birthday, tags=tags)
            )
            customers[(slug, name)] = customer.id
            if consents:
                await people.grant_consent(customer.id, ConsentCreate(purpose="marketing"))
    out: dict[str, Any] = {}
    kiri = contexts["kiritimati"]
    await greetings.run(kiri, now=datetime.datetime.fromisoformat(EARLY))
    await drain(host)
    out["early"] = await snapshot(kiri)
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
            CARE.parse_config(config),
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


async def main() -> dict[str, Any]:
    await db.start()
    await migrate()
    host = PluginHost(discover(["care"]))
    cipher = FieldCipher(Settings.from_env().secret_key)
    gateway = Gateway()
    outcome = {"consent": await consent_part(host, cipher, gateway)}
    outcome["care"] = await care_part(host, cipher)
    await db.stop()
    return outcome


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False, default=str))
