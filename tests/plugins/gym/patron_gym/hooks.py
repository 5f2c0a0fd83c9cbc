"""The gym's hook implementations: contributions and policy (see docs/plugins.md, "Hook
reference"). Each gets the caller's context bound to the gym (`ctx.config` is its config)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec
from core import sdk

from patron_gym import terms
from patron_gym.config import GymConfig
from patron_gym.repository import MembershipRepository
from patron_gym.routes import membership_view


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(
    ctx: sdk.PluginContext[GymConfig], customer: dict[str, Any]
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
    ctx: sdk.PluginContext[GymConfig],
    customer_id: str,
    newer_than: datetime.datetime | None,
    not_newer_than: datetime.datetime | None,
) -> list[sdk.PluginTimelineEntry]:
    """ "Renewal due" for each membership ending within the notice period, dated the day
    the notice period began (tenant local time)."""
    config = ctx.config
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
def patron_customer_filter(ctx: sdk.PluginContext[GymConfig], key: str, value: str) -> Any:
    """`?gym.member=yes` (an active membership today) or `?gym.member=no`."""
    if key != "member" or value not in ("yes", "no"):
        return None
    members = MembershipRepository(ctx.tenant_id).active_member_ids(terms.local_today(ctx.timezone))
    return members if value == "yes" else sdk.Excluding(members)


@sdk.hookimpl
def patron_veto(
    ctx: sdk.PluginContext[GymConfig],
    action: str,
    current: dict[str, Any] | None,
    change: dict[str, Any],
) -> sdk.Veto | None:
    """No deleting a customer whose membership is running. Pure: the facts are this
    plugin's own section of the customer, which the core loads before asking."""
    if action != "customer.delete" or current is None:
        return None
    active = (current.get("plugins", {}).get("gym") or {}).get("active_membership")
    if not active:
        return None
    return sdk.Veto(f"the customer has an active membership until {active['ends_on']}")
