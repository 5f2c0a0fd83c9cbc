"""Care's reactions to what happens elsewhere.

Renewal notices: a date the plugin learns of is remembered with `remember_renewal` — from
an event another plugin publishes (`education.enrollment_created`: the enrolment's last
day; later `broadcast.subscription_created`: the subscription's expiry, subscribed the
same way), or `POST …/care/renewals`. The daily `greetings` run sends a `service` notice
`renewal_days_before` days before it (`send_due_renewals`), once per customer, label and
date, through the consent gate.

Other plugins' events are decoded into Structs of care's own (plugins never import each
other): only the fields care relies on, unknown ones ignored.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.care.config import RENEWAL_FIELDS, CareConfig, check_template
from plugins.care.context import Ctx
from plugins.care.journal import record
from plugins.care.repository import CareLogRepository, RenewalRepository
from plugins.care.tables import Renewal


class EnrollmentCreated(msgspec.Struct, frozen=True):
    """The fields of `education.enrollment_created` care relies on."""

    customer_id: uuid.UUID
    course: str
    ends_on: datetime.date


class EnrollmentDeleted(msgspec.Struct, frozen=True):
    """The fields of `education.enrollment_deleted` care relies on."""

    customer_id: uuid.UUID
    course: str
    ends_on: datetime.date


async def on_enrollment_created(ctx: Ctx, event: EnrollmentCreated) -> None:
    """A renewal notice before the enrolment's last day (idempotent: a redelivery
    remembers nothing twice). A customer deleted since is skipped."""
    if not await sdk.customer_exists(ctx, event.customer_id):
        return
    await remember_renewal(ctx, event.customer_id, event.ends_on, event.course)


async def on_enrollment_deleted(ctx: Ctx, event: EnrollmentDeleted) -> None:
    """The enrolment was entered by mistake: no notice for it (one sent already stays
    in the log)."""
    await forget_renewal(ctx, event.customer_id, event.ends_on, event.course)


async def remember_renewal(
    ctx: Ctx,
    customer_id: uuid.UUID | str,
    due_on: datetime.date,
    label: str,
    days_before: int | None = None,
) -> dict[str, Any]:
    """Remember that `label` (e.g. "课程 Python 入门") of the customer ends on `due_on`;
    the notice goes `days_before` (default: the config's) days earlier. Idempotent: the
    same (customer, label, date) is remembered once."""
    customer = sdk.parse_id(str(customer_id))
    if customer is None or not await sdk.customer_exists(ctx, customer):
        raise sdk.NotFound("No such customer.")
    config = ctx.config
    before = config.renewal_days_before if days_before is None else days_before
    renewals = RenewalRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await renewals.insert_many(
            [
                {
                    "customer_id": customer,
                    "label": label,
                    "due_on": due_on,
                    "notify_on": due_on - datetime.timedelta(days=before),
                    "days_before": before,
                    "created_at": sdk.utcnow(),
                }
            ],
            skip_existing=True,
        )
        row = (
            await renewals.select()
            .where(
                Renewal.customer_id == customer, Renewal.label == label, Renewal.due_on == due_on
            )
            .first()
        )
    assert row is not None
    return row


async def forget_renewal(
    ctx: Ctx, customer_id: uuid.UUID, due_on: datetime.date, label: str
) -> int:
    """Forget a remembered date (no notice will go out for it); how many were forgotten."""
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        gone = await (
            RenewalRepository(ctx.tenant_id)
            .delete_where()
            .where(
                Renewal.customer_id == customer_id,
                Renewal.label == label,
                Renewal.due_on == due_on,
            )
            .returning(Renewal.id)
        )
    return len(gone)


def renewal_cause(row: dict[str, Any]) -> str:
    return f"care:renewal:{row['id']}"


async def send_due_renewals(ctx: Ctx, config: CareConfig, today: datetime.date) -> int:
    """Send the renewal notices due by `today` (not after their date), once each; how many
    were sent or blocked now."""
    template = check_template(config.renewal_template, RENEWAL_FIELDS, "renewal_template")
    done = 0
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        due = await RenewalRepository(ctx.tenant_id).due(today)
        logged = await CareLogRepository(ctx.tenant_id).done(
            [f"{renewal_cause(r)}:{r['customer_id']}" for r in due]
        )
        pending = [r for r in due if f"{renewal_cause(r)}:{r['customer_id']}" not in logged]
        people = {
            c["id"]: c
            for c in await sdk.CoreFacts(ctx).customers(
                {r["customer_id"] for r in pending}, fields=sdk.occasions.CUSTOMER_FIELDS
            )
        }
        for row in pending:
            customer = people.get(row["customer_id"])
            if customer is None:  # deleted since
                continue
            done += await notify_renewal(ctx, config, template, customer, row, today)
    return done


async def notify_renewal(
    ctx: Ctx,
    config: CareConfig,
    template: sdk.MessageTemplate,
    customer: dict[str, Any],
    row: dict[str, Any],
    today: datetime.date,
) -> int:
    due_on = row["due_on"]
    due_on = datetime.date.fromisoformat(due_on) if isinstance(due_on, str) else due_on
    occasion = sdk.occasions.Occasion(key="renewal", label=row["label"], kind="date")
    greetings = await sdk.occasions.greet(
        ctx,
        occasion,
        [customer],
        template=template,
        channels=[config.renewal_channel],
        day=today,
        fallback=config.fallback,
        values={
            "label": row["label"],
            "due_on": due_on.isoformat(),
            "days": (due_on - today).days,
        },
        purpose="service",
        cause=renewal_cause(row),
    )
    await record(ctx, "renewal", "renewal", greetings, today)
    return sum(g.outcome in ("queued", "blocked") for g in greetings)
