"""The gym's hook implementations (see core.plugins.hookspecs for when each is called)."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import msgspec
from core import sdk

import patron_gym  # GYM is defined by the package once its modules are loaded
from patron_gym import terms
from patron_gym.repository import MembershipRepository, WelcomeRepository
from patron_gym.routes import membership_view

log = logging.getLogger("patron_gym")


# -- events --------------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_created(ctx: sdk.TenantContext, customer: dict[str, Any]) -> None:
    """A welcome task for staff, once per customer however often the event is delivered."""
    if not patron_gym.GYM.config_of(ctx).welcome_task:
        return
    customer_id = uuid.UUID(str(customer["id"]))
    welcomes = WelcomeRepository(ctx.tenant_id)
    # The task and its idempotency key commit together (create_task joins this transaction).
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if await welcomes.of(customer_id) is not None:
            return
        try:
            task = await sdk.create_task(
                ctx,
                patron_gym.GYM,
                # Task titles hold 200 characters; a customer's name may too.
                title=f"Welcome {customer['name'][:150]} to the gym",
                kind="welcome",
                customer_id=customer_id,
            )
        except sdk.InvalidInput:  # the customer was deleted before the event arrived
            log.info("tenant %s: customer %s is gone; no welcome", ctx.tenant_id, customer_id)
            return
        await welcomes.insert(customer_id=customer_id, task_id=task.id, created_at=sdk.utcnow())


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(
    ctx: sdk.TenantContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    today = terms.local_today(ctx.timezone)
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await MembershipRepository(ctx.tenant_id).active_of(
            uuid.UUID(str(customer["id"])), today
        )
    active = None if row is None else msgspec.to_builtins(membership_view(row, today))
    return {"active_membership": active}


@sdk.hookimpl
async def patron_timeline_entries(
    ctx: sdk.TenantContext,
    customer_id: str,
    newer_than: datetime.datetime | None,
    not_newer_than: datetime.datetime | None,
) -> list[sdk.PluginTimelineEntry]:
    """ "Renewal due" for each membership ending within the notice period, dated the day
    the notice period began (tenant local time)."""
    config = patron_gym.GYM.config_of(ctx)
    today = terms.local_today(ctx.timezone)
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await MembershipRepository(ctx.tenant_id).of_customer(uuid.UUID(customer_id))
    entries = []
    for row in rows:
        notice_from = terms.renewal_notice_from(row["ends_on"], config.renewal_notice_days)
        if not (notice_from <= today <= row["ends_on"]):
            continue
        occurred_at = max(terms.local_midnight(notice_from, ctx.timezone), row["created_at"])
        if (newer_than is not None and occurred_at <= newer_than) or (
            not_newer_than is not None and occurred_at > not_newer_than
        ):
            continue
        entries.append(
            sdk.PluginTimelineEntry(
                occurred_at=occurred_at,
                kind="membership.renewal_due",
                summary=f"{row['plan']} membership ends on {row['ends_on']}: renewal due",
                data={
                    "membership_id": str(row["id"]),
                    "plan": row["plan"],
                    "ends_on": row["ends_on"].isoformat(),
                    "days_left": (row["ends_on"] - today).days,
                },
            )
        )
    return entries


# -- policy --------------------------------------------------------------------------------
@sdk.hookimpl
def patron_customer_filter(ctx: sdk.TenantContext, key: str, value: str) -> Any:
    """`?gym.member=yes` (an active membership today) or `?gym.member=no`."""
    if key != "member" or value not in ("yes", "no"):
        return None
    members = MembershipRepository(ctx.tenant_id).active_member_ids(terms.local_today(ctx.timezone))
    return members if value == "yes" else sdk.Excluding(members)


@sdk.hookimpl
def patron_veto(
    ctx: sdk.TenantContext, action: str, current: dict[str, Any] | None, change: dict[str, Any]
) -> sdk.Veto | None:
    """No deleting a customer whose membership is running. Pure: the facts are this
    plugin's own section of the customer, which the core loads before asking."""
    if action != "customer.delete" or current is None:
        return None
    active = (current.get("plugins", {}).get("gym") or {}).get("active_membership")
    if not active:
        return None
    return sdk.Veto(f"the customer has an active membership until {active['ends_on']}")
