"""The membership plugin's hook implementations (see core.plugins.hookspecs for when each is
called). Event hooks are one-line adapters onto `reactions`, so they can be rewired."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.membership import plugin, reactions
from plugins.membership.members import member_of
from plugins.membership.repository import MemberRepository


def this() -> sdk.PluginDescriptor:
    return plugin.MEMBERSHIP


# -- events --------------------------------------------------------------------------------
@sdk.hookimpl
async def patron_plugin_enabled(ctx: sdk.TenantContext, plugin: str) -> None:
    await reactions.on_plugin_enabled(ctx, this())


@sdk.hookimpl
async def patron_plugin_reconfigured(ctx: sdk.TenantContext, plugin: str, old: Any) -> None:
    await reactions.on_plugin_reconfigured(ctx, this())


@sdk.hookimpl
async def patron_payment_recorded(ctx: sdk.TenantContext, payment: dict[str, Any]) -> None:
    await reactions.on_payment_recorded(ctx, this(), payment)


@sdk.hookimpl
async def patron_customer_created(ctx: sdk.TenantContext, customer: dict[str, Any]) -> None:
    await reactions.on_customer_created(ctx, this(), customer)


@sdk.hookimpl
async def patron_customer_updated(
    ctx: sdk.TenantContext, customer: dict[str, Any], changed: list[str]
) -> None:
    await reactions.on_customer_updated(ctx, this(), customer, changed)


@sdk.hookimpl
async def patron_customer_deleted(ctx: sdk.TenantContext, customer_id: str) -> None:
    await reactions.on_customer_deleted(ctx, this(), customer_id)


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(
    ctx: sdk.TenantContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """`{level, benefits}` (api.md §6), plus the computed level, the pin and the window's
    totals."""
    member = await member_of(ctx, this(), uuid.UUID(str(customer["id"])))
    return {
        "level": member.level,
        "benefits": member.benefits,
        "computed_level": member.computed_level,
        "pinned": None if member.pinned is None else msgspec.to_builtins(member.pinned),
        "window": msgspec.to_builtins(member.window),
    }


# -- policy --------------------------------------------------------------------------------
@sdk.hookimpl
def patron_customer_filter(ctx: sdk.TenantContext, key: str, value: str) -> Any:
    """`?membership.level=<name>` (a level of the tenant's ladder)."""
    if key != "level" or this().config_of(ctx).level(value) is None:
        return None
    members = MemberRepository(ctx.tenant_id)
    return members.select(members.table.customer_id).where(members.table.level == value)


# -- scheduled ---------------------------------------------------------------------------
async def daily_reevaluation(ctx: sdk.TenantContext) -> None:
    await reactions.daily_reevaluation(ctx, this())
