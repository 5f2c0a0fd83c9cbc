"""The membership plugin's hook implementations: contributions and policy (see
docs/plugins.md, "Hook reference"). What it does when an event happens is in `reactions`."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.membership.context import Ctx
from plugins.membership.members import member_of
from plugins.membership.repository import MemberRepository


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(ctx: Ctx, customer: dict[str, Any]) -> dict[str, Any] | None:
    """`{level, benefits}` (api.md §6), plus the computed level, the pin and the window's
    totals. Read-only: a customer not evaluated yet gets what the rule gives them now."""
    member = await member_of(ctx, uuid.UUID(str(customer["id"])))
    return {
        "level": member.level,
        "benefits": member.benefits,
        "computed_level": member.computed_level,
        "pinned": None if member.pinned is None else msgspec.to_builtins(member.pinned),
        "window": msgspec.to_builtins(member.window),
    }


# -- policy --------------------------------------------------------------------------------
@sdk.hookimpl
def patron_customer_filter(ctx: Ctx, key: str, value: str) -> Any:
    """`?membership.level=<name>` (a level of the tenant's ladder; members as stored)."""
    if key != "level" or ctx.config.level(value) is None:
        return None
    members = MemberRepository(ctx.tenant_id)
    return members.select(members.table.customer_id).where(members.table.level == value)
